package eventbus_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// BenchmarkBus measures events/s through the whole standalone path (validate, wrap, match 4 routes, send,
// receive, decode, handle, delete) on the in-memory queue and on the SQLite queue, against a baseline measured in the same run: the same
// handler called directly with the same bus events. ratio = router events/s / baseline events/s.
func BenchmarkBus(b *testing.B) {
	b.Run("memqueue", func(b *testing.B) { benchRouter(b, testQueue()) })
	b.Run("sqlite", func(b *testing.B) {
		var s []queue.Spec
		for _, r := range testRoutes {
			s = append(s, specs(r.Target, 0)...)
		}
		db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		q, err := sqlite.NewQueue(context.Background(), db, s...)
		if err != nil {
			b.Fatal(err)
		}
		defer q.Close()
		benchRouter(b, q)
	})
}

func benchRouter(b *testing.B, q queue.Queue) {
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 100 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	// The handler does the small amount of work a typical consumer starts with: decode the event data.
	var handled atomic.Int64
	handler := func(ctx context.Context, e event.BusEvent) error {
		var data map[string]any
		if err := json.Unmarshal(e.Detail.Data, &data); err != nil {
			return err
		}
		handled.Add(1)
		return nil
	}
	r.Handle("q-messages", handler, eventbus.Concurrency(8))

	events := make([]event.Envelope, b.N)
	for i := range events {
		events[i] = envelope(b, event.MessageReceived, "tenant-b")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < len(events); i += 10 {
		if err := r.Publish(ctx, events[i:min(i+10, len(events))]...); err != nil {
			b.Fatal(err)
		}
	}
	for handled.Load() < int64(b.N) {
		time.Sleep(50 * time.Microsecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}

	// Baseline: the handler alone, called directly with the same bus events.
	bus := make([]event.BusEvent, len(events))
	for i, e := range events {
		bus[i] = e.Bus("000000000000", "local")
	}
	handled.Store(0)
	baseStart := time.Now()
	for _, e := range bus {
		if err := handler(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
	baseline := time.Since(baseStart)

	rate := float64(b.N) / elapsed.Seconds()
	baseRate := float64(b.N) / baseline.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(baseRate, "baseline-events/s")
	b.ReportMetric(rate/baseRate, "ratio")
}
