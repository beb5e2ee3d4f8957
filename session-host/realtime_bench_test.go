package main_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/realtime/client"
)

// TestRealtimeLoad measures the live feed of the standalone binary (demo mode) with its clients in this, another,
// process, so the two do not share file descriptors:
//
//   - event-to-client latency: from sending a demo contact's message to the fake WhatsApp server (the demo API)
//     until one subscribed WebSocket client reads its message.received frame, next to the same message's webhook
//     arriving at a local receiver; the ratio is the socket's p99 over the webhook's, both measured in this run;
//   - N concurrent connections (WAQTOR_REALTIME_CONNS, default 200; bench/run.sh runs 10,000): the server's
//     resident memory per connection (its RSS growth over N, read from /proc), and the broadcast latency of a
//     message to all N (send to each client's read), against the one-connection latency above measured in the
//     same run.
//
// It fails when a connection misses a frame. The figures are in docs/performance.md.
func TestRealtimeLoad(t *testing.T) {
	conns := 200
	if s := os.Getenv("WAQTOR_REALTIME_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("WAQTOR_REALTIME_CONNS=%q: want a positive number", s)
		}
		conns = n
	}
	rounds := 50
	p := start(t, t.TempDir(), append(slices.Clone(demoEnv), "WAQTOR_RATE_LIMIT=1000000", "WAQTOR_RATE_BURST=1000000",
		"WAQTOR_LOG_LEVEL=warn")...)
	_, _, key := credentials(t, p)
	id, _ := pair(t, p, key, "bench")
	bob := contacts(t, p, key)[1]
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	// The webhook receiver: when each message's delivery arrives, by the message's unique text.
	var hookMu sync.Mutex
	hookWait := map[string]chan time.Time{}
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		for text, ch := range hookWait {
			if bytes.Contains(body, []byte(text)) {
				ch <- at
				delete(hookWait, text)
			}
		}
		hookMu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["message_received"]}`, rc.URL)), 201, "")

	// write sends one demo contact message with a unique text and returns when the request left.
	write := func(text string) time.Time {
		sent := time.Now()
		expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+bob.Phone+"/messages", key, fmt.Sprintf(`{"to":%q,"text":%q}`, id, text)), 202, "")
		return sent
	}
	dial := func() *client.Conn {
		c, err := client.Dial(ctx, wsURL(p), ticket(t, p, key), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "m", Topics: []realtime.Topic{realtime.TopicMessages}}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)

	// 1. Event-to-client latency, one subscriber, next to the webhook's.
	one := dial()
	defer one.CloseNow()
	nextFrame(t, one, "the ack", func(f client.Frame) bool { return f.Type == realtime.TypeAck })
	var wsLat, hookLat []time.Duration
	for i := range rounds {
		text := fmt.Sprintf("latency-%s-%d", run, i)
		ch := make(chan time.Time, 1)
		hookMu.Lock()
		hookWait[text] = ch
		hookMu.Unlock()
		sent := write(text)
		nextFrame(t, one, "message "+text, func(f client.Frame) bool {
			return f.Event == "message.received" && bytes.Contains(f.Data, []byte(text))
		})
		wsLat = append(wsLat, time.Since(sent))
		select {
		case at := <-ch:
			hookLat = append(hookLat, at.Sub(sent))
		case <-time.After(30 * time.Second):
			t.Fatalf("the webhook of %s did not arrive", text)
		}
	}
	ws50, ws99 := percentiles(wsLat)
	h50, h99 := percentiles(hookLat)
	t.Logf("event-to-client (1 subscriber, %d messages): p50 %v p99 %v; webhook: p50 %v p99 %v; socket/webhook p99 ratio %.2f",
		rounds, ms(ws50), ms(ws99), ms(h50), ms(h99), float64(ws99)/float64(max(h99, 1)))

	// 2. N connections: memory per connection and broadcast latency.
	pid := p.cmd.Process.Pid
	before := rss(t, pid)
	clients := make([]*client.Conn, conns)
	var g errgroup.Group
	g.SetLimit(32)
	dialStart := time.Now()
	for i := range clients {
		g.Go(func() error {
			c, err := client.Dial(ctx, wsURL(p), ticketFor(ctx, p, key), nil)
			if err != nil {
				return fmt.Errorf("connection %d: %w", i, err)
			}
			if err := c.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "m", Topics: []realtime.Topic{realtime.TopicMessages}}); err != nil {
				return err
			}
			for {
				f, err := c.Read(ctx)
				if err != nil {
					return fmt.Errorf("connection %d: %w", i, err)
				}
				if f.Type == realtime.TypeAck {
					break
				}
			}
			clients[i] = c
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range clients {
			c.CloseNow()
		}
	}()
	dialed := time.Since(dialStart)
	after := rss(t, pid)
	perConn := float64(after-before) / float64(conns)

	// Each client reads on its own goroutine; a round ends when every client has read that round's message.
	type round struct {
		text string
		sent time.Time
		left atomic.Int64
		done chan struct{}
	}
	var cur atomic.Pointer[round]
	var latMu sync.Mutex
	var bcast []time.Duration
	readers, rctx := errgroup.WithContext(ctx)
	rctx, stopReaders := context.WithCancel(rctx)
	for _, c := range clients {
		readers.Go(func() error {
			for {
				f, err := c.Read(rctx)
				if err != nil {
					if rctx.Err() != nil {
						return nil
					}
					return err
				}
				r := cur.Load()
				if f.Event != "message.received" || r == nil || !bytes.Contains(f.Data, []byte(r.text)) {
					continue
				}
				d := time.Since(r.sent)
				latMu.Lock()
				bcast = append(bcast, d)
				latMu.Unlock()
				if r.left.Add(-1) == 0 {
					close(r.done)
				}
			}
		})
	}
	broadcastRounds := 20
	for i := range broadcastRounds {
		r := &round{text: fmt.Sprintf("broadcast-%s-%d", run, i), done: make(chan struct{})}
		r.left.Store(int64(conns))
		r.sent = time.Now()
		cur.Store(r) // armed before the message exists: clients match its unique text
		write(r.text)
		select {
		case <-r.done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("round %d: %d of %d connections did not get the message", i, r.left.Load(), conns)
		}
	}
	stopReaders()
	if err := readers.Wait(); err != nil {
		t.Fatalf("a connection failed: %v", err)
	}
	b50, b99 := percentiles(bcast)
	t.Logf("%d connections (dialed in %v): server RSS %.1f MiB -> %.1f MiB, %.1f KiB per connection; broadcast "+
		"(%d messages x %d connections): p50 %v p99 %v; p99 against one subscriber: %.1f",
		conns, dialed.Round(time.Millisecond), float64(before)/(1<<20), float64(after)/(1<<20), perConn/1024,
		broadcastRounds, conns, ms(b50), ms(b99), float64(b99)/float64(max(ws99, 1)))
}

// ticketFor is ticket for goroutines (no t.Fatal off the test's goroutine).
func ticketFor(ctx context.Context, p *proc, key string) string {
	req, _ := http.NewRequestWithContext(ctx, "POST", p.url+"/api/realtime/ticket", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	const field = `"ticket":"`
	i := bytes.Index(body, []byte(field))
	if i < 0 {
		return ""
	}
	rest := body[i+len(field):]
	return string(rest[:bytes.IndexByte(rest, '"')])
}

// rss is the resident memory of process pid in bytes (VmRSS of /proc/<pid>/status).
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func percentiles(d []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)*50/100], s[min(len(s)-1, len(s)*99/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
