package eventbus_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/eventtest"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// TestPublisherContract runs the publisher suite against the router on the in-memory queue.
func TestPublisherContract(t *testing.T) {
	eventtest.Run(t, func(t *testing.T, routes []routing.Route) (event.Publisher, eventtest.Delivered) {
		var s []queue.Spec
		for _, target := range eventtest.Targets() {
			s = append(s, queue.Spec{Name: target})
		}
		q := newMemQueue(s...)
		log, _ := newLogger(t)
		r, err := eventbus.New(q, routes, eventbus.Options{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		return r, QueueDelivered(t, q)
	})
}

// TestPublisherContractOnSQLite runs the publisher suite against the router on the real SQLite queue, as
// standalone WaQtor runs it.
func TestPublisherContractOnSQLite(t *testing.T) {
	eventtest.Run(t, func(t *testing.T, routes []routing.Route) (event.Publisher, eventtest.Delivered) {
		var s []queue.Spec
		for _, target := range eventtest.Targets() {
			s = append(s, queue.Spec{Name: target})
		}
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "eventbus.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		q, err := sqlite.NewQueue(context.Background(), db, s...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		log, _ := newLogger(t)
		r, err := eventbus.New(q, routes, eventbus.Options{Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		return r, QueueDelivered(t, q)
	})
}

// QueueDelivered reads route targets by draining their queues (receive, keep the body, delete). It works on any
// queue.Queue, so the same suite runs on the SQLite and SQS queues.
func QueueDelivered(t *testing.T, q queue.Queue) eventtest.Delivered {
	var mu sync.Mutex
	seen := map[string][][]byte{}
	return func(target string) [][]byte {
		mu.Lock()
		defer mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for {
			msgs, err := q.Receive(ctx, target, queue.ReceiveOptions{Max: 10})
			if err != nil {
				t.Fatalf("receive from %s: %v", target, err)
			}
			if len(msgs) == 0 {
				return append([][]byte(nil), seen[target]...)
			}
			for _, m := range msgs {
				seen[target] = append(seen[target], m.Body)
				if err := q.Delete(ctx, target, m.ReceiptHandle); err != nil {
					t.Fatalf("delete from %s: %v", target, err)
				}
			}
		}
	}
}
