package session_test

import (
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

func TestLeaseRules(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	const ttl = 30 * time.Second
	never := session.Lease{TenantID: "ten", SessionID: "ses"}
	if !never.FreeFor("a", now) || never.HeldBy("a", 0, now) || never.HeldBy("", 0, now) {
		t.Fatal("a lease never taken must be free and held by no one")
	}
	a := never.Acquired("a", now, ttl)
	if a.Holder != "a" || a.Token != 1 || !a.ExpiresAt.Equal(now.Add(ttl)) {
		t.Fatalf("first acquisition %+v, want a, token 1, expiring after the ttl", a)
	}
	switch {
	case a.FreeFor("b", now.Add(ttl-time.Nanosecond)):
		t.Fatal("a's unexpired lease is free for b")
	case !a.FreeFor("b", now.Add(ttl)):
		t.Fatal("a's lease is not free for b at its expiry")
	case !a.FreeFor("a", now.Add(time.Second)):
		t.Fatal("a's own lease is not free for a")
	case !a.HeldBy("a", 1, now) || a.HeldBy("a", 2, now) || a.HeldBy("b", 1, now) || a.HeldBy("a", 1, now.Add(ttl)):
		t.Fatal("HeldBy must need the holder, its token and an unexpired lease")
	}
	if again := a.Acquired("a", now.Add(time.Second), ttl); again.Token != 1 {
		t.Fatalf("a acquiring its unexpired lease again got token %d, want 1", again.Token)
	}
	if late := a.Acquired("a", now.Add(ttl), ttl); late.Token != 2 {
		t.Fatalf("a acquiring its expired lease got token %d, want 2 (a new holding)", late.Token)
	}
	if b := a.Acquired("b", now.Add(ttl), ttl); b.Holder != "b" || b.Token != 2 || !b.ExpiresAt.Equal(now.Add(2*ttl)) {
		t.Fatalf("b taking a's expired lease: %+v, want b with token 2", b)
	}
	released := session.Lease{TenantID: "ten", SessionID: "ses", Token: 2}
	if !released.FreeFor("b", now) || released.Acquired("a", now, ttl).Token != 3 {
		t.Fatal("a released lease is free, and its next holder gets the next token")
	}
	if d := session.LeaseDeadline(now, ttl); !d.Equal(now.Add(25 * time.Second)) {
		t.Fatalf("deadline of a 30 s lease asked at now: %s, want 25 s later", d.Sub(now))
	}
}
