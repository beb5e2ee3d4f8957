package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/webhook"
)

// RunWebhook runs the contract suite of webhook.Store; newStore must return a store over a fresh, empty database
// each call.
//
// Rules the suite fixes beyond the port's doc comments: Events, Sessions, Headers and Secrets come back non-nil
// (the API answers [] and {}, never null); UpdateWebhook keeps Seq (only CreateDelivery moves it); UpdateDelivery
// changes only Status, Attempts, CycleStart, NextAt, LastCode, LastError, UpdatedAt and ExpiresAt; a delivery, attempt or
// notification is expired once its expiry is not after now, and an expired one is absent (never returned, and a
// create with its ID creates anew); ListDeliveries orders by ID, newest first, with From inclusive and To exclusive;
// AddAttempt replaces an attempt with the same N and needs a live delivery of the tenant; ListAttempts of an
// unknown delivery is empty; RecordAttempt stores its attempt and its delivery change both or neither.
func RunWebhook(t *testing.T, newStore func(t *testing.T) webhook.Store) {
	t.Run("webhooks", func(t *testing.T) { testWebhooks(t, newStore(t)) })
	t.Run("webhook tenant isolation", func(t *testing.T) { testWebhookIsolation(t, newStore(t)) })
	t.Run("each webhook", func(t *testing.T) { testEachWebhook(t, newStore(t)) })
	t.Run("delivery sequence", func(t *testing.T) { testDeliverySequence(t, newStore(t)) })
	t.Run("concurrent deliveries", func(t *testing.T) { testConcurrentDeliveries(t, newStore(t)) })
	t.Run("deliveries", func(t *testing.T) { testDeliveries(t, newStore(t)) })
	t.Run("list deliveries", func(t *testing.T) { testListDeliveries(t, newStore(t)) })
	t.Run("attempts", func(t *testing.T) { testAttempts(t, newStore(t)) })
	t.Run("record attempt", func(t *testing.T) { testRecordAttempt(t, newStore(t)) })
}

// live is an expiry well in the future of the stores' clocks (the real time: `now` is a fixed instant).
func live() time.Time { return time.Now().UTC().Add(time.Hour).Truncate(time.Second).Add(987654321) }

// expired is an expiry that has passed.
func expired() time.Time { return time.Now().UTC().Add(-time.Second) }

func newWebhook(tenantID string, created time.Time) webhook.Webhook {
	rotated := created.Add(24 * time.Hour)
	failing := created.Add(-time.Minute)
	return webhook.Webhook{ID: id.New("whk"), TenantID: tenantID, URL: "https://hooks.example/in?token=t0k",
		Description: "orders → CRM", Events: []string{"message_received", "message_sent"}, Sessions: []string{"ses_1", "ses_2"},
		IgnoreGroups: true, IgnoreStatus: true, Headers: map[string]string{"X-Token": "abc", "X-Env": "prod"}, Enabled: true,
		Secrets:      []webhook.Secret{{Value: "whsec_new", CreatedAt: created}, {Value: "whsec_old", CreatedAt: created.Add(-time.Hour), ExpiresAt: &rotated}},
		Policy:       webhook.Policy{Schedule: "long", TimeoutMS: 15000, RetryClientErrors: true, MaxConcurrency: 7, DisableAfterHours: 72},
		FailingSince: &failing, CreatedAt: created, UpdatedAt: created.Add(time.Second)}
}

func eqTimePtr(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }

func sameWebhook(t *testing.T, what string, got, want webhook.Webhook) {
	t.Helper()
	secretsEqual := slices.EqualFunc(got.Secrets, want.Secrets, func(a, b webhook.Secret) bool {
		return a.Value == b.Value && a.CreatedAt.Equal(b.CreatedAt) && eqTimePtr(a.ExpiresAt, b.ExpiresAt)
	})
	if got.ID != want.ID || got.TenantID != want.TenantID || got.URL != want.URL || got.Description != want.Description ||
		!slices.Equal(got.Events, want.Events) || !slices.Equal(got.Sessions, want.Sessions) ||
		got.IgnoreGroups != want.IgnoreGroups || got.IgnoreBroadcast != want.IgnoreBroadcast || got.IgnoreStatus != want.IgnoreStatus ||
		!maps.Equal(got.Headers, want.Headers) || got.Enabled != want.Enabled || got.DisabledReason != want.DisabledReason ||
		!secretsEqual || got.Policy != want.Policy || !eqTimePtr(got.FailingSince, want.FailingSince) || got.Seq != want.Seq ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
	if got.Events == nil || got.Sessions == nil || got.Headers == nil || got.Secrets == nil {
		t.Fatalf("%s: nil list or map in %+v (want empty ones)", what, got)
	}
}

