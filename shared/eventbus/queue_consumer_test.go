package eventbus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/testkit"
)

func TestHandleQueueRetryAfter(t *testing.T) {
	cause := errors.New("endpoint answered 503")
	tests := []struct {
		name    string
		err     error
		want    time.Duration
		wantLog string // a line that must be logged; "" for none at warn level
	}{
		{"planned wait", queue.RetryAfter{Delay: 90 * time.Minute}, 90 * time.Minute, ""},
		{"pointer with a cause", &queue.RetryAfter{Delay: 3 * time.Second, Err: cause}, 3 * time.Second, "endpoint answered 503"},
		{"wrapped", fmt.Errorf("deliver: %w", queue.RetryAfter{Delay: time.Second, Err: cause}), time.Second, "endpoint answered 503"},
		{"longer than SQS allows", queue.RetryAfter{Delay: 30 * time.Hour}, queue.MaxVisibility, ""},
		{"negative", queue.RetryAfter{Delay: -time.Second}, 0, ""},
		{"plain error uses the backoff", cause, 7 * time.Millisecond, "endpoint answered 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newMemQueue(specs("deliveries", 1000)...)
			log, logs := newLogger(t)
			r, err := eventbus.New(q, nil, eventbus.Options{Logger: log, Wait: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			var got queue.Message
			r.HandleQueue("deliveries", func(ctx context.Context, m queue.Message) error {
				if calls.Add(1) == 1 {
					got = m
					return tt.err
				}
				return nil
			}, eventbus.Retry(7*time.Millisecond, time.Second))
			if err := q.Send(context.Background(), "deliveries", queue.Outgoing{Body: []byte(`{"deliveryId":"msg_1"}`)}); err != nil {
				t.Fatal(err)
			}
			stop := run(t, r)
			testkit.Until(t, 5*time.Second, "the first call", func() bool { return calls.Load() >= 1 && len(q.recorded()) >= 1 })
			if err := stop(); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if string(got.Body) != `{"deliveryId":"msg_1"}` || got.ReceiveCount != 1 {
				t.Errorf("handler got %+v, want the plain message, first receive", got)
			}
			ops := q.recorded()
			// A zero delay brings the message back at once, so it may have been handled (and deleted) already.
			if len(ops) == 0 || ops[0].op != "visibility" || ops[0].timeout != tt.want || tt.want > time.Second && len(ops) != 1 {
				t.Errorf("queue calls = %+v, want ChangeVisibility(%s) first", ops, tt.want)
			}
			if tt.wantLog != "" && !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs lack %q:\n%s", tt.wantLog, logs)
			}
			if tt.wantLog == "" && strings.Contains(logs.String(), `"level":"WARN"`) {
				t.Errorf("a planned wait was logged as a warning:\n%s", logs)
			}
		})
	}
}

func TestHandleQueueDeletesOnSuccessAndComesBack(t *testing.T) {
	q := newMemQueue(specs("deliveries", 1000)...)
	r, err := eventbus.New(q, nil, eventbus.Options{Wait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var receives []int
	var done atomic.Bool
	r.HandleQueue("deliveries", func(ctx context.Context, m queue.Message) error {
		receives = append(receives, m.ReceiveCount)
		if len(receives) < 3 {
			return queue.RetryAfter{Delay: 5 * time.Millisecond}
		}
		done.Store(true)
		return nil
	})
	if err := q.Send(context.Background(), "deliveries", queue.Outgoing{Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	run(t, r)
	testkit.Until(t, 5*time.Second, "the message to be deleted", func() bool { return done.Load() && q.count("deliveries") == 0 })
	if fmt.Sprint(receives) != "[1 2 3]" {
		t.Errorf("receive counts %v, want [1 2 3]", receives)
	}
	ops := ""
	for _, c := range q.recorded() {
		ops += c.op + " "
	}
	if ops != "visibility visibility delete " {
		t.Errorf("queue calls %q, want two waits and a delete", ops)
	}
}

// A bus-event handler is a thin wrapper over the same loop: it may ask for a RetryAfter too.
func TestHandleBusEventRetryAfter(t *testing.T) {
	q := testQueue()
	log, logs := newLogger(t)
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Logger: log, Wait: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		calls.Add(1)
		return queue.RetryAfter{Delay: time.Hour, Err: errors.New("not yet")}
	})
	run(t, r)
	e := envelope(t, event.MessageReceived, "t")
	if err := r.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the retry", func() bool { return len(q.recorded()) == 1 })
	if c := q.recorded()[0]; c.op != "visibility" || c.timeout != time.Hour {
		t.Errorf("queue call %+v, want ChangeVisibility(1h)", c)
	}
	if !strings.Contains(logs.String(), e.ID) || !strings.Contains(logs.String(), "not yet") {
		t.Errorf("the retry is not logged with the event ID and cause:\n%s", logs)
	}
}

func TestHandleQueueMisuse(t *testing.T) {
	r, err := eventbus.New(testQueue(), testRoutes, eventbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := func(ctx context.Context, m queue.Message) error { return nil }
	r.HandleQueue("q-messages", h)
	mustPanic(t, "HandleQueue on a target with a bus consumer", func() {
		r.Handle("q-messages", func(context.Context, event.BusEvent) error { return nil })
	})
	mustPanic(t, "nil handler", func() { r.HandleQueue("q-audit", nil) })
	mustPanic(t, "empty target", func() { r.HandleQueue("", h) })
}

// TestHandleQueueLastFailureSaysDeadLetter: a catalog queue's message that fails on its last receive (MaxReceives)
// is logged as going to the dead-letter queue, not as "retrying later"; earlier failures say they retry.
func TestHandleQueueLastFailureSaysDeadLetter(t *testing.T) {
	spec, err := queue.Lookup("audit")
	if err != nil {
		t.Fatal(err)
	}
	dlq, err := queue.Lookup(spec.DeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	q := newMemQueue(spec, dlq)
	log, logs := newLogger(t)
	r, err := eventbus.New(q, nil, eventbus.Options{Logger: log, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r.HandleQueue("audit", func(ctx context.Context, m queue.Message) error { return errors.New("store unavailable") },
		eventbus.Retry(time.Millisecond, 2*time.Millisecond))
	if err := q.Send(context.Background(), "audit", queue.Outgoing{Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	stop := run(t, r)
	testkit.Until(t, 5*time.Second, "the dead-letter queue", func() bool { return q.count(spec.DeadLetter) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "retrying later"); n != spec.MaxReceives-1 {
		t.Errorf("%d \"retrying later\" lines, want %d (every receive but the last):\n%s", n, spec.MaxReceives-1, out)
	}
	if n := strings.Count(out, "it goes to the dead-letter queue"); n != 1 {
		t.Errorf("%d dead-letter lines, want 1:\n%s", n, out)
	}
}
