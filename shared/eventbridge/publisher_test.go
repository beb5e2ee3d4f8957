package eventbridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/eventtest"
	"github.com/waqtor/waqtor/shared/routing"
)

// targets collects what the fake EventBridge delivers to each route target.
type targets struct {
	mu     sync.Mutex
	bodies map[string][][]byte
}

func (d *targets) deliver(target string, body []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bodies == nil {
		d.bodies = map[string][][]byte{}
	}
	d.bodies[target] = append(d.bodies[target], body)
}

func (d *targets) get(target string) [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.bodies[target])
}

func newPublisher(t *testing.T, routes []routing.Route, cfg eventbridge.Config, opts ...awstest.EventBridgeOption) (*eventbridge.Publisher, *awstest.EventBridge, *targets) {
	t.Helper()
	d := &targets{}
	fake := awstest.NewEventBridge(t, routes, d.deliver, append([]awstest.EventBridgeOption{awstest.EventBridgeBuses("waqtor")}, opts...)...)
	if cfg.BusName == "" {
		cfg.BusName = "waqtor"
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = time.Millisecond, 4*time.Millisecond
	}
	p, err := eventbridge.New(fake.Client(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p, fake, d
}

func TestPublisherContract(t *testing.T) {
	eventtest.Run(t, func(t *testing.T, routes []routing.Route) (event.Publisher, eventtest.Delivered) {
		p, _, d := newPublisher(t, routes, eventbridge.Config{})
		return p, d.get
	})
}

func envelope(t *testing.T, typ string, data any) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.session-host", typ, "tenant-1", time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEntryFields(t *testing.T) {
	p, fake, _ := newPublisher(t, nil, eventbridge.Config{BusName: "arn:aws:events:us-east-1:123456789012:event-bus/waqtor"})
	e := envelope(t, event.MessageReceived, nil)
	e.Data = json.RawMessage(`{"body":"<b>&</b>"}`) // the producer's bytes are kept
	if err := p.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	entries := fake.Entries()
	if len(entries) != 1 {
		t.Fatalf("fake got %d entries, want 1", len(entries))
	}
	got := entries[0]
	want, _ := json.Marshal(e)
	var a, b any
	_ = json.Unmarshal([]byte(got.Detail), &a)
	_ = json.Unmarshal(want, &b)
	if got.Source != e.Source || got.DetailType != e.Type || !strings.HasSuffix(got.EventBusName, "event-bus/waqtor") {
		t.Errorf("entry = %+v, want source %s, detail-type %s on bus waqtor", got, e.Source, e.Type)
	}
	if !equalJSON(a, b) {
		t.Errorf("detail = %s, want the envelope %s", got.Detail, want)
	}
	if !strings.Contains(got.Detail, "<b>&</b>") {
		t.Errorf("detail %s escapes HTML characters", got.Detail)
	}
	if !got.Time.Equal(e.Time.Truncate(time.Second)) && !got.Time.Equal(e.Time.Truncate(time.Millisecond)) {
		t.Errorf("entry time = %s, want the envelope time %s", got.Time, e.Time)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestBatchesByCountAndSize(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		data  int // bytes of data per event
		want  []int
		total int
	}{
		{"25 small events", 25, 10, []int{10, 10, 5}, 25},
		{"exactly 10", 10, 10, []int{10}, 10},
		{"100 KiB events", 5, 100 * 1024, []int{2, 2, 1}, 5},
		{"200 KiB events", 3, 200 * 1024, []int{1, 1, 1}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, fake, _ := newPublisher(t, nil, eventbridge.Config{})
			var evs []event.Envelope
			for range tt.n {
				evs = append(evs, envelope(t, event.MessageSent, strings.Repeat("x", tt.data)))
			}
			if err := p.Publish(context.Background(), evs...); err != nil {
				t.Fatal(err)
			}
			if got := fake.Batches(); !slices.Equal(got, tt.want) {
				t.Errorf("PutEvents batches = %v, want %v", got, tt.want)
			}
			if got := len(fake.Entries()); got != tt.total {
				t.Errorf("fake accepted %d entries, want %d", got, tt.total)
			}
		})
	}
}

func TestInvalidOrOversizedSendsNothing(t *testing.T) {
	p, fake, _ := newPublisher(t, nil, eventbridge.Config{})
	ok := envelope(t, event.MessageSent, "x")
	huge := envelope(t, event.MessageSent, strings.Repeat("x", eventbridge.MaxSize))
	bad := envelope(t, event.MessageSent, "x")
	bad.Source = "nope"
	err := p.Publish(context.Background(), ok, huge, bad)
	if !errors.Is(err, eventbridge.ErrEventTooLarge) {
		t.Errorf("error %v is not ErrEventTooLarge", err)
	}
	for _, w := range []string{"event 1 (" + huge.ID, "event 2 (" + bad.ID, "source must start with waqtor."} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v does not mention %q", err, w)
		}
	}
	if n := len(fake.Batches()); n != 0 {
		t.Errorf("%d PutEvents calls, want none", n)
	}
}