func mustCreateWebhook(t *testing.T, s webhook.Store, w webhook.Webhook) webhook.Webhook {
	t.Helper()
	if err := s.CreateWebhook(ctx, w); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func testWebhooks(t *testing.T, s webhook.Store) {
	w1 := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	w2 := mustCreateWebhook(t, s, newWebhook("ten_a", now.Add(time.Second)))
	wb := mustCreateWebhook(t, s, newWebhook("ten_b", now))

	got, err := s.GetWebhook(ctx, "ten_a", w1.ID)
	if err != nil {
		t.Fatalf("GetWebhook: %v", err)
	}
	sameWebhook(t, "GetWebhook", got, w1)

	dup := w1
	dup.Description = "duplicate"
	if err := s.CreateWebhook(ctx, dup); err == nil {
		t.Fatal("CreateWebhook with an existing ID succeeded")
	}
	got, _ = s.GetWebhook(ctx, "ten_a", w1.ID)
	sameWebhook(t, "webhook after a duplicate create", got, w1)

	// Nil lists and maps come back empty; no FailingSince stays nil.
	bare := webhook.Webhook{ID: id.New("whk"), TenantID: "ten_c", URL: "https://c.example", Policy: webhook.Policy{Schedule: "default"},
		CreatedAt: now, UpdatedAt: now}
	mustCreateWebhook(t, s, bare)
	got, err = s.GetWebhook(ctx, "ten_c", bare.ID)
	if err != nil {
		t.Fatalf("GetWebhook(bare): %v", err)
	}
	bare.Events, bare.Sessions, bare.Headers, bare.Secrets = []string{}, []string{}, map[string]string{}, []webhook.Secret{}
	sameWebhook(t, "GetWebhook(bare)", got, bare)

	list, err := s.ListWebhooks(ctx, "ten_a")
	if err != nil || len(list) != 2 {
		t.Fatalf("ListWebhooks(a) = %v, %v; want 2", list, err)
	}
	sameWebhook(t, "ListWebhooks(a)[0]", list[0], w1)
	sameWebhook(t, "ListWebhooks(a)[1]", list[1], w2)
	if list, err := s.ListWebhooks(ctx, "ten_b"); err != nil || len(list) != 1 || list[0].ID != wb.ID {
		t.Fatalf("ListWebhooks(b) = %v, %v; want [wb]", list, err)
	}
	if list, err := s.ListWebhooks(ctx, "ten_unknown"); err != nil || len(list) != 0 {
		t.Fatalf("ListWebhooks(unknown) = %v, %v; want empty", list, err)
	}
	_, err = s.GetWebhook(ctx, "ten_a", id.New("whk"))
	wantErr(t, "GetWebhook(missing)", err, webhook.ErrNotFound)
	wantCode(t, "GetWebhook(missing)", err, apperr.NotFound)

	// Update: fn errors change nothing; a change that moves the endpoint (ID, tenant) is refused and changes
	// nothing; Seq is the store's; every other field changes (CreatedAt is kept by the domain: keepWebhookFixed).
	boom := errors.New("boom")
	if _, err := s.UpdateWebhook(ctx, "ten_a", w1.ID, func(w *webhook.Webhook) error { w.URL = "https://x.example"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateWebhook with failing fn = %v, want boom", err)
	}
	got, _ = s.GetWebhook(ctx, "ten_a", w1.ID)
	sameWebhook(t, "webhook after a failed update", got, w1)

	later := now.Add(time.Hour)
	expiry := later.Add(24 * time.Hour)
	change := func(w *webhook.Webhook) {
		w.URL, w.Description = "https://hooks.example/v2", ""
		w.Events, w.Sessions = []string{webhook.Wildcard}, []string{}
		w.IgnoreGroups, w.IgnoreBroadcast, w.IgnoreStatus = false, true, false
		w.Headers = map[string]string{"Authorization": "Bearer x"}
		w.Enabled, w.DisabledReason = false, "failing"
		w.Secrets = []webhook.Secret{{Value: "whsec_3", CreatedAt: later}, {Value: "whsec_new", CreatedAt: now, ExpiresAt: &expiry}}
		w.Policy = webhook.Policy{Schedule: "default", TimeoutMS: 1000, MaxConcurrency: 1}
		w.FailingSince, w.UpdatedAt = nil, later
	}
	for _, move := range []func(w *webhook.Webhook){func(w *webhook.Webhook) { w.ID = "whk_other" }, func(w *webhook.Webhook) { w.TenantID = "ten_b" }} {
		if _, err := s.UpdateWebhook(ctx, "ten_a", w1.ID, func(w *webhook.Webhook) error { change(w); move(w); return nil }); err == nil {
			t.Fatal("UpdateWebhook moving the endpoint = nil error, want it refused")
		}
		got, _ = s.GetWebhook(ctx, "ten_a", w1.ID)
		sameWebhook(t, "webhook after a refused move", got, w1)
	}
	updated, err := s.UpdateWebhook(ctx, "ten_a", w1.ID, func(w *webhook.Webhook) error {
		change(w)
		w.Seq = 99
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	want := w1
	change(&want)
	sameWebhook(t, "UpdateWebhook result", updated, want)
	got, _ = s.GetWebhook(ctx, "ten_a", w1.ID)
	sameWebhook(t, "webhook after update", got, want)
	if _, err := s.GetWebhook(ctx, "ten_b", "whk_other"); !errors.Is(err, webhook.ErrNotFound) {
		t.Fatalf("UpdateWebhook moved the webhook: %v", err)
	}

	// And back: FailingSince set on a webhook that had none.
	failing := later.Add(time.Minute)
	updated, err = s.UpdateWebhook(ctx, "ten_a", w1.ID, func(w *webhook.Webhook) error { w.FailingSince = &failing; return nil })
	want.FailingSince = &failing
	if err != nil {
		t.Fatalf("UpdateWebhook(FailingSince): %v", err)
	}
	sameWebhook(t, "UpdateWebhook(FailingSince)", updated, want)

	if err := s.DeleteWebhook(ctx, "ten_a", w2.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	_, err = s.GetWebhook(ctx, "ten_a", w2.ID)
	wantErr(t, "GetWebhook after delete", err, webhook.ErrNotFound)
	wantErr(t, "DeleteWebhook twice", s.DeleteWebhook(ctx, "ten_a", w2.ID), webhook.ErrNotFound)
	_, err = s.UpdateWebhook(ctx, "ten_a", w2.ID, func(*webhook.Webhook) error { return nil })
	wantErr(t, "UpdateWebhook after delete", err, webhook.ErrNotFound)
	if list, err := s.ListWebhooks(ctx, "ten_a"); err != nil || len(list) != 1 || list[0].ID != w1.ID {
		t.Fatalf("ListWebhooks after delete = %v, %v; want [w1]", list, err)
	}
}

func newDelivery(tenantID, webhookID string, created time.Time) webhook.Delivery {
	next := created.Add(5 * time.Second)
	return webhook.Delivery{ID: id.New("msg"), TenantID: tenantID, WebhookID: webhookID, EventID: event.NewID(),
		Event: "message_received", SessionID: "ses_1", Body: json.RawMessage(`{"b": 2,  "a":"<é>"}`), Status: webhook.Pending,
		NextAt: &next, CreatedAt: created, UpdatedAt: created, ExpiresAt: live()}
}

func sameDelivery(t *testing.T, what string, got, want webhook.Delivery) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.WebhookID != want.WebhookID || got.EventID != want.EventID ||
		got.Event != want.Event || got.SessionID != want.SessionID || string(got.Body) != string(want.Body) ||
		got.Seq != want.Seq || got.Status != want.Status || got.Attempts != want.Attempts || got.CycleStart != want.CycleStart || !eqTimePtr(got.NextAt, want.NextAt) ||
		got.LastCode != want.LastCode || got.LastError != want.LastError || !got.CreatedAt.Equal(want.CreatedAt) ||
		!got.UpdatedAt.Equal(want.UpdatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("%s:\n got %+v body %s\nwant %+v body %s", what, got, got.Body, want, want.Body)
	}
}

func mustCreateDelivery(t *testing.T, s webhook.Store, d webhook.Delivery, wantSeq int64) webhook.Delivery {
	t.Helper()
	got, created, err := s.CreateDelivery(ctx, d)
	if err != nil || !created {
		t.Fatalf("CreateDelivery = %v, %v; want created", created, err)
	}
	d.Seq = wantSeq
	sameDelivery(t, "CreateDelivery result", got, d)
	return got
}

func wantSeq(t *testing.T, s webhook.Store, tenantID, webhookID string, want int64) {
	t.Helper()
	w, err := s.GetWebhook(ctx, tenantID, webhookID)
	if err != nil || w.Seq != want {
		t.Fatalf("webhook %s: Seq = %d, %v; want %d", webhookID, w.Seq, err, want)
	}
}

// EachWebhook visits every endpoint of every tenant once, whole, and stops at fn's first error.
func testEachWebhook(t *testing.T, s webhook.Store) {
	want := map[string]webhook.Webhook{}
	for _, tenant := range []string{"ten_a", "ten_a", "ten_b", "ten_c"} {
		w := mustCreateWebhook(t, s, newWebhook(tenant, now))
		want[w.ID] = w
	}
	seen := map[string]int{}
	if err := s.EachWebhook(ctx, func(w webhook.Webhook) error {
		seen[w.ID]++
		if exp, ok := want[w.ID]; ok {
			sameWebhook(t, "EachWebhook", w, exp)
		}
		return nil
	}); err != nil {
		t.Fatalf("EachWebhook: %v", err)
	}
	if len(seen) != len(want) {
		t.Fatalf("EachWebhook saw %v, want each of the %d endpoints", seen, len(want))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("EachWebhook saw %s %d times", id, n)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.EachWebhook(ctx, func(webhook.Webhook) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("EachWebhook with a failing fn: %v after %d calls, want fn's error after 1", err, calls)
	}
}

func testWebhookIsolation(t *testing.T, s webhook.Store) {
	w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	wb := mustCreateWebhook(t, s, newWebhook("ten_b", now))
	d := mustCreateDelivery(t, s, newDelivery("ten_a", w.ID, now), 1)
	if err := s.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: d.ID, N: 1, At: now, StatusCode: 500}, live()); err != nil {
		t.Fatal(err)
	}
	db := mustCreateDelivery(t, s, newDelivery("ten_b", wb.ID, now), 1)

	_, err := s.GetWebhook(ctx, "ten_b", w.ID)
	wantErr(t, "GetWebhook across tenants", err, webhook.ErrNotFound)
	called := false
	_, err = s.UpdateWebhook(ctx, "ten_b", w.ID, func(w *webhook.Webhook) error { called = true; w.URL = "https://evil.example"; return nil })
	wantErr(t, "UpdateWebhook across tenants", err, webhook.ErrNotFound)
	if called {
		t.Fatal("UpdateWebhook across tenants ran fn")
	}
	wantErr(t, "DeleteWebhook across tenants", s.DeleteWebhook(ctx, "ten_b", w.ID), webhook.ErrNotFound)
	if list, err := s.ListWebhooks(ctx, "ten_b"); err != nil || len(list) != 1 || list[0].ID != wb.ID {
		t.Fatalf("ListWebhooks(b) = %v, %v; want [wb]", list, err)
	}

	// A delivery of tenant b for a's endpoint: the endpoint is not found, and its sequence does not move.
	cross := newDelivery("ten_b", w.ID, now)
	_, _, err = s.CreateDelivery(ctx, cross)
	wantErr(t, "CreateDelivery for another tenant's webhook", err, webhook.ErrNotFound)
	wantSeq(t, s, "ten_a", w.ID, 1)

	_, err = s.GetDelivery(ctx, "ten_b", d.ID)
	wantErr(t, "GetDelivery across tenants", err, webhook.ErrDeliveryNotFound)
	_, err = s.UpdateDelivery(ctx, "ten_b", d.ID, func(d *webhook.Delivery) error { d.Status = webhook.Failed; return nil })
	wantErr(t, "UpdateDelivery across tenants", err, webhook.ErrDeliveryNotFound)
	err = s.AddAttempt(ctx, "ten_b", webhook.Attempt{DeliveryID: d.ID, N: 2, At: now}, live())
	wantErr(t, "AddAttempt across tenants", err, webhook.ErrDeliveryNotFound)
	if as, err := s.ListAttempts(ctx, "ten_b", d.ID); err != nil || len(as) != 0 {
		t.Fatalf("ListAttempts across tenants = %v, %v; want empty", as, err)
	}
	list, err := s.ListDeliveries(ctx, "ten_b", webhook.DeliveryFilter{Limit: 100})
	if err != nil || len(list) != 1 || list[0].ID != db.ID {
		t.Fatalf("ListDeliveries(b) = %v, %v; want [b's]", list, err)
	}
	list, err = s.ListDeliveries(ctx, "ten_b", webhook.DeliveryFilter{WebhookID: w.ID, Limit: 100})
	if err != nil || len(list) != 0 {
		t.Fatalf("ListDeliveries(b, a's webhook) = %v, %v; want empty", list, err)
	}

	got, _ := s.GetDelivery(ctx, "ten_a", d.ID)
	sameDelivery(t, "a's delivery after b's attempts", got, d)
	if as, err := s.ListAttempts(ctx, "ten_a", d.ID); err != nil || len(as) != 1 || as[0].StatusCode != 500 {
		t.Fatalf("ListAttempts(a) = %v, %v; want a's one attempt", as, err)
	}
	wantSeq(t, s, "ten_b", wb.ID, 1)
}

func testDeliverySequence(t *testing.T, s webhook.Store) {
	w1 := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	w2 := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	var ds []webhook.Delivery
	for i := range 3 {
		ds = append(ds, mustCreateDelivery(t, s, newDelivery("ten_a", w1.ID, now.Add(time.Duration(i)*time.Second)), int64(i+1)))
	}
	e1 := mustCreateDelivery(t, s, newDelivery("ten_a", w2.ID, now), 1)
	wantSeq(t, s, "ten_a", w1.ID, 3)
	wantSeq(t, s, "ten_a", w2.ID, 1)
	for _, d := range append(ds, e1) {
		got, err := s.GetDelivery(ctx, "ten_a", d.ID)
		if err != nil {
			t.Fatalf("GetDelivery: %v", err)
		}
		sameDelivery(t, "GetDelivery", got, d)
	}

	// The same ID again, even with other content: the stored delivery, not created, the sequence unchanged.
	again := ds[1]
	again.Body, again.Status, again.Seq, again.CreatedAt = json.RawMessage(`{}`), webhook.Failed, 0, now.Add(time.Hour)
	got, created, err := s.CreateDelivery(ctx, again)
	if err != nil || created {
		t.Fatalf("CreateDelivery(existing ID) = %v, %v; want not created", created, err)
	}
	sameDelivery(t, "CreateDelivery(existing ID)", got, ds[1])
	wantSeq(t, s, "ten_a", w1.ID, 3)

	// A missing endpoint: nothing is created.
	orphan := newDelivery("ten_a", id.New("whk"), now)
	_, _, err = s.CreateDelivery(ctx, orphan)
	wantErr(t, "CreateDelivery(missing webhook)", err, webhook.ErrNotFound)
	_, err = s.GetDelivery(ctx, "ten_a", orphan.ID)
	wantErr(t, "GetDelivery of the orphan", err, webhook.ErrDeliveryNotFound)

	// UpdateWebhook cannot move the sequence.
	if _, err := s.UpdateWebhook(ctx, "ten_a", w1.ID, func(w *webhook.Webhook) error { w.Seq = 0; return nil }); err != nil {
		t.Fatal(err)
	}
	mustCreateDelivery(t, s, newDelivery("ten_a", w1.ID, now), 4)

	// A deleted endpoint gets no more deliveries; its old ones stay in the log.
	if err := s.DeleteWebhook(ctx, "ten_a", w2.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.CreateDelivery(ctx, newDelivery("ten_a", w2.ID, now))
	wantErr(t, "CreateDelivery(deleted webhook)", err, webhook.ErrNotFound)
	if got, err := s.GetDelivery(ctx, "ten_a", e1.ID); err != nil || got.Seq != 1 {
		t.Fatalf("delivery of a deleted webhook = %+v, %v; want it kept", got, err)
	}
	// Its ID still answers with the stored delivery, as before the delete.
	got, created, err = s.CreateDelivery(ctx, e1)
	if err != nil || created {
		t.Fatalf("CreateDelivery(existing ID, deleted webhook) = %v, %v; want the stored one", created, err)
	}
	sameDelivery(t, "CreateDelivery(existing ID, deleted webhook)", got, e1)

	// An expired delivery counts as absent: its ID creates a new delivery with the next number.
	old := newDelivery("ten_a", w1.ID, now)
	old.ExpiresAt = expired()
	mustCreateDelivery(t, s, old, 5)
	_, err = s.GetDelivery(ctx, "ten_a", old.ID)
	wantErr(t, "GetDelivery(expired)", err, webhook.ErrDeliveryNotFound)
	old.ExpiresAt = live()
	mustCreateDelivery(t, s, old, 6)
	wantSeq(t, s, "ten_a", w1.ID, 6)
}

// Concurrent creates on one endpoint get distinct, gapless numbers; concurrent creates of one ID create it once.
// A create may fail with a Conflict error (an adapter gave up after losing races), and then it created nothing.
func testConcurrentDeliveries(t *testing.T, s webhook.Store) {
	w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	const workers, each = 4, 5
	var mu sync.Mutex
	var seqs []int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				got, created, err := s.CreateDelivery(ctx, newDelivery("ten_a", w.ID, now))
				mu.Lock()
				switch {
				case err == nil && created:
					seqs = append(seqs, got.Seq)
				case err == nil:
					t.Errorf("CreateDelivery of a new ID: not created")
				case !apperr.Is(err, apperr.Conflict):
					t.Errorf("CreateDelivery: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	if len(seqs) == 0 {
		t.Fatal("no concurrent CreateDelivery succeeded")
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("sequence numbers %v: want 1..%d without gaps or repeats", seqs, len(seqs))
		}
	}
	wantSeq(t, s, "ten_a", w.ID, int64(len(seqs)))

	same := newDelivery("ten_a", w.ID, now)
	type result struct {
		seq     int64
		created bool
	}
	var results []result
	for range workers {
		wg.Go(func() {
			got, created, err := s.CreateDelivery(ctx, same)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if !apperr.Is(err, apperr.Conflict) {
					t.Errorf("CreateDelivery(same ID): %v", err)
				}
				return
			}
			results = append(results, result{got.Seq, created})
		})
	}
	wg.Wait()
	stored, err := s.GetDelivery(ctx, "ten_a", same.ID)
	if err != nil {
		t.Fatalf("GetDelivery(same ID): %v", err)
	}
	createdN := 0
	for _, r := range results {
		if r.created {
			createdN++
		}
		if r.seq != stored.Seq {
			t.Fatalf("concurrent CreateDelivery(same ID) returned seq %d, stored %d", r.seq, stored.Seq)
		}
	}
	if createdN > 1 || (createdN == 0 && len(results) > 0) {
		t.Fatalf("concurrent CreateDelivery(same ID): %d creates in %v, want exactly 1", createdN, results)
	}
	wantSeq(t, s, "ten_a", w.ID, int64(len(seqs))+1)
}

func testDeliveries(t *testing.T, s webhook.Store) {
	w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	d := mustCreateDelivery(t, s, newDelivery("ten_a", w.ID, now), 1)

	boom := errors.New("boom")
	if _, err := s.UpdateDelivery(ctx, "ten_a", d.ID, func(d *webhook.Delivery) error { d.Status = webhook.Failed; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateDelivery with failing fn = %v, want boom", err)
	}
	got, _ := s.GetDelivery(ctx, "ten_a", d.ID)
	sameDelivery(t, "delivery after a failed update", got, d)

	later := now.Add(time.Minute)
	retention := live().Add(24 * time.Hour)
	tests := []struct {
		name   string
		change func(d *webhook.Delivery)
	}{
		{"failed attempt", func(d *webhook.Delivery) {
			next := later.Add(5 * time.Minute)
			d.Attempts, d.NextAt, d.LastCode, d.LastError, d.UpdatedAt = 1, &next, 0, "dial tcp: connection refused", later
		}},
		{"delivered", func(d *webhook.Delivery) {
			d.Status, d.Attempts, d.NextAt, d.LastCode, d.LastError, d.UpdatedAt = webhook.Delivered, 2, nil, 204, "", later.Add(time.Second)
		}},
		{"replayed and kept longer", func(d *webhook.Delivery) {
			d.Status, d.ExpiresAt, d.UpdatedAt, d.CycleStart = webhook.Failed, retention, later.Add(2*time.Second), 2
		}},
	}
	want := d
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change(&want)
			for _, move := range []func(d *webhook.Delivery){func(d *webhook.Delivery) { d.ID = "msg_x" }, func(d *webhook.Delivery) { d.TenantID = "ten_b" }} {
				if _, err := s.UpdateDelivery(ctx, "ten_a", d.ID, func(d *webhook.Delivery) error { tt.change(d); move(d); return nil }); err == nil {
					t.Fatal("UpdateDelivery moving the delivery = nil error, want it refused")
				}
			}
			got, err := s.UpdateDelivery(ctx, "ten_a", d.ID, func(d *webhook.Delivery) error {
				tt.change(d)
				return nil
			})
			if err != nil {
				t.Fatalf("UpdateDelivery: %v", err)
			}
			sameDelivery(t, "UpdateDelivery result", got, want)
			got, err = s.GetDelivery(ctx, "ten_a", d.ID)
			if err != nil {
				t.Fatalf("GetDelivery: %v", err)
			}
			sameDelivery(t, "delivery after update", got, want)
		})
	}
	_, err := s.UpdateDelivery(ctx, "ten_a", id.New("msg"), func(*webhook.Delivery) error { return nil })
	wantErr(t, "UpdateDelivery(missing)", err, webhook.ErrDeliveryNotFound)
	_, err = s.GetDelivery(ctx, "ten_a", id.New("msg"))
	wantCode(t, "GetDelivery(missing)", err, apperr.NotFound)

	// Expired: gone for every method.
	exp := newDelivery("ten_a", w.ID, now)
	exp.ExpiresAt = expired()
	mustCreateDelivery(t, s, exp, 2)
	_, err = s.GetDelivery(ctx, "ten_a", exp.ID)
	wantErr(t, "GetDelivery(expired)", err, webhook.ErrDeliveryNotFound)
	_, err = s.UpdateDelivery(ctx, "ten_a", exp.ID, func(d *webhook.Delivery) error { d.ExpiresAt = live(); return nil })
	wantErr(t, "UpdateDelivery(expired)", err, webhook.ErrDeliveryNotFound)
	err = s.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: exp.ID, N: 1, At: now}, live())
	wantErr(t, "AddAttempt(expired delivery)", err, webhook.ErrDeliveryNotFound)
}

