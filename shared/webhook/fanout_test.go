package webhook_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/webhook"
)

type received struct {
	From    string `json:"from"`
	Body    string `json:"body"`
	IsGroup bool   `json:"isGroup"`
}

func TestFanoutFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msgs := e.hook(t, "ten_1", "https://a.example/in", []string{"message_received"})
	all := e.hook(t, "ten_1", "https://b.example/in", []string{"*"})
	e.hook(t, "ten_1", "https://c.example/in", []string{"*"}, func(w *webhook.Webhook) { w.Enabled = false })
	e.hook(t, "ten_1", "https://d.example/in", []string{"client_connected"})
	noGroups := e.hook(t, "ten_1", "https://e.example/in", []string{"message_received"}, func(w *webhook.Webhook) { w.IgnoreGroups = true })
	e.hook(t, "ten_1", "https://f.example/in", []string{"*"}, func(w *webhook.Webhook) { w.Sessions = []string{"ses_2"} })
	e.hook(t, "ten_2", "https://g.example/in", []string{"*"})

	now := time.Now().UTC().Truncate(time.Millisecond) // the store expires by the real clock
	fan := webhook.Fanout(e.store, e.q, func() time.Time { return now })

	// A direct message: the endpoints of the name, of "*", and the one ignoring groups.
	direct := envelope(t, event.MessageReceived, "ten_1", received{From: "966501234567@s.whatsapp.net", Body: "<b>hi</b> & é", IsGroup: false})
	direct.Data = []byte(`{"from":"966501234567@s.whatsapp.net","body":"<b>hi</b> & é","n":1.50,"big":1e21,"isGroup":false}`)
	if err := fan(ctx, bus(direct)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, w := range []webhook.Webhook{msgs, all, noGroups} {
		want[webhook.DeliveryID(w.ID, "message_received", direct.ID, direct.Time)] = w.ID
	}
	got := e.deliveries(t, "ten_1")
	if len(got) != len(want) {
		t.Fatalf("%d deliveries, want %d (to %v)", len(got), len(want), want)
	}
	wantBody := `{"event":"message_received","timestamp":"` + webhook.Timestamp(direct.Time) + `","data":` +
		`{"from":"966501234567@s.whatsapp.net","body":"<b>hi</b> & é","n":1.5,"big":1e+21,"isGroup":false},` +
		`"eventId":"` + direct.ID + `","sessionId":"ses_1"}`
	for _, d := range got {
		if want[d.ID] != d.WebhookID || d.Event != "message_received" || d.EventID != direct.ID || d.SessionID != "ses_1" ||
			d.Status != webhook.Pending || d.Attempts != 0 || d.NextAt != nil || d.Seq != 1 || !d.CreatedAt.Equal(now) {
			t.Errorf("delivery %+v, want a fresh pending delivery of %s to %s", d, direct.ID, want[d.ID])
		}
		if !strings.HasPrefix(d.ID, "msg_") || len(d.ID) != 30 {
			t.Errorf("delivery ID %q, want msg_ and 26 characters", d.ID)
		}
		if string(d.Body) != wantBody {
			t.Errorf("body\n got  %s\n want %s", d.Body, wantBody)
		}
		full, err := e.store.GetDelivery(ctx, "ten_1", d.ID)
		if err != nil || !full.ExpiresAt.Equal(now.Add(webhook.Retention)) {
			t.Errorf("delivery expires %v (%v), want %v", full.ExpiresAt, err, now.Add(webhook.Retention))
		}
	}
	jobs := e.jobs(t)
	if len(jobs) != len(want) {
		t.Errorf("%d jobs, want %d", len(jobs), len(want))
	}
	for _, j := range jobs {
		if _, ok := want[j.DeliveryID]; !ok || j.TenantID != "ten_1" {
			t.Errorf("job %+v is not one of the deliveries", j)
		}
	}
	if n := len(e.deliveries(t, "ten_2")); n != 0 {
		t.Errorf("the other tenant's endpoint got %d deliveries", n)
	}

	// A group message skips the endpoint ignoring groups.
	group := envelope(t, event.MessageReceived, "ten_1", received{From: "1203630@g.us", IsGroup: true})
	if err := fan(ctx, bus(group)); err != nil {
		t.Fatal(err)
	}
	for _, j := range e.jobs(t) {
		if d, _ := e.store.GetDelivery(ctx, "ten_1", j.DeliveryID); d.WebhookID == noGroups.ID {
			t.Errorf("the endpoint ignoring groups got %s", d.ID)
		}
	}

	// One session.status fans out under every name it maps to, each a delivery of its own.
	loggedOut := envelope(t, event.SessionStatus, "ten_1", map[string]string{"status": "logged_out"})
	if err := fan(ctx, bus(loggedOut)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range e.jobs(t) {
		d, err := e.store.GetDelivery(ctx, "ten_1", j.DeliveryID)
		if err != nil || d.WebhookID != all.ID {
			t.Errorf("session.status delivery %+v (%v), want only the \"*\" endpoint", d, err)
		}
		names = append(names, d.Event)
	}
	slices.Sort(names)
	if want := []string{"client_disconnected", "session_logged_out", "session_status"}; !slices.Equal(names, want) {
		t.Errorf("session.status logged_out delivered as %v, want %v", names, want)
	}

	// An event no webhook name maps to, or without a tenant, is ignored.
	for _, ev := range []event.Envelope{envelope(t, event.SessionStats, "ten_1", map[string]int{"sent": 1}),
		envelope(t, event.MessageSent, "", map[string]string{"to": "x"})} {
		if err := fan(ctx, bus(ev)); err != nil {
			t.Errorf("%s: %v", ev.Type, err)
		}
	}
	if jobs := e.jobs(t); len(jobs) != 0 {
		t.Errorf("ignored events made jobs %v", jobs)
	}
}

// fanoutStores are the two ways Fanout writes: a plain Store (a write per delivery, then the jobs) and a
// DeliveryJobStore (deliveries and jobs in one write).
var fanoutStores = []struct {
	name  string
	store func(e *env) webhook.Store
}{
	{"Store", func(e *env) webhook.Store { return e.store }},
	{"DeliveryJobStore", func(e *env) webhook.Store { return sqlite.NewWebhookJobStore(e.q) }},
}

func TestFanoutTwiceIsIdempotent(t *testing.T) {
	for _, st := range fanoutStores {
		t.Run(st.name, func(t *testing.T) { testFanoutTwiceIsIdempotent(t, st.store) })
	}
}

func testFanoutTwiceIsIdempotent(t *testing.T, store func(e *env) webhook.Store) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.hook(t, "ten_1", "https://a.example/in", []string{"*"})
	b := e.hook(t, "ten_1", "https://b.example/in", []string{"message_sent"})
	fan := webhook.Fanout(store(e), e.q, time.Now)
	ev := envelope(t, event.MessageSent, "ten_1", map[string]string{"to": "x", "messageId": "m1"})

	if err := fan(ctx, bus(ev)); err != nil {
		t.Fatal(err)
	}
	first := e.deliveries(t, "ten_1")
	if len(first) != 2 || len(e.jobs(t)) != 2 {
		t.Fatalf("first run: %d deliveries, want 2", len(first))
	}
	// The redelivered event finds both deliveries: no new one, and a job again for each still untouched.
	if err := fan(ctx, bus(ev)); err != nil {
		t.Fatal(err)
	}
	if again := e.deliveries(t, "ten_1"); len(again) != 2 || again[0].ID != first[0].ID || again[1].ID != first[1].ID {
		t.Fatalf("second run: deliveries %v, want the first run's %v", again, first)
	}
	if n := len(e.jobs(t)); n != 2 {
		t.Errorf("second run: %d jobs, want 2 (deliveries pending with no attempt)", n)
	}
	// Once the deliverer has worked on a delivery, a third run sends no job for it.
	da := webhook.DeliveryID(a.ID, "message_sent", ev.ID, ev.Time)
	if _, err := e.store.UpdateDelivery(ctx, "ten_1", da, func(d *webhook.Delivery) error { d.Attempts = 1; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := fan(ctx, bus(ev)); err != nil {
		t.Fatal(err)
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].DeliveryID != webhook.DeliveryID(b.ID, "message_sent", ev.ID, ev.Time) {
		t.Errorf("third run: jobs %v, want only the untouched delivery to %s", jobs, b.ID)
	}
	w, err := e.store.GetWebhook(ctx, "ten_1", a.ID)
	if err != nil || w.Seq != 1 {
		t.Errorf("endpoint seq %d (%v), want 1: one delivery however often the event came", w.Seq, err)
	}
}

// failingStore fails chosen calls of a real store.
type failingStore struct {
	webhook.Store
	list   error
	create func(d webhook.Delivery) error
}

func (s failingStore) ListWebhooks(ctx context.Context, tenantID string) ([]webhook.Webhook, error) {
	if s.list != nil {
		return nil, s.list
	}
	return s.Store.ListWebhooks(ctx, tenantID)
}

func (s failingStore) CreateDelivery(ctx context.Context, d webhook.Delivery) (webhook.Delivery, bool, error) {
	if s.create != nil {
		if err := s.create(d); err != nil {
			return webhook.Delivery{}, false, err
		}
	}
	return s.Store.CreateDelivery(ctx, d)
}

func TestFanoutErrorsComeBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.hook(t, "ten_1", "https://a.example/in", []string{"*"})
	e.hook(t, "ten_1", "https://b.example/in", []string{"*"})
	ev := envelope(t, event.MessageRead, "ten_1", map[string]string{"messageId": "m1"})

	down := errors.New("database is locked")
	if err := webhook.Fanout(failingStore{Store: e.store, list: down}, e.q, time.Now)(ctx, bus(ev)); !errors.Is(err, down) {
		t.Errorf("Fanout with the store down = %v, want %v", err, down)
	}

	// One endpoint's delivery fails: the other is made and enqueued, and the error makes the event come back.
	flaky := failingStore{Store: e.store, create: func(d webhook.Delivery) error {
		if d.WebhookID == a.ID {
			return down
		}
		return nil
	}}
	if err := webhook.Fanout(flaky, e.q, time.Now)(ctx, bus(ev)); !errors.Is(err, down) || !strings.Contains(err.Error(), ev.ID) {
		t.Errorf("Fanout = %v, want %v naming the event", err, down)
	}
	if n, jobs := len(e.deliveries(t, "ten_1")), e.jobs(t); n != 1 || len(jobs) != 1 {
		t.Fatalf("after a partial failure: %d deliveries, jobs %v; want the other endpoint's one", n, jobs)
	}
	// The retry completes the fan-out.
	if err := webhook.Fanout(e.store, e.q, time.Now)(ctx, bus(ev)); err != nil {
		t.Fatal(err)
	}
	if n, jobs := len(e.deliveries(t, "ten_1")), e.jobs(t); n != 2 || len(jobs) != 2 {
		t.Errorf("after the retry: %d deliveries, %d jobs; want 2 and 2", n, len(jobs))
	}

	// A queue that refuses the jobs fails the event too.
	ev2 := envelope(t, event.MessageRead, "ten_1", map[string]string{"messageId": "m2"})
	if err := webhook.Fanout(e.store, refusingQueue{e.q}, time.Now)(ctx, bus(ev2)); !errors.Is(err, queue.ErrInvalidMessage) {
		t.Errorf("Fanout with a refusing queue = %v, want its error", err)
	}
}

// staleList lists, besides the tenant's endpoints, one that has been deleted since.
type staleList struct {
	*sqlite.WebhookJobStore
	deleted webhook.Webhook
}

func (s staleList) ListWebhooks(ctx context.Context, tenantID string) ([]webhook.Webhook, error) {
	ws, err := s.WebhookJobStore.ListWebhooks(ctx, tenantID)
	return append(ws, s.deleted), err
}

// With a DeliveryJobStore an event's deliveries and jobs are one write: when one delivery cannot be made, none is
// stored and no job sent, and the event comes back.
func TestFanoutWithJobStoreIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	kept := e.hook(t, "ten_1", "https://a.example/in", []string{"*"})
	gone := e.hook(t, "ten_1", "https://b.example/in", []string{"*"})
	if err := e.store.DeleteWebhook(ctx, "ten_1", gone.ID); err != nil {
		t.Fatal(err)
	}
	ev := envelope(t, event.MessageRead, "ten_1", map[string]string{"messageId": "m1"})
	js := sqlite.NewWebhookJobStore(e.q)
	if err := webhook.Fanout(staleList{js, gone}, e.q, time.Now)(ctx, bus(ev)); !errors.Is(err, webhook.ErrNotFound) {
		t.Errorf("Fanout with a deleted endpoint listed = %v, want %v", err, webhook.ErrNotFound)
	}
	if n, jobs := len(e.deliveries(t, "ten_1")), e.jobs(t); n != 0 || len(jobs) != 0 {
		t.Fatalf("after the failed write: %d deliveries, jobs %v; want none", n, jobs)
	}
	if w, err := e.store.GetWebhook(ctx, "ten_1", kept.ID); err != nil || w.Seq != 0 {
		t.Errorf("endpoint seq %d (%v) after the failed write, want 0", w.Seq, err)
	}
	// The event comes back to a fresh list and completes.
	if err := webhook.Fanout(js, e.q, time.Now)(ctx, bus(ev)); err != nil {
		t.Fatal(err)
	}
	ds, jobs := e.deliveries(t, "ten_1"), e.jobs(t)
	if len(ds) != 1 || len(jobs) != 1 || jobs[0].DeliveryID != ds[0].ID || ds[0].WebhookID != kept.ID || ds[0].Seq != 1 {
		t.Errorf("after the retry: deliveries %v, jobs %v; want one delivery to %s with its job", ds, jobs, kept.ID)
	}
}

type refusingQueue struct{ queue.Queue }

func (refusingQueue) Send(context.Context, string, ...queue.Outgoing) error {
	return queue.ErrInvalidMessage
}

func TestDeliveryID(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	id := webhook.DeliveryID("whk_1", "message_received", "evt_1", at)
	same := webhook.DeliveryID("whk_1", "message_received", "evt_1", at)
	if id != same || !strings.HasPrefix(id, "msg_") || len(id) != 30 {
		t.Fatalf("DeliveryID = %q, %q; want one stable msg_ + 26 characters", id, same)
	}
	for _, other := range []string{
		webhook.DeliveryID("whk_2", "message_received", "evt_1", at),
		webhook.DeliveryID("whk_1", "message_sent", "evt_1", at),
		webhook.DeliveryID("whk_1", "message_received", "evt_2", at),
		webhook.DeliveryID("whk_1message_received", "", "evt_1", at),
	} {
		if other == id {
			t.Errorf("DeliveryID collides for different inputs: %s", other)
		}
	}
	later := webhook.DeliveryID("whk_1", "message_received", "evt_0", at.Add(time.Millisecond))
	if later <= id {
		t.Errorf("a later event's delivery ID %s does not sort after %s", later, id)
	}
}
