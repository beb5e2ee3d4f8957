package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/webhook"
)

// clock is a settable clock starting at the real time (the stores expire records by the real clock).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sender is a fake webhook.Sender: answer decides each response; every request is recorded.
type sender struct {
	mu       sync.Mutex
	requests []webhook.Request
	answer   func(r webhook.Request) webhook.Response
}

func (s *sender) Send(ctx context.Context, r webhook.Request) webhook.Response {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	answer := s.answer
	s.mu.Unlock()
	return answer(r)
}

func (s *sender) sent() []webhook.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]webhook.Request(nil), s.requests...)
}

func status(code int, header ...string) func(webhook.Request) webhook.Response {
	return func(webhook.Request) webhook.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return webhook.Response{StatusCode: code, Header: h, Body: []byte(`{"ok":` + map[bool]string{true: "true", false: "false"}[code < 300] + `}`),
			Duration: 42 * time.Millisecond}
	}
}

// fixture is a deliverer over a fresh database with one endpoint of tenant ten_1 and helpers to make jobs.
type fixture struct {
	*env
	clock  *clock
	sender *sender
	d      *webhook.Deliverer
	hook   webhook.Webhook
	// created records the notification.created events of the center.
	created *recorder
}

func newFixture(t *testing.T, opts ...func(*webhook.Webhook)) *fixture {
	t.Helper()
	e := newEnv(t)
	c := newClock()
	s := &sender{answer: status(200)}
	f := &fixture{env: e, clock: c, sender: s}
	// The notification center over the same database, with an owner and a member (both may read webhooks).
	f.created = &recorder{}
	center := &notification.Center{Store: e.notifications, Preferences: e.notifications, Events: f.created,
		Users: notification.UsersFunc(func(context.Context, string) ([]notification.Member, error) {
			return []notification.Member{{ID: "usr_owner", Role: auth.Owner}, {ID: "usr_member", Role: auth.Member}}, nil
		})}
	f.d = &webhook.Deliverer{Store: e.store, Sender: s, Notifier: center,
		Limiter: webhook.NewSemaphores(), Now: c.Now, Rand: func() float64 { return 0.5 }, Version: "1.2.3"}
	f.hook = e.hook(t, "ten_1", "https://hooks.example/in", []string{"*"}, append([]func(*webhook.Webhook){
		func(w *webhook.Webhook) { w.Headers = map[string]string{"X-Token": "abc"} }}, opts...)...)
	return f
}

