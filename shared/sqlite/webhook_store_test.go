package sqlite_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
	"github.com/waqtor/waqtor/shared/webhook"
)

func TestWebhookStoreContract(t *testing.T) {
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store { return sqlite.NewWebhookStore(MustOpenDB(t)) })
}

// Through webhook.SealedStore the store keeps the contract, and its rows hold no secret in plain text.
func TestWebhookStoreSealed(t *testing.T) {
	ring, err := crypt.NewKeyring(crypt.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store {
		return webhook.SealedStore(sqlite.NewWebhookStore(MustOpenDB(t)), ring)
	})
	storetest.RunSealedWebhook(t, func(t *testing.T) (webhook.Store, storetest.RawWebhook) {
		db := MustOpenDB(t)
		return sqlite.NewWebhookStore(db), func(t *testing.T, tenantID, id string) string {
			// The whole row, every column as text, straight from SQLite.
			var row string
			if err := db.R.QueryRow(`SELECT url || ' ' || headers || ' ' || secrets || ' ' || events || ' ' || description
				FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id).Scan(&row); err != nil {
				t.Fatal(err)
			}
			return row
		}
	})
}

// The job store is the same store with one more method; it must keep the contract.
func TestWebhookJobStoreContract(t *testing.T) {
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store {
		q, err := sqlite.NewQueue(context.Background(), MustOpenDB(t), queue.Catalog...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		return sqlite.NewWebhookJobStore(q)
	})
}

func TestNotificationStoreContract(t *testing.T) {
	storetest.RunNotification(t, func(t *testing.T) notification.Store { return sqlite.NewNotificationStore(MustOpenDB(t)) })
}

func TestNotificationPreferenceStoreContract(t *testing.T) {
	storetest.RunNotificationPreferences(t, func(t *testing.T) notification.PreferenceStore {
		return sqlite.NewNotificationStore(MustOpenDB(t))
	})
}

// Writes delete expired deliveries, attempts and notifications, so the tables do not grow without bound.
func TestExpiredRowsAreDeleted(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clock := time.Date(2026, 11, 25, 10, 30, 15, 123456789, time.UTC)
	db.Now = func() time.Time { return clock }
	hooks, notes := sqlite.NewWebhookStore(db), sqlite.NewNotificationStore(db)
	w := webhook.Webhook{ID: id.New("whk"), TenantID: "ten_a", URL: "https://hooks.example", CreatedAt: clock, UpdatedAt: clock}
	if err := hooks.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	write := func() {
		t.Helper()
		expires := clock.Add(time.Hour)
		d := webhook.Delivery{ID: id.New("msg"), TenantID: "ten_a", WebhookID: w.ID, Body: json.RawMessage(`{}`),
			Status: webhook.Pending, CreatedAt: clock, UpdatedAt: clock, ExpiresAt: expires}
		if _, _, err := hooks.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := hooks.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: d.ID, N: 1, At: clock}, expires); err != nil {
			t.Fatal(err)
		}
		n := notification.Notification{ID: id.New("ntf"), TenantID: "ten_a", Type: notification.Info, CreatedAt: clock}
		if _, err := notes.CreateNotification(ctx, n, expires); err != nil {
			t.Fatal(err)
		}
	}
	rows := func(want int) {
		t.Helper()
		for _, table := range []string{"webhook_deliveries", "webhook_attempts", "notifications"} {
			var n int
			if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("%s has %d rows, want %d", table, n, want)
			}
		}
	}
	for range 3 {
		write()
	}
	rows(3)
	clock = clock.Add(time.Hour) // expiry == now: expired
	write()
	rows(1)
}