func testListDeliveries(t *testing.T, s webhook.Store) {
	w1 := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	w2 := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	wb := mustCreateWebhook(t, s, newWebhook("ten_b", now))
	minute := func(i int) time.Time { return now.Add(time.Duration(i) * time.Minute) }
	// d[i] is created at minute i; even ones for w1, odd ones for w2; 0-2 message_received, 3-5 message_sent;
	// 1 and 4 delivered, 5 failed.
	var ids []string
	seq := map[string]int64{}
	for i := range 6 {
		wid := []string{w1.ID, w2.ID}[i%2]
		d := newDelivery("ten_a", wid, minute(i))
		if i >= 3 {
			d.Event = "message_sent"
		}
		seq[wid]++
		mustCreateDelivery(t, s, d, seq[wid])
		status := map[int]string{1: webhook.Delivered, 4: webhook.Delivered, 5: webhook.Failed}[i]
		if status != "" {
			if _, err := s.UpdateDelivery(ctx, "ten_a", d.ID, func(d *webhook.Delivery) error { d.Status = status; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, d.ID)
	}
	// Newer IDs than all of them: an expired delivery of a, and one of b.
	exp := newDelivery("ten_a", w1.ID, minute(7))
	exp.ExpiresAt = expired()
	mustCreateDelivery(t, s, exp, seq[w1.ID]+1)
	mustCreateDelivery(t, s, newDelivery("ten_b", wb.ID, minute(8)), 1)

	pick := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, ids[i])
		}
		return out
	}
	tests := []struct {
		name string
		f    webhook.DeliveryFilter
		want []string
	}{
		{"all, newest first", webhook.DeliveryFilter{Limit: 100}, pick(5, 4, 3, 2, 1, 0)},
		{"first page", webhook.DeliveryFilter{Limit: 1}, pick(5)},
		{"limit", webhook.DeliveryFilter{Limit: 4}, pick(5, 4, 3, 2)},
		{"webhook", webhook.DeliveryFilter{WebhookID: w1.ID, Limit: 100}, pick(4, 2, 0)},
		{"unknown webhook", webhook.DeliveryFilter{WebhookID: id.New("whk"), Limit: 100}, pick()},
		{"status", webhook.DeliveryFilter{Status: webhook.Delivered, Limit: 100}, pick(4, 1)},
		{"pending", webhook.DeliveryFilter{Status: webhook.Pending, Limit: 100}, pick(3, 2, 0)},
		{"event", webhook.DeliveryFilter{Event: "message_sent", Limit: 100}, pick(5, 4, 3)},
		{"from (inclusive)", webhook.DeliveryFilter{From: minute(2), Limit: 100}, pick(5, 4, 3, 2)},
		{"to (exclusive)", webhook.DeliveryFilter{To: minute(2), Limit: 100}, pick(1, 0)},
		{"from and to", webhook.DeliveryFilter{From: minute(1), To: minute(4), Limit: 100}, pick(3, 2, 1)},
		{"before", webhook.DeliveryFilter{Before: ids[3], Limit: 100}, pick(2, 1, 0)},
		{"before the oldest", webhook.DeliveryFilter{Before: ids[0], Limit: 100}, pick()},
		{"webhook and event", webhook.DeliveryFilter{WebhookID: w2.ID, Event: "message_received", Limit: 100}, pick(1)},
		{"webhook, status, before, limit", webhook.DeliveryFilter{WebhookID: w1.ID, Status: webhook.Pending, Before: ids[4], Limit: 1}, pick(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListDeliveries(ctx, "ten_a", tt.f)
			if err != nil {
				t.Fatalf("ListDeliveries: %v", err)
			}
			gotIDs := []string{}
			for _, d := range got {
				gotIDs = append(gotIDs, d.ID)
			}
			if !slices.Equal(gotIDs, tt.want) {
				t.Fatalf("ListDeliveries(%+v) = %v, want %v", tt.f, gotIDs, tt.want)
			}
		})
	}

	// Every field comes back in lists too.
	one, err := s.ListDeliveries(ctx, "ten_a", webhook.DeliveryFilter{Before: ids[1], Limit: 1})
	if err != nil || len(one) != 1 {
		t.Fatalf("ListDeliveries = %v, %v", one, err)
	}
	want, _ := s.GetDelivery(ctx, "ten_a", ids[0])
	sameDelivery(t, "listed delivery", one[0], want)

	// Paging with the last ID as the cursor walks every delivery once, newest first.
	var walked []string
	for before, pages := "", 0; ; pages++ {
		if pages > 4 {
			t.Fatalf("paging does not end: %v", walked)
		}
		page, err := s.ListDeliveries(ctx, "ten_a", webhook.DeliveryFilter{Before: before, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			walked = append(walked, d.ID)
		}
		if len(page) < 4 {
			break
		}
		before = page[len(page)-1].ID
	}
	if !slices.Equal(walked, pick(5, 4, 3, 2, 1, 0)) {
		t.Fatalf("paged through %v, want %v", walked, pick(5, 4, 3, 2, 1, 0))
	}

	for _, limit := range []int{0, -1, 101} {
		_, err := s.ListDeliveries(ctx, "ten_a", webhook.DeliveryFilter{Limit: limit})
		wantCode(t, fmt.Sprintf("ListDeliveries(limit %d)", limit), err, apperr.Validation)
	}
}

