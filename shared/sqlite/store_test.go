package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
)

// MustOpenDB opens a fresh database file in a temp dir, closed when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "waqtor.db"))
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		db := MustOpenDB(t)
		return storetest.Stores{Tenants: sqlite.NewTenantStore(db), Keys: sqlite.NewKeyStore(db),
			Idempotency: sqlite.NewIdempotencyStore(db), Activity: sqlite.NewActivityStore(db)}
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "waqtor.db")
	for range 2 {
		db, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		db.Close()
	}
}

func TestLoginAttemptStoreContract(t *testing.T) {
	storetest.RunLoginAttempts(t, func(t *testing.T) storetest.LoginStores {
		db := MustOpenDB(t)
		return storetest.LoginStores{Tenants: sqlite.NewTenantStore(db), Attempts: sqlite.NewLoginAttemptStore(db),
			Notifications: sqlite.NewNotificationStore(db)}
	})
}

func TestPlanStoreContract(t *testing.T) {
	storetest.RunPlan(t, func(t *testing.T) storetest.PlanStores {
		db := MustOpenDB(t)
		return storetest.PlanStores{Tenants: sqlite.NewTenantStore(db), Plans: sqlite.NewPlanStore(db),
			Attempts: sqlite.NewLoginAttemptStore(db)}
	})
}

func TestReportContract(t *testing.T) {
	storetest.RunReport(t, func(t *testing.T) storetest.ReportStores {
		db := MustOpenDB(t)
		return storetest.ReportStores{Messages: sqlite.NewMessageStore(db), Webhooks: sqlite.NewWebhookStore(db)}
	})
}
