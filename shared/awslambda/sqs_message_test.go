package awslambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/testkit"
)

// visibility records ChangeMessageVisibility calls.
type visibility struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (v *visibility) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls = append(v.calls, fmt.Sprintf("%s %s %d", aws.ToString(in.QueueUrl), aws.ToString(in.ReceiptHandle), in.VisibilityTimeout))
	return &sqs.ChangeMessageVisibilityOutput{}, v.err
}

func (v *visibility) recorded() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.calls)
}

// invokeMessages runs SQSMessageHandler through aws-lambda-go's JSON handling on records m1, m2, … with the given
// bodies, and returns the failed record IDs and the logs.
func invokeMessages(t *testing.T, ctx context.Context, h queue.Handler, vis awslambda.VisibilityChanger, arn string, bodies ...string) ([]string, string) {
	t.Helper()
	var logs testkit.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ev := events.SQSEvent{}
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: fmt.Sprintf("m%d", i+1), ReceiptHandle: fmt.Sprintf("rh%d", i+1), Body: b,
			EventSourceARN: arn, EventSource: "aws:sqs", AWSRegion: "us-east-1",
			Attributes: map[string]string{"ApproximateReceiveCount": "3", "SentTimestamp": "1767225600000"},
			MessageAttributes: map[string]events.SQSMessageAttribute{
				"tenant": {DataType: "String", StringValue: aws.String("t1")}},
		})
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(awslambda.SQSMessageHandler(h, vis, logger)).Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke = %v, want the batch never to fail as a whole", err)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	failed := []string{}
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	slices.Sort(failed)
	return failed, logs.String()
}

func TestSQSMessageHandler(t *testing.T) {
	const url = "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-router"
	outcome := map[string]error{
		"ok":      nil,
		"later":   queue.RetryAfter{Delay: 90 * time.Minute},
		"retry":   fmt.Errorf("deliver: %w", &queue.RetryAfter{Delay: 1500 * time.Millisecond, Err: errors.New("endpoint 503")}),
		"toolong": queue.RetryAfter{Delay: 48 * time.Hour},
		"fail":    errors.New("store unavailable"),
	}
	tests := []struct {
		name       string
		arn        string
		bodies     []string
		wantFailed []string
		wantVis    []string
		wantLog    string
	}{
		{"all succeed", standardARN, []string{"ok", "ok"}, []string{}, nil, ""},
		{"planned wait", standardARN, []string{"ok", "later"}, []string{"m2"}, []string{url + " rh2 5400"}, ""},
		{"retry rounds up to whole seconds", standardARN, []string{"retry"}, []string{"m1"}, []string{url + " rh1 2"}, "endpoint 503"},
		{"capped at 12 hours", standardARN, []string{"toolong"}, []string{"m1"}, []string{url + " rh1 43200"}, ""},
		{"plain error keeps the queue's timeout", standardARN, []string{"fail", "ok"}, []string{"m1"}, nil, "store unavailable"},
		{"panic", standardARN, []string{"panic", "ok"}, []string{"m1"}, nil, "handler bug"},
		{"FIFO stops at the first failure", fifoARN, []string{"ok", "later", "ok"}, []string{"m2", "m3"},
			[]string{"https://sqs.us-east-1.amazonaws.com/123456789012/send-commands.fifo rh2 5400"}, "earlier record of this FIFO batch failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vis := &visibility{}
			var mu sync.Mutex
			var got []queue.Message
			h := func(ctx context.Context, m queue.Message) error {
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
				if string(m.Body) == "panic" {
					panic("handler bug")
				}
				return outcome[string(m.Body)]
			}
			failed, logs := invokeMessages(t, context.Background(), h, vis, tt.arn, tt.bodies...)
			if !slices.Equal(failed, tt.wantFailed) {
				t.Errorf("batchItemFailures = %v, want %v", failed, tt.wantFailed)
			}
			if got := vis.recorded(); !slices.Equal(got, tt.wantVis) {
				t.Errorf("ChangeMessageVisibility calls %q, want %q", got, tt.wantVis)
			}
			if !strings.Contains(logs, tt.wantLog) {
				t.Errorf("logs do not mention %q:\n%s", tt.wantLog, logs)
			}
			for _, m := range got {
				if m.ReceiveCount != 3 || !m.SentAt.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) ||
					m.Attributes["tenant"] != "t1" || !strings.HasPrefix(m.ReceiptHandle, "rh") {
					t.Errorf("handler got %+v, want the record's receive count, sent time, attributes and receipt", m)
				}
			}
		})
	}
}

// A standard queue's records run concurrently: a slow one does not hold up the others.
func TestSQSMessageHandlerConcurrent(t *testing.T) {
	var running, peak atomic.Int32
	release := make(chan struct{})
	h := func(ctx context.Context, m queue.Message) error {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == 3 {
			close(release)
		}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
			return errors.New("records ran one by one")
		}
		return nil
	}
	failed, logs := invokeMessages(t, context.Background(), h, &visibility{}, standardARN, "a", "b", "c")
	if len(failed) != 0 || peak.Load() != 3 {
		t.Errorf("failed %v, peak %d; want none failed and all 3 running at once\n%s", failed, peak.Load(), logs)
	}
}

func TestSQSMessageHandlerVisibilityErrorAndDeadline(t *testing.T) {
	vis := &visibility{err: errors.New("throttled")}
	h := func(ctx context.Context, m queue.Message) error { return queue.RetryAfter{Delay: time.Minute} }
	failed, logs := invokeMessages(t, context.Background(), h, vis, standardARN, "x")
	if !slices.Equal(failed, []string{"m1"}) || !strings.Contains(logs, "throttled") {
		t.Errorf("failed %v, logs %s; want m1 failed and the visibility error logged", failed, logs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	h = func(ctx context.Context, m queue.Message) error { calls.Add(1); return nil }
	if failed, _ := invokeMessages(t, ctx, h, &visibility{}, standardARN, "x", "y"); !slices.Equal(failed, []string{"m1", "m2"}) || calls.Load() != 0 {
		t.Errorf("after the deadline: failed %v, calls %d; want both back unprocessed", failed, calls.Load())
	}
}

func TestQueueURL(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:sqs:eu-west-1:111122223333:waqtor-webhook-deliveries": "https://sqs.eu-west-1.amazonaws.com/111122223333/waqtor-webhook-deliveries",
		"arn:aws-cn:sqs:cn-north-1:111122223333:q.fifo":                "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q.fifo",
		"arn:aws:sns:eu-west-1:111122223333:topic":                     "",
		"arn:aws:sqs:eu-west-1:111122223333":                           "",
		"":                                                             "",
	} {
		got, err := awslambda.QueueURL(arn)
		if got != want || (want == "") != errors.Is(err, awslambda.ErrQueueARN) {
			t.Errorf("QueueURL(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
}
