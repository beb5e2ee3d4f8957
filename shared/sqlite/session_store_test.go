package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestSessionStoreContract(t *testing.T) {
	storetest.RunSession(t, func(t *testing.T) session.Store { return sqlite.NewSessionStore(MustOpenDB(t)) })
}

func TestMessageStoreContract(t *testing.T) {
	storetest.RunMessage(t, func(t *testing.T) message.Store { return sqlite.NewMessageStore(MustOpenDB(t)) })
}

// Messages older than message.Retention are deleted by later writes.
func TestExpiredMessagesAreDeleted(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clock := time.Date(2026, 11, 25, 10, 30, 15, 123456789, time.UTC)
	db.Now = func() time.Time { return clock }
	s := sqlite.NewMessageStore(db)
	create := func(id string, ts time.Time) {
		t.Helper()
		if _, err := s.CreateMessage(ctx, message.Message{ID: id, TenantID: "ten_a", SessionID: "ses_1",
			Direction: message.Outbound, Status: message.Pending, Timestamp: ts, UpdatedAt: ts}); err != nil {
			t.Fatal(err)
		}
	}
	create("OLD", clock.Add(-message.Retention))              // expires now
	create("KEEP", clock.Add(-message.Retention+time.Second)) // one second left
	create("NEW", clock)
	for id, want := range map[string]bool{"OLD": false, "KEEP": true, "NEW": true} {
		_, err := s.GetMessage(ctx, "ten_a", id)
		if got := err == nil; got != want {
			t.Errorf("message %s present = %v (%v), want %v", id, got, err, want)
		}
	}
}

func TestLeaseStoreContract(t *testing.T) {
	storetest.RunLease(t, func(t *testing.T) session.LeaseStore { return sqlite.NewLeaseStore(MustOpenDB(t)) })
}