// delivery fans out a new message.received event to the endpoint and returns the job's message.
func (f *fixture) delivery(t *testing.T) (webhook.Delivery, queue.Message) {
	t.Helper()
	ev := envelope(t, event.MessageReceived, "ten_1", map[string]string{"from": "1@s.whatsapp.net", "body": "hi"})
	d, err := webhook.NewDelivery(f.hook, "message_received", ev, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	d, _, err = f.store.CreateDelivery(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return d, f.job(d.ID, 1)
}

func (f *fixture) job(deliveryID string, receives int) queue.Message {
	b, _ := json.Marshal(webhook.Job{TenantID: "ten_1", DeliveryID: deliveryID})
	return queue.Message{ID: "m-" + deliveryID, Body: b, ReceiveCount: receives}
}

func (f *fixture) get(t *testing.T, id string) webhook.Delivery {
	t.Helper()
	d, err := f.store.GetDelivery(context.Background(), "ten_1", id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) endpoint(t *testing.T) webhook.Webhook {
	t.Helper()
	w, err := f.store.GetWebhook(context.Background(), "ten_1", f.hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (f *fixture) attempts(t *testing.T, id string) []webhook.Attempt {
	t.Helper()
	as, err := f.store.ListAttempts(context.Background(), "ten_1", id)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// notes returns the owner's notifications, after checking that the member has the same ones (same kinds, texts)
// and that each was published as notification.created.
func (f *fixture) notes(t *testing.T) []notification.Notification {
	t.Helper()
	byUser := map[string][]notification.Notification{}
	for _, u := range []string{"usr_owner", "usr_member"} {
		ns, err := f.notifications.ListNotifications(context.Background(), "ten_1", u, notification.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.UserID != u || !n.Kind.Valid() {
				t.Errorf("%s sees %+v: want their own notifications, of a kind they can mute", u, n)
			}
		}
		byUser[u] = ns
	}
	own, member := byUser["usr_owner"], byUser["usr_member"]
	if len(own) != len(member) {
		t.Fatalf("owner has %d notifications, member %d; want the same (both may read webhooks)", len(own), len(member))
	}
	for i := range own {
		if own[i].Kind != member[i].Kind || own[i].Message != member[i].Message {
			t.Errorf("owner's %+v, member's %+v: want the same notice", own[i], member[i])
		}
	}
	published := map[string]bool{}
	for _, e := range f.created.of(event.NotificationCreated) {
		published["ntf_"+strings.TrimPrefix(e.ID, "evt_")] = true
	}
	for _, n := range append(own, member...) {
		if !published[n.ID] {
			t.Errorf("%s was not published as notification.created", n.ID)
		}
	}
	return own
}

// wantRetryAfter checks that err is a planned wait of want.
func wantRetryAfter(t *testing.T, err error, want time.Duration) {
	t.Helper()
	ra, ok := queue.AsRetryAfter(err)
	if !ok || ra.Delay != want {
		t.Fatalf("Handle = %v, want RetryAfter %s", err, want)
	}
}

func TestDeliverSuccess(t *testing.T) {
	f := newFixture(t, func(w *webhook.Webhook) {
		since := time.Now().Add(-time.Hour)
		w.FailingSince = &since
	})
	d, m := f.delivery(t)
	if err := f.d.Handle(context.Background(), m); err != nil {
		t.Fatalf("Handle = %v, want the job done", err)
	}
	reqs := f.sender.sent()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	mac := hmac.New(sha256.New, []byte(f.hook.Secrets[0].Value))
	mac.Write(d.Body)
	for k, want := range map[string]string{
		"Webhook-Id": d.ID, "X-Waqtor-Event": "message_received", "X-Waqtor-Delivery": d.ID, "X-Waqtor-Sequence": "1",
		"Content-Type": "application/json", "User-Agent": "WaQtor-Webhook/1.2.3", "X-Token": "abc",
		"X-Waqtor-Signature": "sha256=" + hex.EncodeToString(mac.Sum(nil)),
		"Webhook-Timestamp":  "" + itoa(f.clock.Now().Unix()),
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if r.URL != f.hook.URL || string(r.Body) != string(d.Body) || r.Timeout != 2*time.Second {
		t.Errorf("request %s %q timeout %s, want the delivery's body to the endpoint with its 2 s timeout", r.URL, r.Body, r.Timeout)
	}
	got := f.get(t, d.ID)
	if got.Status != webhook.Delivered || got.Attempts != 1 || got.NextAt != nil || got.LastCode != 200 || got.LastError != "" {
		t.Errorf("delivery %+v, want delivered after 1 attempt", got)
	}
	as := f.attempts(t, d.ID)
	if len(as) != 1 || as[0].N != 1 || as[0].StatusCode != 200 || as[0].DurationMS != 42 || as[0].Response != `{"ok":true}` ||
		!as[0].At.Equal(f.clock.Now()) || as[0].Error != "" {
		t.Errorf("attempts %+v, want one 200 attempt", as)
	}
	if w := f.endpoint(t); w.FailingSince != nil {
		t.Errorf("FailingSince %v after a success, want cleared", w.FailingSince)
	}
	// The job coming again (a duplicate) does nothing.
	if err := f.d.Handle(context.Background(), m); err != nil || len(f.sender.sent()) != 1 {
		t.Errorf("duplicate job: %v, %d requests; want nothing sent", err, len(f.sender.sent()))
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDeliverRetry(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(webhook.Request) webhook.Response
		wantDelay time.Duration
		wantCode  int
		wantError string
	}{
		{"503 waits the schedule's 1 s", status(503), time.Second, 503, "HTTP 503"},
		{"Retry-After honoured", status(429, "Retry-After", "120"), 2 * time.Minute, 429, "HTTP 429"},
		{"no answer", func(webhook.Request) webhook.Response {
			return webhook.Response{Err: errors.New("no answer within 2s: context deadline exceeded"), Duration: 2 * time.Second}
		}, time.Second, 0, "no answer within 2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.sender.answer = tt.answer
			d, m := f.delivery(t)
			start := f.clock.Now()
			wantRetryAfter(t, f.d.Handle(context.Background(), m), tt.wantDelay)
			got := f.get(t, d.ID)
			if got.Status != webhook.Pending || got.Attempts != 1 || got.NextAt == nil || !got.NextAt.Equal(start.Add(tt.wantDelay)) ||
				got.LastCode != tt.wantCode || !strings.Contains(got.LastError, tt.wantError) {
				t.Errorf("delivery %+v, want pending, next attempt at +%s, last error %q", got, tt.wantDelay, tt.wantError)
			}
			if w := f.endpoint(t); w.FailingSince == nil || !w.FailingSince.Equal(start) || !w.Enabled {
				t.Errorf("endpoint failing since %v enabled %v, want failing since the attempt, still enabled", w.FailingSince, w.Enabled)
			}
			as := f.attempts(t, d.ID)
			if len(as) != 1 || as[0].StatusCode != tt.wantCode || (tt.wantCode == 0) != (as[0].Error != "") {
				t.Errorf("attempts %+v", as)
			}
			// Back early (a duplicate job): nothing is sent, the job waits for the rest.
			f.clock.Add(tt.wantDelay / 4)
			wantRetryAfter(t, f.d.Handle(context.Background(), m), tt.wantDelay*3/4)
			// Back when due: the second attempt, with the same webhook-id, succeeds.
			f.clock.Add(tt.wantDelay * 3 / 4)
			f.sender.answer = status(204)
			if err := f.d.Handle(context.Background(), m); err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			reqs := f.sender.sent()
			if len(reqs) != 2 || reqs[0].Header.Get("Webhook-Id") != d.ID || reqs[1].Header.Get("Webhook-Id") != d.ID ||
				string(reqs[1].Body) != string(d.Body) {
				t.Errorf("%d requests, want 2 with the same webhook-id and body", len(reqs))
			}
			if got := f.get(t, d.ID); got.Status != webhook.Delivered || got.Attempts != 2 {
				t.Errorf("delivery %+v, want delivered on attempt 2", got)
			}
			if w := f.endpoint(t); w.FailingSince != nil {
				t.Errorf("FailingSince %v after a success, want cleared", w.FailingSince)
			}
		})
	}
}

func TestDeliverFinalFailureNotifiesOnce(t *testing.T) {
	f := newFixture(t)
	f.sender.answer = status(500)
	d, m := f.delivery(t)
	wantRetryAfter(t, f.d.Handle(context.Background(), m), time.Second)
	f.clock.Add(time.Second)
	wantRetryAfter(t, f.d.Handle(context.Background(), m), 2*time.Second)
	f.clock.Add(2 * time.Second)
	if err := f.d.Handle(context.Background(), m); err != nil {
		t.Fatalf("third attempt: %v, want the job done (failed for good)", err)
	}
	got := f.get(t, d.ID)
	if got.Status != webhook.Failed || got.Attempts != 3 || got.NextAt != nil || got.LastCode != 500 ||
		!strings.Contains(got.LastError, "gave up after 3 attempts") {
		t.Errorf("delivery %+v, want failed after 3 attempts", got)
	}
	if n := len(f.attempts(t, d.ID)); n != 3 {
		t.Errorf("%d attempts logged, want 3", n)
	}
	ns := f.notes(t)
	if len(ns) != 1 {
		t.Fatalf("notifications %+v, want 1", ns)
	}
	n := ns[0]
	if n.Type != notification.Error || n.Title != "Webhook delivery failed" || n.Link != webhook.DeliveryLink(f.hook.ID, d.ID) ||
		!strings.HasPrefix(n.ID, "ntf_") || n.UserID != "usr_owner" || n.Kind != notification.KindDeliveryFailed ||
		!strings.Contains(n.Message, d.ID) {
		t.Errorf("notification %+v", n)
	}
	// The job again, and a replayed copy: no attempt, no second notification.
	for range 2 {
		if err := f.d.Handle(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.sender.sent()) != 3 || len(f.notes(t)) != 1 {
		t.Errorf("after duplicates: %d requests, %d notifications; want 3 and 1", len(f.sender.sent()), len(f.notes(t)))
	}
	if w := f.endpoint(t); !w.Enabled || w.FailingSince == nil {
		t.Errorf("endpoint enabled %v failing since %v: one failed delivery does not disable it", w.Enabled, w.FailingSince)
	}
}

func TestDeliverGoneDisablesAndNotifiesOnce(t *testing.T) {
	f := newFixture(t)
	f.sender.answer = status(410)
	d1, m1 := f.delivery(t)
	d2, m2 := f.delivery(t)
	if err := f.d.Handle(context.Background(), m1); err != nil {
		t.Fatalf("Handle = %v, want the job done", err)
	}
	if got := f.get(t, d1.ID); got.Status != webhook.Failed || got.LastCode != 410 {
		t.Errorf("delivery %+v, want failed with 410", got)
	}
	w := f.endpoint(t)
	if w.Enabled || w.DisabledReason != webhook.DisabledGone {
		t.Errorf("endpoint enabled %v reason %q, want disabled, gone", w.Enabled, w.DisabledReason)
	}
	// The same job again and the endpoint's other delivery: nothing sent, the other fails, one notification.
	for _, m := range []queue.Message{m1, m2, m2} {
		if err := f.d.Handle(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.sender.sent()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if got := f.get(t, d2.ID); got.Status != webhook.Failed || got.Attempts != 0 || !strings.Contains(got.LastError, "disabled (gone)") {
		t.Errorf("other delivery %+v, want failed unsent: endpoint disabled (gone)", got)
	}
	ns := f.notes(t)
	if len(ns) != 1 || ns[0].Title != "Webhook endpoint disabled" || ns[0].Link != webhook.WebhookLink(f.hook.ID) ||
		!strings.Contains(ns[0].Message, "410") || ns[0].Kind != notification.KindWebhookDisabled {
		t.Errorf("notifications %+v, want one saying the endpoint was disabled (410)", ns)
	}
}

func TestDeliverDisablesAfterContinuousFailure(t *testing.T) {
	f := newFixture(t, func(w *webhook.Webhook) { w.Policy.DisableAfterHours = 120 })
	f.sender.answer = status(503)
	d1, m1 := f.delivery(t)
	start := f.clock.Now()
	wantRetryAfter(t, f.d.Handle(context.Background(), m1), time.Second)
	// Five days of failures later, the next failed attempt of any delivery disables the endpoint.
	f.clock.Add(120*time.Hour - time.Minute)
	d2, m2 := f.delivery(t)
	wantRetryAfter(t, f.d.Handle(context.Background(), m2), time.Second)
	if w := f.endpoint(t); !w.Enabled || !w.FailingSince.Equal(start) {
		t.Fatalf("endpoint enabled %v failing since %v, want enabled, failing since %v", w.Enabled, w.FailingSince, start)
	}
	f.clock.Add(time.Minute)
	if err := f.d.Handle(context.Background(), m1); err != nil {
		t.Fatalf("Handle = %v, want the job done", err)
	}
	w := f.endpoint(t)
	if w.Enabled || w.DisabledReason != webhook.DisabledFailing {
		t.Errorf("endpoint enabled %v reason %q, want disabled, failing", w.Enabled, w.DisabledReason)
	}
	if got := f.get(t, d1.ID); got.Status != webhook.Failed || got.Attempts != 2 {
		t.Errorf("delivery %+v, want failed on its second attempt", got)
	}
	f.clock.Add(time.Second)
	if err := f.d.Handle(context.Background(), m2); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, d2.ID); got.Status != webhook.Failed || got.Attempts != 1 {
		t.Errorf("other delivery %+v, want failed without another attempt", got)
	}
	ns := f.notes(t)
	if len(ns) != 1 || ns[0].Title != "Webhook endpoint disabled" || !strings.Contains(ns[0].Message, "120 hours") ||
		ns[0].Kind != notification.KindWebhookDisabled {
		t.Errorf("notifications %+v, want one saying the endpoint was disabled after 120 hours", ns)
	}
}

func TestDeliverConcurrencyLimit(t *testing.T) {
	f := newFixture(t, func(w *webhook.Webhook) { w.Policy.MaxConcurrency = 1 })
	entered, release := make(chan struct{}), make(chan struct{})
	f.sender.answer = func(webhook.Request) webhook.Response {
		entered <- struct{}{}
		<-release
		return status(200)(webhook.Request{})
	}
	d1, m1 := f.delivery(t)
	d2, _ := f.delivery(t)
	done := make(chan error, 1)
	go func() { done <- f.d.Handle(context.Background(), m1) }()
	<-entered
	// The endpoint is at its limit: the other delivery's job comes back later, its delay growing with receives.
	for receives, want := range map[int]time.Duration{1: 1500 * time.Millisecond, 3: 3500 * time.Millisecond, 900: 5*time.Minute + 500*time.Millisecond} {
		wantRetryAfter(t, f.d.Handle(context.Background(), f.job(d2.ID, receives)), want)
	}
	if got := f.get(t, d2.ID); got.Attempts != 0 || got.NextAt != nil {
		t.Errorf("delivery %+v was claimed while its endpoint was busy", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.sender.answer = status(200)
	if err := f.d.Handle(context.Background(), f.job(d2.ID, 2)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{d1.ID, d2.ID} {
		if got := f.get(t, id); got.Status != webhook.Delivered {
			t.Errorf("delivery %s %s, want delivered", id, got.Status)
		}
	}
	if n := f.d.Limiter.(*webhook.Semaphores).InFlight(f.hook.ID); n != 0 {
		t.Errorf("%d slots still taken, want all released", n)
	}
}

// Two copies of one job at once: the claim lets one send; the other waits.
func TestDeliverClaimStopsDoubleSend(t *testing.T) {
	f := newFixture(t)
	entered, release := make(chan struct{}), make(chan struct{})
	f.sender.answer = func(webhook.Request) webhook.Response {
		entered <- struct{}{}
		<-release
		return status(200)(webhook.Request{})
	}
	d, m := f.delivery(t)
	done := make(chan error, 1)
	go func() { done <- f.d.Handle(context.Background(), m) }()
	<-entered
	err := f.d.Handle(context.Background(), m)
	if _, ok := queue.AsRetryAfter(err); !ok {
		t.Errorf("second copy: %v, want it to come back later", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(f.sender.sent()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if got := f.get(t, d.ID); got.Status != webhook.Delivered || got.Attempts != 1 {
		t.Errorf("delivery %+v, want delivered after 1 attempt", got)
	}
}

func TestDeliverWaitsBeyondSQSLimits(t *testing.T) {
	f := newFixture(t)
	d, m := f.delivery(t)
	next := f.clock.Now().Add(30 * time.Hour)
	if _, err := f.store.UpdateDelivery(context.Background(), "ten_1", d.ID, func(x *webhook.Delivery) error {
		x.NextAt = &next
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// 30 h away: the job sleeps the whole wait (the consumer caps each sleep at 12 h) and nothing is sent.
	wantRetryAfter(t, f.d.Handle(context.Background(), m), 30*time.Hour)
	f.clock.Add(12 * time.Hour)
	wantRetryAfter(t, f.d.Handle(context.Background(), m), 18*time.Hour)
	if n := len(f.sender.sent()); n != 0 {
		t.Errorf("%d requests before the delivery was due", n)
	}
	f.clock.Add(18 * time.Hour)
	if err := f.d.Handle(context.Background(), m); err != nil || len(f.sender.sent()) != 1 {
		t.Errorf("when due: %v, %d requests; want sent", err, len(f.sender.sent()))
	}
}

func TestDeliverNothingToSend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A job that is not one, and one for a delivery that does not exist: dropped.
	for _, m := range []queue.Message{{ID: "x", Body: []byte("not json")}, {ID: "y", Body: []byte(`{"tenantId":"ten_1"}`)},
		f.job("msg_01M8ACBYR62W6M8SZ5C97NH9E5", 1)} {
		if err := f.d.Handle(ctx, m); err != nil {
			t.Errorf("job %s: %v, want dropped", m.Body, err)
		}
	}
	// A disabled endpoint: the delivery fails unsent.
	d, m := f.delivery(t)
	if _, err := f.store.UpdateWebhook(ctx, "ten_1", f.hook.ID, func(w *webhook.Webhook) error { w.Enabled = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, d.ID); got.Status != webhook.Failed || got.LastError != "endpoint disabled" {
		t.Errorf("delivery %+v, want failed: endpoint disabled", got)
	}
	// A deleted endpoint: the same.
	if _, err := f.store.UpdateWebhook(ctx, "ten_1", f.hook.ID, func(w *webhook.Webhook) error { w.Enabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	d2, m2 := f.delivery(t)
	if err := f.store.DeleteWebhook(ctx, "ten_1", f.hook.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Handle(ctx, m2); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, d2.ID); got.Status != webhook.Failed || got.LastError != "endpoint deleted" {
		t.Errorf("delivery %+v, want failed: endpoint deleted", got)
	}
	if n := len(f.sender.sent()); n != 0 || len(f.notes(t)) != 0 {
		t.Errorf("%d requests, %d notifications; want none", n, len(f.notes(t)))
	}
}

// A store that is down makes the job come back after the consumer's backoff (a plain error).
func TestDeliverStoreDown(t *testing.T) {
	f := newFixture(t)
	_, m := f.delivery(t)
	down := errors.New("disk I/O error")
	f.d.Store = brokenStore{Store: f.store, err: down}
	err := f.d.Handle(context.Background(), m)
	if _, planned := queue.AsRetryAfter(err); !errors.Is(err, down) || planned {
		t.Errorf("Handle = %v, want the store's error", err)
	}
}

type brokenStore struct {
	webhook.Store
	err error
}

func (s brokenStore) GetDelivery(context.Context, string, string) (webhook.Delivery, error) {
	return webhook.Delivery{}, s.err
}
