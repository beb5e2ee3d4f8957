package standalone_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/runtime/standalone"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/webhook"
)

// receiver is a real HTTP receiver on 127.0.0.1 whose answers the test scripts.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []hit
	answer func(n int, r *http.Request) int // status for the n-th request (1-based)
}

type hit struct {
	at        time.Time
	webhookID string
	body      string
	status    int
}

func newReceiver(t testing.TB, answer func(n int, r *http.Request) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got) + 1
		answer := rc.answer
		rc.mu.Unlock()
		code := answer(n, r)
		rc.mu.Lock()
		rc.got = append(rc.got, hit{at: time.Now(), webhookID: r.Header.Get("Webhook-Id"), body: string(body), status: code})
		rc.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) hits() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) setAnswer(f func(n int, r *http.Request) int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = f
}

// node is standalone's webhook pipeline on a database file: router, queue and consumers as Run wires them.
type node struct {
	db    *sqlite.DB
	q     *sqlite.Queue
	rt    *eventbus.Bus
	store *sqlite.WebhookStore
	stop  func() error
}

// testKeyring seals the webhook secrets of the nodes (standalone.ConsumerDeps).
var testKeyring, _ = crypt.NewKeyring(crypt.NewKey())

func startNode(t testing.TB, path string) *node { return startNodeLater(t, path, 0) }

// startNodeLater is startNode with the clocks of the database (queue visibility, expiry) and of the consumers
// running later by shift: a node restarted after a crash that long ago.
func startNodeLater(t testing.TB, path string, shift time.Duration) *node {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Now().Add(shift) }
	db.Now = later
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := eventbus.New(q, routing.Table, eventbus.Options{Wait: 100 * time.Millisecond, ShutdownGrace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	allow, err := egress.ParseAllow("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	deps := standalone.ConsumerDeps(db, q, testKeyring, config.Config{WebhookAllow: allow}, nil)
	deps.Now = later
	if err := standalone.Consume(rt, deps, webhook.RouterQueue, webhook.DeliveriesQueue); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	var once sync.Once
	var stopErr error
	n := &node{db: db, q: q, rt: rt, store: sqlite.NewWebhookStore(db)}
	n.stop = func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
			stopErr = errors.Join(stopErr, q.Close(), db.Close())
		})
		return stopErr
	}
	t.Cleanup(func() { _ = n.stop() })
	return n
}