func TestRetriesFailedEntries(t *testing.T) {
	var mu sync.Mutex
	attempts := map[string]int{}
	flaky := envelope(t, event.MessageSent, "flaky")
	p, fake, _ := newPublisher(t, nil, eventbridge.Config{MaxAttempts: 4},
		awstest.EventBridgeFail(func(e awstest.EventBridgeEntry) (string, string) {
			var env event.Envelope
			_ = json.Unmarshal([]byte(e.Detail), &env)
			mu.Lock()
			defer mu.Unlock()
			attempts[env.ID]++
			if env.ID == flaky.ID && attempts[env.ID] < 3 {
				return "ThrottlingException", "Rate exceeded"
			}
			return "", ""
		}))
	others := []event.Envelope{envelope(t, event.MessageSent, 1), envelope(t, event.MessageSent, 2)}
	if err := p.Publish(context.Background(), others[0], flaky, others[1]); err != nil {
		t.Fatalf("Publish = %v, want success after retries", err)
	}
	if got := fake.Batches(); !slices.Equal(got, []int{3, 1, 1}) {
		t.Errorf("PutEvents batches = %v, want [3 1 1]: only the failed entry is retried", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if attempts[flaky.ID] != 3 || attempts[others[0].ID] != 1 || attempts[others[1].ID] != 1 {
		t.Errorf("attempts = %v, want 3 for the flaky event and 1 for the others", attempts)
	}
	if n := len(fake.Entries()); n != 3 {
		t.Errorf("fake accepted %d entries, want 3", n)
	}
}

func TestPersistentFailureNamesIDs(t *testing.T) {
	bad := envelope(t, event.MessageSent, "bad")
	malformed := envelope(t, event.MessageSent, "malformed")
	var mu sync.Mutex
	calls := map[string]int{}
	p, fake, _ := newPublisher(t, nil, eventbridge.Config{MaxAttempts: 3},
		awstest.EventBridgeFail(func(e awstest.EventBridgeEntry) (string, string) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case strings.Contains(e.Detail, bad.ID):
				calls[bad.ID]++
				return "InternalFailure", "try later"
			case strings.Contains(e.Detail, malformed.ID):
				calls[malformed.ID]++
				return "MalformedDetail", "Detail is malformed."
			}
			return "", ""
		}))
	good := envelope(t, event.MessageSent, "good")
	err := p.Publish(context.Background(), bad, good, malformed)
	var fe *eventbridge.FailedError
	if !errors.As(err, &fe) || !errors.Is(err, eventbridge.ErrEntriesFailed) {
		t.Fatalf("Publish = %v, want a FailedError", err)
	}
	if got := fe.IDs(); !slices.Equal(sortedIDs(got), sortedIDs([]string{bad.ID, malformed.ID})) {
		t.Errorf("failed IDs = %v, want %s and %s", got, bad.ID, malformed.ID)
	}
	for _, w := range []string{bad.ID, "InternalFailure", malformed.ID, "MalformedDetail", "2 of 3"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if calls[bad.ID] != 3 {
		t.Errorf("retryable failure tried %d times, want MaxAttempts = 3", calls[bad.ID])
	}
	if calls[malformed.ID] != 1 {
		t.Errorf("MalformedDetail tried %d times, want 1 (not retryable)", calls[malformed.ID])
	}
	if entries := fake.Entries(); len(entries) != 1 || !strings.Contains(entries[0].Detail, good.ID) {
		t.Errorf("accepted entries = %d, want only the good event", len(entries))
	}
}

func sortedIDs(ids []string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

// apiFunc is an eventbridge.API made of a function, for failures the HTTP fake does not produce.
type apiFunc func(ctx context.Context, in *sdk.PutEventsInput, optFns ...func(*sdk.Options)) (*sdk.PutEventsOutput, error)

func (f apiFunc) PutEvents(ctx context.Context, in *sdk.PutEventsInput, optFns ...func(*sdk.Options)) (*sdk.PutEventsOutput, error) {
	return f(ctx, in, optFns...)
}

func TestCallErrorIsReturned(t *testing.T) {
	boom := errors.New("connection reset")
	p, err := eventbridge.New(apiFunc(func(ctx context.Context, in *sdk.PutEventsInput, _ ...func(*sdk.Options)) (*sdk.PutEventsOutput, error) {
		return nil, boom
	}), eventbridge.Config{BusName: "b"})
	if err != nil {
		t.Fatal(err)
	}
	e := envelope(t, event.MessageSent, 1)
	if err := p.Publish(context.Background(), e); !errors.Is(err, boom) || !strings.Contains(err.Error(), e.ID) {
		t.Errorf("Publish = %v, want the call error naming %s", err, e.ID)
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := eventbridge.New(apiFunc(func(_ context.Context, in *sdk.PutEventsInput, _ ...func(*sdk.Options)) (*sdk.PutEventsOutput, error) {
		cancel()
		code := "ThrottlingException"
		return &sdk.PutEventsOutput{FailedEntryCount: 1, Entries: []types.PutEventsResultEntry{{ErrorCode: &code}}}, nil
	}), eventbridge.Config{BusName: "b", RetryBase: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Publish(ctx, envelope(t, event.MessageSent, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish = %v, want context.Canceled", err)
	}
}

func TestConfigValidation(t *testing.T) {
	if _, err := eventbridge.New(apiFunc(nil), eventbridge.Config{}); !errors.Is(err, eventbridge.ErrInvalidConfig) {
		t.Errorf("New without bus = %v, want ErrInvalidConfig", err)
	}
	if _, err := eventbridge.New(nil, eventbridge.Config{BusName: "b"}); !errors.Is(err, eventbridge.ErrInvalidConfig) {
		t.Errorf("New without API = %v, want ErrInvalidConfig", err)
	}
}

// TestPublishedLog: one JSON line per event type with the count EventBridge accepted (the failed entry is not
// counted); infra/stack's metric filter reads "msg", "type" and "count" of these lines.
func TestPublishedLog(t *testing.T) {
	bad := envelope(t, event.MessageSent, "bad")
	var buf bytes.Buffer
	p, _, _ := newPublisher(t, nil, eventbridge.Config{MaxAttempts: 1, Logger: slog.New(slog.NewJSONHandler(&buf, nil))},
		awstest.EventBridgeFail(func(e awstest.EventBridgeEntry) (string, string) {
			if strings.Contains(e.Detail, bad.ID) {
				return "MalformedDetail", "Detail is malformed."
			}
			return "", ""
		}))
	err := p.Publish(context.Background(), envelope(t, event.MessageSent, 1), bad, envelope(t, event.MessageReceived, 2),
		envelope(t, event.MessageSent, 3))
	if !errors.Is(err, eventbridge.ErrEntriesFailed) {
		t.Fatalf("Publish = %v, want ErrEntriesFailed for one entry", err)
	}
	got := map[string]float64{}
	for line := range strings.Lines(buf.String()) {
		var l struct {
			Msg   string  `json:"msg"`
			Type  string  `json:"type"`
			Count float64 `json:"count"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if l.Msg == eventbridge.PublishedLog {
			got[l.Type] += l.Count
		}
	}
	if want := map[string]float64{event.MessageSent: 2, event.MessageReceived: 1}; !maps.Equal(got, want) {
		t.Errorf("published lines count %v, want %v", got, want)
	}
}
