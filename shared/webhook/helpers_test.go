package webhook_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/webhook"
)

// env is the state of one test: a fresh SQLite database with its webhook and notification stores and the durable
// queue with the catalog's queues.
type env struct {
	db            *sqlite.DB
	store         *sqlite.WebhookStore
	notifications *sqlite.NotificationStore
	q             *sqlite.Queue
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := sqlite.NewQueue(context.Background(), db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return &env{db: db, store: sqlite.NewWebhookStore(db), notifications: sqlite.NewNotificationStore(db), q: q}
}

// hook creates an enabled endpoint of the tenant subscribed to events, changed by opts.
func (e *env) hook(t testing.TB, tenantID, url string, events []string, opts ...func(*webhook.Webhook)) webhook.Webhook {
	t.Helper()
	now := time.Now().UTC()
	w := webhook.Webhook{ID: id.New("whk"), TenantID: tenantID, URL: url, Events: events, Enabled: true,
		Secrets:   []webhook.Secret{{Value: webhook.NewSecret(), CreatedAt: now}},
		Policy:    webhook.Policy{Schedule: "default", TimeoutMS: 2000, MaxConcurrency: 4, DisableAfterHours: 120},
		CreatedAt: now, UpdatedAt: now}
	for _, o := range opts {
		o(&w)
	}
	if err := e.store.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

// jobs receives every visible message of the deliveries queue (and deletes them).
func (e *env) jobs(t testing.TB) []webhook.Job {
	t.Helper()
	var out []webhook.Job
	for {
		msgs, err := e.q.Receive(context.Background(), webhook.DeliveriesQueue, queue.ReceiveOptions{Max: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			return out
		}
		for _, m := range msgs {
			var j webhook.Job
			if err := json.Unmarshal(m.Body, &j); err != nil {
				t.Fatalf("job %s: %v", m.Body, err)
			}
			out = append(out, j)
			if err := e.q.Delete(context.Background(), webhook.DeliveriesQueue, m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (e *env) deliveries(t testing.TB, tenantID string) []webhook.Delivery {
	t.Helper()
	ds, err := e.store.ListDeliveries(context.Background(), tenantID, webhook.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// envelope is an event of the tenant's session "ses_1" with the given data.
func envelope(t testing.TB, typ, tenantID string, data any) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.session-host", typ, tenantID, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	e.SessionID = "ses_1"
	return e
}

func bus(e event.Envelope) event.BusEvent { return e.Bus("123456789012", "us-east-1") }