func testAttempts(t *testing.T, s webhook.Store) {
	w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	d := mustCreateDelivery(t, s, newDelivery("ten_a", w.ID, now), 1)
	// A delivery whose ID extends d's: its attempts must not show up under d.
	longer := newDelivery("ten_a", w.ID, now)
	longer.ID = d.ID + "0"
	mustCreateDelivery(t, s, longer, 2)

	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Minute) }
	attempts := []webhook.Attempt{
		{DeliveryID: d.ID, N: 2, At: at(2), StatusCode: 503, DurationMS: 1200, Response: `{"error":"busy"}`},
		{DeliveryID: d.ID, N: 1, At: at(1), StatusCode: 0, DurationMS: 10000, Error: "context deadline exceeded"},
		{DeliveryID: d.ID, N: 10, At: at(10), StatusCode: 200, DurationMS: 35, Response: "ok"},
		{DeliveryID: d.ID, N: 3, At: at(3), StatusCode: 429, DurationMS: 80, Response: "slow down"},
		{DeliveryID: longer.ID, N: 1, At: at(1), StatusCode: 204},
	}
	for _, a := range attempts {
		if err := s.AddAttempt(ctx, "ten_a", a, live()); err != nil {
			t.Fatalf("AddAttempt: %v", err)
		}
	}
	// N again replaces the attempt.
	replaced := webhook.Attempt{DeliveryID: d.ID, N: 3, At: at(4), StatusCode: 500, DurationMS: 90, Response: "oops", Error: "server error"}
	if err := s.AddAttempt(ctx, "ten_a", replaced, live()); err != nil {
		t.Fatalf("AddAttempt(same N): %v", err)
	}
	// An expired attempt is not listed.
	if err := s.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: d.ID, N: 11, At: at(11)}, expired()); err != nil {
		t.Fatalf("AddAttempt(expired): %v", err)
	}
	got, err := s.ListAttempts(ctx, "ten_a", d.ID)
	if err != nil {
		t.Fatalf("ListAttempts: %v", err)
	}
	want := []webhook.Attempt{attempts[1], attempts[0], replaced, attempts[2]}
	if !slices.EqualFunc(got, want, func(a, b webhook.Attempt) bool {
		return a.DeliveryID == b.DeliveryID && a.N == b.N && a.At.Equal(b.At) && a.StatusCode == b.StatusCode &&
			a.DurationMS == b.DurationMS && a.Response == b.Response && a.Error == b.Error
	}) {
		t.Fatalf("ListAttempts =\n %+v\nwant (ordered by N)\n %+v", got, want)
	}
	if got, err := s.ListAttempts(ctx, "ten_a", longer.ID); err != nil || len(got) != 1 || got[0].StatusCode != 204 {
		t.Fatalf("ListAttempts(longer ID) = %+v, %v; want its one attempt", got, err)
	}
	if got, err := s.ListAttempts(ctx, "ten_a", id.New("msg")); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ListAttempts(unknown) = %#v, %v; want empty", got, err)
	}
	err = s.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: id.New("msg"), N: 1, At: now}, live())
	wantErr(t, "AddAttempt(missing delivery)", err, webhook.ErrDeliveryNotFound)
}

