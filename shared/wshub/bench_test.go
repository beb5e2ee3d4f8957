package wshub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/realtime/client"
	"github.com/waqtor/waqtor/shared/wshub"
)

// BenchmarkBroadcast measures one event broadcast to N subscribed connections over loopback: the latency from
// publish to each client's read (p50, p99) and the memory per connection (server and Go client together, as both
// run in this process). Baseline, in the same run: the same number of bare WebSocket connections, each with a
// writer goroutine and a 256-frame channel, fed the same frame bytes directly (no tickets, tenants, topics,
// scopes, window or coalescing). WSHUB_BENCH_CONNS=5000 changes N (each connection takes two file descriptors).
func BenchmarkBroadcast(b *testing.B) {
	sizes := []int{100, 1000}
	if s := os.Getenv("WSHUB_BENCH_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		sizes = []int{n}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			base := runBroadcast(b, n, b.N, newBareFanout)
			hub := runBroadcast(b, n, b.N, newHubFanout)
			b.ReportMetric(float64(hub.p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(hub.p99.Microseconds()), "p99-µs")
			b.ReportMetric(float64(base.p50.Microseconds()), "base-p50-µs")
			b.ReportMetric(float64(base.p99.Microseconds()), "base-p99-µs")
			b.ReportMetric(float64(hub.p99)/float64(max(base.p99, 1)), "p99-ratio")
			b.ReportMetric(hub.bytesPerConn/1024, "KiB/conn")
			b.ReportMetric(base.bytesPerConn/1024, "base-KiB/conn")
		})
	}
}

type result struct {
	p50, p99     time.Duration
	bytesPerConn float64
}

// fanout is a server that broadcasts frames to its connections.
type fanout struct {
	url       string
	ticket    func(b *testing.B) string // a fresh ticket for each client ("" for the baseline)
	subscribe bool
	publish   func(i int)
	close     func()
}

func newHubFanout(b *testing.B) fanout {
	e := newEnv(b, wshub.Config{PingInterval: time.Hour})
	data := []byte(`{"status":"ready","state":"ready","timestamp":1764773432}`)
	return fanout{
		url:       e.url,
		ticket:    func(b *testing.B) string { return e.ticket(b, ownerA) },
		subscribe: true,
		publish: func(i int) {
			env := event.Envelope{ID: fmt.Sprintf("evt_%026d", i), Type: event.SessionStatus, Version: 1, Time: time.Now(),
				TenantID: ownerA.TenantID, SessionID: "ses_1", Data: data, Source: "waqtor.bench"}
			e.hub.Publish(context.Background(), env)
		},
		close: func() {},
	}
}

// newBareFanout is the baseline: a bare WebSocket broadcaster of the same frame bytes.
func newBareFanout(b *testing.B) fanout {
	var mu sync.Mutex
	var queues []chan []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		q := make(chan []byte, 256)
		mu.Lock()
		queues = append(queues, q)
		mu.Unlock()
		go func() { // the reader answers pings and notices the close
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					close(q)
					return
				}
			}
		}()
		for f := range q {
			if err := ws.Write(context.Background(), websocket.MessageText, f); err != nil {
				return
			}
		}
	}))
	b.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	frameOf := func(i int) []byte {
		it, _, _ := realtime.NewItem(event.Envelope{ID: fmt.Sprintf("evt_%026d", i), Type: event.SessionStatus, Version: 1,
			Time: time.Now(), TenantID: "ten_A", SessionID: "ses_1", Data: []byte(`{"status":"ready","state":"ready","timestamp":1764773432}`)})
		return it.Frame
	}
	return fanout{
		url:    url,
		ticket: func(*testing.B) string { return "" },
		publish: func(i int) {
			f := frameOf(i)
			mu.Lock()
			for _, q := range queues {
				select {
				case q <- f:
				default:
				}
			}
			mu.Unlock()
		},
		close: func() {},
	}
}

// runBroadcast connects n clients to the fanout, publishes rounds events one at a time (each waiting until every
// client read it) and returns the latency percentiles over every delivery and the memory per connection.
func runBroadcast(b *testing.B, n, rounds int, newFanout func(b *testing.B) fanout) result {
	b.Helper()
	f := newFanout(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	published := make([]atomic.Int64, rounds)
	lat := make([][]time.Duration, n)
	var got atomic.Int64
	roundDone := make(chan struct{}, 1)
	var ready, finished sync.WaitGroup

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	conns := make([]*client.Conn, n)
	for i := range n {
		c, err := client.Dial(ctx, f.url, f.ticket(b), nil)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns[i] = c
	}
	for i, c := range conns {
		if f.subscribe {
			if err := c.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Topics: []realtime.Topic{realtime.TopicStatus}}); err != nil {
				b.Fatal(err)
			}
		}
		ready.Add(1)
		finished.Go(func() {
			defer c.CloseNow()
			if f.subscribe {
				if _, err := c.Read(ctx); err != nil { // the ack
					b.Errorf("client %d: %v", i, err)
				}
			}
			ready.Done()
			lat[i] = make([]time.Duration, 0, rounds)
			for k := range rounds {
				if _, err := c.Read(ctx); err != nil {
					return
				}
				lat[i] = append(lat[i], time.Duration(time.Now().UnixNano()-published[k].Load()))
				if got.Add(1) == int64(n) {
					got.Store(0)
					roundDone <- struct{}{}
				}
			}
		})
	}
	ready.Wait()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	perConn := float64((after.HeapInuse+after.StackInuse)-(before.HeapInuse+before.StackInuse)) / float64(n)

	b.ResetTimer()
	for k := range rounds {
		published[k].Store(time.Now().UnixNano())
		f.publish(k)
		select {
		case <-roundDone:
		case <-time.After(30 * time.Second):
			b.Fatalf("round %d: only %d of %d clients got the frame within 30 s", k, got.Load(), n)
		}
	}
	b.StopTimer()
	cancel()
	finished.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	if len(all) == 0 {
		b.Fatal("no deliveries")
	}
	return result{p50: all[len(all)/2], p99: all[len(all)*99/100], bytesPerConn: perConn}
}
