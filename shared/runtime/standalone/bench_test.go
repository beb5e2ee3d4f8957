package standalone_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/webhook"
)

// BenchmarkWebhookDelivery measures signed webhook deliveries/s through standalone's whole pipeline: publish an
// event, route it to the webhook-router queue, fan it out (list endpoints, create the delivery, enqueue its job),
// then the deliverer (load delivery and endpoint, claim, sign, POST over loopback HTTP, record the attempt and the
// outcome, delete the job), all on the durable SQLite queue and stores. The baseline, measured in the same run,
// posts the same kind of signed payloads with the same client to the same receiver with no persistence.
// ratio = deliveries/s / baseline/s; p50-ms and p99-ms are percentiles of publish -> receiver got it;
// cpu-µs/delivery and baseline-cpu-µs/req are the process's CPU time (user and system, receiver included) per
// delivery and per bare request; writes/delivery and tx/delivery count DB.Write calls and the transactions that
// committed them (group commit).
//
// Both sides are closed loops of the same width: "in-flight" workers, each publishing an event and waiting for it
// to reach the receiver (pipeline) or posting a request and waiting for its answer (baseline), so the ratio compares
// like with like and the latency is that of a system at that load, not of a backlog.
// in-flight=1 gives the latency of one event on an idle system; 16 and 64 the throughput of a busy one (with
// more, the bare baseline dials a connection for most requests: the client keeps 50 idle ones per host).
func BenchmarkWebhookDelivery(b *testing.B) {
	for _, w := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("in-flight=%d", w), func(b *testing.B) { benchWebhookDelivery(b, w) })
	}
}

func benchWebhookDelivery(b *testing.B, benchWindow int) {
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	notify := map[string]chan struct{}{}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		id := r.Header.Get("Webhook-Id")
		now := time.Now()
		mu.Lock()
		if _, seen := arrived[id]; !seen {
			arrived[id] = now
			if c, ok := notify[id]; ok {
				close(c)
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	n := startNode(b, filepath.Join(b.TempDir(), "waqtor.db"))
	hook := n.hook(b, receiver.URL)
	if _, err := n.store.UpdateWebhook(context.Background(), "ten_1", hook.ID, func(w *webhook.Webhook) error {
		w.Policy.MaxConcurrency = 50 // above the window: the benchmark measures the pipeline, not the limit
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	allow, err := egress.ParseAllow("127.0.0.1/32")
	if err != nil {
		b.Fatal(err)
	}
	client := egress.NewClient(egress.Guard{Allow: allow}, "bench")

	events := make([]event.Envelope, b.N)
	ids := make([]string, b.N)
	for i := range events {
		e, err := event.New("waqtor.session-host", event.MessageReceived, "ten_1", time.Now(),
			map[string]any{"from": "966501234567@s.whatsapp.net", "body": fmt.Sprintf("hello %d", i), "isGroup": false})
		if err != nil {
			b.Fatal(err)
		}
		events[i] = e
		ids[i] = webhook.DeliveryID(hook.ID, "message_received", e.ID, e.Time)
	}

	// Baseline: the same signed requests (body, headers, signature) posted with the same client, no persistence.
	reqs := make([]webhook.Request, b.N)
	for i, e := range events {
		d, err := webhook.NewDelivery(hook, "message_received", e, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		d.ID = "base_" + d.ID
		reqs[i] = webhook.Request{URL: hook.URL, Header: webhook.Headers(hook, d, "bench", time.Now()), Body: d.Body, Timeout: 2 * time.Second}
	}

	b.ResetTimer()
	before := n.db.WriteStats()
	baseCPU := cpuTime()
	baseStart := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range benchWindow {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(reqs)); i = next.Add(1) - 1 {
				if r := client.Send(context.Background(), reqs[i]); r.Err != nil || r.StatusCode != http.StatusNoContent {
					b.Errorf("baseline request: %d %v", r.StatusCode, r.Err)
					return
				}
			}
		})
	}
	wg.Wait()
	baseline := time.Since(baseStart)
	baseCPU = cpuTime() - baseCPU

	// The pipeline: benchWindow publishers, each publishing its next event once its previous one has reached the
	// receiver, so at most benchWindow events are on their way at once and no publisher waits for another.
	published := make([]time.Time, b.N)
	notified := make([]chan struct{}, b.N)
	mu.Lock()
	for i, id := range ids {
		notified[i] = make(chan struct{})
		notify[id] = notified[i]
	}
	mu.Unlock()
	next.Store(0)
	cpu := cpuTime()
	start := time.Now()
	for range benchWindow {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(events)); i = next.Add(1) - 1 {
				published[i] = time.Now()
				if err := n.rt.Publish(context.Background(), events[i]); err != nil {
					b.Errorf("publish: %v", err)
					return
				}
				select {
				case <-notified[i]:
				case <-time.After(30 * time.Second):
					b.Errorf("delivery %d did not arrive within 30 s", i)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu = cpuTime() - cpu
	b.StopTimer()
	after := n.db.WriteStats()

	latencies := make([]time.Duration, b.N)
	mu.Lock()
	for i, id := range ids {
		latencies[i] = arrived[id].Sub(published[i])
	}
	mu.Unlock()
	slices.Sort(latencies)
	rate := float64(b.N) / elapsed.Seconds()
	baseRate := float64(b.N) / baseline.Seconds()
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(baseRate, "baseline/s")
	b.ReportMetric(rate/baseRate, "ratio")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/delivery")
	b.ReportMetric(float64(baseCPU.Microseconds())/float64(b.N), "baseline-cpu-µs/req")
	b.ReportMetric(float64(after.Writes-before.Writes)/float64(b.N), "writes/delivery")
	b.ReportMetric(float64(after.Transactions-before.Transactions)/float64(b.N), "tx/delivery")
	b.ReportMetric(float64(latencies[len(latencies)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[min(len(latencies)*99/100, len(latencies)-1)].Microseconds())/1000, "p99-ms")
}