func testRecordAttempt(t *testing.T, s webhook.Store) {
	w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
	d := mustCreateDelivery(t, s, newDelivery("ten_a", w.ID, now), 1)
	later := now.Add(time.Minute)
	attempts := func(what string, want ...webhook.Attempt) {
		t.Helper()
		got, err := s.ListAttempts(ctx, "ten_a", d.ID)
		if err != nil {
			t.Fatalf("%s: ListAttempts: %v", what, err)
		}
		if !slices.EqualFunc(got, want, func(a, b webhook.Attempt) bool {
			return a.DeliveryID == b.DeliveryID && a.N == b.N && a.At.Equal(b.At) && a.StatusCode == b.StatusCode &&
				a.DurationMS == b.DurationMS && a.Response == b.Response && a.Error == b.Error
		}) {
			t.Fatalf("%s: ListAttempts =\n %+v\nwant\n %+v", what, got, want)
		}
	}

	// fn fails: neither the attempt nor a change is stored.
	first := webhook.Attempt{DeliveryID: d.ID, N: 1, At: later, StatusCode: 503, DurationMS: 40, Response: "busy"}
	boom := errors.New("boom")
	_, err := s.RecordAttempt(ctx, "ten_a", first, live(), func(x *webhook.Delivery) error {
		x.Status = webhook.Failed
		return boom
	})
	wantErr(t, "RecordAttempt(fn fails)", err, boom)
	attempts("after a failed fn")
	got, _ := s.GetDelivery(ctx, "ten_a", d.ID)
	sameDelivery(t, "delivery after a failed fn", got, d)

	// A change that moves the delivery (ID, tenant) is refused: neither is stored.
	next := later.Add(time.Minute)
	for _, move := range []func(x *webhook.Delivery){func(x *webhook.Delivery) { x.ID = "msg_x" }, func(x *webhook.Delivery) { x.TenantID = "ten_b" }} {
		if _, err := s.RecordAttempt(ctx, "ten_a", first, live(), func(x *webhook.Delivery) error { x.Attempts = 1; move(x); return nil }); err == nil {
			t.Fatal("RecordAttempt moving the delivery = nil error, want it refused")
		}
		attempts("after a refused move")
		got, _ := s.GetDelivery(ctx, "ten_a", d.ID)
		sameDelivery(t, "delivery after a refused move", got, d)
	}

	// Both are stored.
	want := d
	want.Attempts, want.NextAt, want.LastCode, want.LastError, want.UpdatedAt = 1, &next, 503, "HTTP 503", later
	got, err = s.RecordAttempt(ctx, "ten_a", first, live(), func(x *webhook.Delivery) error {
		x.Attempts, x.NextAt, x.LastCode, x.LastError, x.UpdatedAt = 1, &next, 503, "HTTP 503", later
		return nil
	})
	if err != nil {
		t.Fatalf("RecordAttempt: %v", err)
	}
	sameDelivery(t, "RecordAttempt result", got, want)
	got, _ = s.GetDelivery(ctx, "ten_a", d.ID)
	sameDelivery(t, "delivery after RecordAttempt", got, want)
	attempts("after RecordAttempt", first)

	// The same N replaces the attempt, as AddAttempt does.
	second := webhook.Attempt{DeliveryID: d.ID, N: 1, At: later.Add(time.Second), StatusCode: 204, DurationMS: 12}
	want.Status, want.NextAt, want.LastCode, want.LastError = webhook.Delivered, nil, 204, ""
	got, err = s.RecordAttempt(ctx, "ten_a", second, live(), func(x *webhook.Delivery) error {
		x.Status, x.NextAt, x.LastCode, x.LastError = webhook.Delivered, nil, 204, ""
		return nil
	})
	if err != nil {
		t.Fatalf("RecordAttempt(same N): %v", err)
	}
	sameDelivery(t, "RecordAttempt(same N) result", got, want)
	attempts("after RecordAttempt(same N)", second)

	// Another tenant, an unknown or an expired delivery: not found, and no attempt is stored.
	untouched := func(*webhook.Delivery) error { return nil }
	_, err = s.RecordAttempt(ctx, "ten_b", webhook.Attempt{DeliveryID: d.ID, N: 2, At: later}, live(), untouched)
	wantErr(t, "RecordAttempt(other tenant)", err, webhook.ErrDeliveryNotFound)
	if got, err := s.ListAttempts(ctx, "ten_b", d.ID); err != nil || len(got) != 0 {
		t.Fatalf("ListAttempts(other tenant) = %+v, %v; want none", got, err)
	}
	attempts("after RecordAttempt(other tenant)", second)
	unknown := id.New("msg")
	_, err = s.RecordAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: unknown, N: 1, At: later}, live(), untouched)
	wantErr(t, "RecordAttempt(missing delivery)", err, webhook.ErrDeliveryNotFound)
	if got, err := s.ListAttempts(ctx, "ten_a", unknown); err != nil || len(got) != 0 {
		t.Fatalf("ListAttempts(missing delivery) = %+v, %v; want none", got, err)
	}
	exp := newDelivery("ten_a", w.ID, now)
	exp.ExpiresAt = expired()
	mustCreateDelivery(t, s, exp, 2)
	_, err = s.RecordAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: exp.ID, N: 1, At: later}, live(), untouched)
	wantErr(t, "RecordAttempt(expired delivery)", err, webhook.ErrDeliveryNotFound)
	if got, err := s.ListAttempts(ctx, "ten_a", exp.ID); err != nil || len(got) != 0 {
		t.Fatalf("ListAttempts(expired delivery) = %+v, %v; want none", got, err)
	}
}