func (n *node) hook(t testing.TB, url string) webhook.Webhook {
	t.Helper()
	now := time.Now().UTC()
	w := webhook.Webhook{ID: id.New("whk"), TenantID: "ten_1", URL: url + "/hook", Events: []string{"message_received"},
		Enabled: true, Secrets: []webhook.Secret{{Value: webhook.NewSecret(), CreatedAt: now}},
		Policy:    webhook.Policy{Schedule: webhook.ScheduleDefault, TimeoutMS: 1000, MaxConcurrency: 4, DisableAfterHours: 120},
		CreatedAt: now, UpdatedAt: now}
	if err := n.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func (n *node) publish(t testing.TB) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.session-host", event.MessageReceived, "ten_1", time.Now(),
		map[string]any{"from": "966501234567@s.whatsapp.net", "body": "hello", "isGroup": false})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.rt.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func (n *node) delivery(t testing.TB, w webhook.Webhook, e event.Envelope) (webhook.Delivery, []webhook.Attempt) {
	t.Helper()
	id := webhook.DeliveryID(w.ID, "message_received", e.ID, e.Time)
	d, err := n.store.GetDelivery(context.Background(), "ten_1", id)
	if errors.Is(err, webhook.ErrDeliveryNotFound) {
		return webhook.Delivery{}, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	as, err := n.store.ListAttempts(context.Background(), "ten_1", id)
	if err != nil {
		t.Fatal(err)
	}
	return d, as
}

func codes(as []webhook.Attempt) []int {
	var out []int
	for _, a := range as {
		out = append(out, a.StatusCode)
	}
	return out
}

func TestWebhookReceiverDownThenUp(t *testing.T) {
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	n := startNode(t, filepath.Join(t.TempDir(), "waqtor.db"))
	w := n.hook(t, rc.URL)
	e := n.publish(t)
	var d webhook.Delivery
	var as []webhook.Attempt
	testkit.Until(t, 20*time.Second, "the delivery to be delivered", func() bool {
		d, as = n.delivery(t, w, e)
		return d.Status == webhook.Delivered
	})
	hits := rc.hits()
	if len(hits) != 3 || !slices.Equal(codes(as), []int{503, 503, 200}) || d.Attempts != 3 {
		t.Fatalf("%d requests, attempts %v, delivery %+v; want 503, 503, 200", len(hits), codes(as), d)
	}
	for i, h := range hits {
		if h.webhookID != d.ID || h.body != string(d.Body) {
			t.Errorf("request %d: webhook-id %q body %s, want %q and the delivery's body every time", i+1, h.webhookID, h.body, d.ID)
		}
	}
	// The default schedule: the retries come about 1 s and 2 s (±20%) after the attempt before.
	for i, want := range []time.Duration{time.Second, 2 * time.Second} {
		gap := hits[i+1].at.Sub(hits[i].at)
		if gap < want*8/10 || gap > want*12/10+time.Second {
			t.Errorf("retry %d came %s after the attempt before, want about %s", i+1, gap, want)
		}
	}
}

func TestWebhookSlowReceiverTimesOutAndRetries(t *testing.T) {
	rc := newReceiver(t, func(n int, r *http.Request) int {
		if n == 1 {
			select { // longer than the endpoint's 1 s timeout
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
		}
		return http.StatusOK
	})
	n := startNode(t, filepath.Join(t.TempDir(), "waqtor.db"))
	w := n.hook(t, rc.URL)
	e := n.publish(t)
	var d webhook.Delivery
	var as []webhook.Attempt
	testkit.Until(t, 20*time.Second, "the delivery to be delivered", func() bool {
		d, as = n.delivery(t, w, e)
		return d.Status == webhook.Delivered
	})
	if len(as) != 2 || as[0].StatusCode != 0 || !strings.Contains(as[0].Error, "no answer within 1s") || as[1].StatusCode != 200 {
		t.Fatalf("attempts %+v, want a timeout then 200", as)
	}
	if as[0].DurationMS < 900 || as[0].DurationMS > 2500 {
		t.Errorf("the timed-out attempt took %d ms, want about the 1 s timeout", as[0].DurationMS)
	}
}

// Stopping mid-schedule (clean shutdown, database and queue closed) and starting again on the same file loses
// nothing: the waiting delivery gets its retry, and an event published just before the stop is delivered too.
func TestWebhookRestartMidSchedule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "waqtor.db")
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusServiceUnavailable })
	n := startNode(t, path)
	w := n.hook(t, rc.URL)
	first := n.publish(t)
	testkit.Until(t, 20*time.Second, "the first attempt", func() bool {
		d, as := n.delivery(t, w, first)
		return len(as) == 1 && d.Status == webhook.Pending && d.NextAt != nil
	})
	second := n.publish(t)
	if err := n.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	rc.setAnswer(func(int, *http.Request) int { return http.StatusNoContent })

	n = startNode(t, path)
	for _, e := range []event.Envelope{first, second} {
		testkit.Until(t, 20*time.Second, "delivery of "+e.ID, func() bool {
			d, _ := n.delivery(t, w, e)
			return d.Status == webhook.Delivered
		})
	}
	// Count once the consumers have stopped (Run waits for handlers in flight): one success per delivery, the same
	// webhook-id throughout.
	d1, as1 := n.delivery(t, w, first)
	d2, _ := n.delivery(t, w, second)
	if err := n.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	perID := map[string][]int{}
	for _, h := range rc.hits() {
		perID[h.webhookID] = append(perID[h.webhookID], h.status)
	}
	if !slices.Equal(perID[d1.ID], []int{503, 204}) || !slices.Equal(codes(as1), []int{503, 204}) {
		t.Errorf("first delivery: requests %v, attempts %v; want 503 before the restart, 204 after", perID[d1.ID], codes(as1))
	}
	if got := perID[d2.ID]; len(got) == 0 || got[len(got)-1] != 204 || slices.Index(got, 204) != len(got)-1 {
		t.Errorf("second delivery: requests %v, want it delivered once", got)
	}
	if len(perID) != 2 {
		t.Errorf("requests for %d webhook-ids, want 2", len(perID))
	}
}
