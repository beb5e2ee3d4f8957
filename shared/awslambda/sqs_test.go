package awslambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/awslambda"
)

const secret = "PII-966501234567-hello"

const (
	standardARN = "arn:aws:sqs:us-east-1:123456789012:webhook-router"
	fifoARN     = "arn:aws:sqs:us-east-1:123456789012:send-commands.fifo"
)

// record is one SQS record of an invocation payload; body is the bus event JSON (or anything else).
type record struct {
	id   string
	body string
}

func busEvent(t *testing.T, marker string) (event.Envelope, string) {
	t.Helper()
	e, err := event.New("waqtor.session-host", event.MessageReceived, "tenant-1", time.Now(),
		map[string]string{"body": secret, "marker": marker})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(e.Bus("123456789012", "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	return e, string(b)
}

// invoke runs the handler through aws-lambda-go's JSON handling, as the runtime does.
func invoke(t *testing.T, ctx context.Context, h event.Handler, arn string, recs ...record) ([]string, string) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	type msg struct {
		MessageID      string `json:"messageId"`
		Body           string `json:"body"`
		EventSourceARN string `json:"eventSourceARN"`
		EventSource    string `json:"eventSource"`
	}
	var records []msg
	for _, r := range recs {
		records = append(records, msg{MessageID: r.id, Body: r.body, EventSourceARN: arn, EventSource: "aws:sqs"})
	}
	payload, err := json.Marshal(map[string]any{"Records": records})
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(awslambda.SQSHandler(h, logger)).Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke = %v, want the batch never to fail as a whole", err)
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	failed := []string{}
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("logs contain event data:\n%s", logs.String())
	}
	return failed, logs.String()
}

// recorder is a handler that records the events it got and fails those whose data carries a failing marker.
type recorder struct {
	mu   sync.Mutex
	got  []event.BusEvent
	fail map[string]error
}

func (r *recorder) handle(ctx context.Context, e event.BusEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
	var data map[string]string
	_ = json.Unmarshal(e.Detail.Data, &data)
	if data["marker"] == "panic" {
		panic("handler bug")
	}
	return r.fail[data["marker"]]
}

func (r *recorder) markers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.got {
		var data map[string]string
		_ = json.Unmarshal(e.Detail.Data, &data)
		out = append(out, data["marker"])
	}
	return out
}

func TestSQSHandler(t *testing.T) {
	_, ok1 := busEvent(t, "ok1")
	_, ok2 := busEvent(t, "ok2")
	_, bad := busEvent(t, "bad")
	_, boom := busEvent(t, "panic")
	tests := []struct {
		name       string
		arn        string
		records    []record
		wantFailed []string
		wantCalled []string
		wantLog    string
	}{
		{"all succeed", standardARN, []record{{"m1", ok1}, {"m2", ok2}}, []string{}, []string{"ok1", "ok2"}, ""},
		{"one handler error", standardARN, []record{{"m1", ok1}, {"m2", bad}, {"m3", ok2}}, []string{"m2"}, []string{"ok1", "bad", "ok2"}, "webhook 500"},
		{"undecodable body", standardARN, []record{{"m1", `{"detail":` + secret}, {"m2", ok1}}, []string{"m1"}, []string{"ok1"}, "not a bus event"},
		{"panic", standardARN, []record{{"m1", boom}, {"m2", ok1}}, []string{"m1"}, []string{"panic", "ok1"}, "handler bug"},
		{"FIFO stops at the first failure", fifoARN, []record{{"m1", ok1}, {"m2", bad}, {"m3", ok2}}, []string{"m2", "m3"}, []string{"ok1", "bad"}, "earlier record of this FIFO batch failed"},
		{"empty batch", standardARN, nil, []string{}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{fail: map[string]error{"bad": errors.New("webhook 500")}}
			failed, logs := invoke(t, context.Background(), r.handle, tt.arn, tt.records...)
			if !slices.Equal(failed, tt.wantFailed) {
				t.Errorf("batchItemFailures = %v, want %v", failed, tt.wantFailed)
			}
			if got := r.markers(); !slices.Equal(got, tt.wantCalled) {
				t.Errorf("handler called for %v, want %v", got, tt.wantCalled)
			}
			if !strings.Contains(logs, tt.wantLog) {
				t.Errorf("logs do not mention %q:\n%s", tt.wantLog, logs)
			}
			for _, id := range tt.wantFailed {
				if !strings.Contains(logs, fmt.Sprintf("%q", id)) {
					t.Errorf("failure of %s not logged with its message ID:\n%s", id, logs)
				}
			}
		})
	}
}

func TestSQSHandlerPassesTheBusEvent(t *testing.T) {
	e, body := busEvent(t, "ok")
	r := &recorder{}
	if failed, _ := invoke(t, context.Background(), r.handle, standardARN, record{"m1", body}); len(failed) != 0 {
		t.Fatalf("failed = %v", failed)
	}
	got := r.got[0]
	if got.Source != e.Source || got.DetailType != e.Type || got.Account != "123456789012" || got.Region != "us-east-1" {
		t.Errorf("bus event = %+v", got)
	}
	d := got.Detail
	if d.ID != e.ID || d.Source != e.Source || d.TenantID != e.TenantID || !d.Time.Equal(e.Time) || string(d.Data) != string(e.Data) {
		t.Errorf("detail = %+v, want the envelope %+v (with its source restored)", d, e)
	}
}

func TestSQSHandlerAfterDeadline(t *testing.T) {
	_, ok1 := busEvent(t, "ok1")
	_, ok2 := busEvent(t, "ok2")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &recorder{}
	failed, _ := invoke(t, ctx, r.handle, standardARN, record{"m1", ok1}, record{"m2", ok2})
	if !slices.Equal(failed, []string{"m1", "m2"}) {
		t.Errorf("failed = %v, want both records back", failed)
	}
	if len(r.markers()) != 0 {
		t.Errorf("handler called after the deadline: %v", r.markers())
	}
}
