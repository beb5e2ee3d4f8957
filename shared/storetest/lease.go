package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/session"
)

// RunLease runs the contract suite of session.LeaseStore; newStore must return a store over a fresh, empty
// database each call.
func RunLease(t *testing.T, newStore func(t *testing.T) session.LeaseStore) {
	t.Run("lease lifecycle", func(t *testing.T) { testLeaseLifecycle(t, newStore(t)) })
	t.Run("concurrent acquisitions", func(t *testing.T) { testLeaseRace(t, newStore(t)) })
}

const leaseTTL = 30 * time.Second

func sameLease(t *testing.T, what string, got, want session.Lease) {
	t.Helper()
	if got.TenantID != want.TenantID || got.SessionID != want.SessionID || got.Holder != want.Holder ||
		got.Token != want.Token || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testLeaseLifecycle(t *testing.T, s session.LeaseStore) {
	ten, ses := id.New("ten"), id.New("ses")
	if l, err := s.GetLease(ctx, ten, ses); err != nil || l.Holder != "" || l.Token != 0 {
		t.Fatalf("GetLease of a lease never taken = %+v, %v; want no holder, token 0", l, err)
	}
	// A renewal or a release of a lease never taken changes nothing.
	if _, err := s.RenewLease(ctx, ten, ses, "a", 1, now, leaseTTL); !errors.Is(err, session.ErrLeaseLost) {
		t.Fatalf("RenewLease of a lease never taken = %v, want ErrLeaseLost", err)
	}
	if err := s.ReleaseLease(ctx, ten, ses, "a", 1); err != nil {
		t.Fatalf("ReleaseLease of a lease never taken: %v", err)
	}

	// A takes the free lease with token 1; B cannot while it lasts.
	a, err := s.AcquireLease(ctx, ten, ses, "a", now, leaseTTL)
	want := session.Lease{TenantID: ten, SessionID: ses, Holder: "a", Token: 1, ExpiresAt: now.Add(leaseTTL)}
	if err != nil {
		t.Fatalf("AcquireLease(a): %v", err)
	}
	sameLease(t, "AcquireLease(a)", a, want)
	got, err := s.GetLease(ctx, ten, ses)
	if err != nil {
		t.Fatal(err)
	}
	sameLease(t, "GetLease after AcquireLease(a)", got, want)
	held, err := s.AcquireLease(ctx, ten, ses, "b", now.Add(leaseTTL-time.Nanosecond), leaseTTL)
	if !errors.Is(err, session.ErrLeaseHeld) {
		t.Fatalf("AcquireLease(b) of a's unexpired lease = %+v, %v; want ErrLeaseHeld", held, err)
	}
	sameLease(t, "the lease ErrLeaseHeld reports", held, want)
	// Another session's lease is another lease, and so is the same session ID of another tenant.
	if o, err := s.AcquireLease(ctx, ten, id.New("ses"), "b", now, leaseTTL); err != nil || o.Token != 1 {
		t.Fatalf("AcquireLease(b) of another session = %+v, %v; want token 1", o, err)
	}
	if o, err := s.AcquireLease(ctx, id.New("ten"), ses, "b", now, leaseTTL); err != nil || o.Token != 1 {
		t.Fatalf("AcquireLease(b) of another tenant's session = %+v, %v; want token 1", o, err)
	}

	// A acquiring again (a restart of the host with the same identity) keeps its token; a renewal moves the expiry.
	again, err := s.AcquireLease(ctx, ten, ses, "a", now.Add(time.Second), leaseTTL)
	want.ExpiresAt = now.Add(time.Second + leaseTTL)
	if err != nil {
		t.Fatal(err)
	}
	sameLease(t, "AcquireLease(a) again", again, want)
	renewed, err := s.RenewLease(ctx, ten, ses, "a", 1, now.Add(10*time.Second), leaseTTL)
	want.ExpiresAt = now.Add(10*time.Second + leaseTTL)
	if err != nil {
		t.Fatal(err)
	}
	sameLease(t, "RenewLease(a)", renewed, want)
	for _, bad := range []struct {
		holder string
		token  int64
	}{{"b", 1}, {"a", 2}, {"a", 0}} {
		if _, err := s.RenewLease(ctx, ten, ses, bad.holder, bad.token, now.Add(11*time.Second), leaseTTL); !errors.Is(err, session.ErrLeaseLost) {
			t.Fatalf("RenewLease(%s, token %d) of a's lease with token 1 = %v, want ErrLeaseLost", bad.holder, bad.token, err)
		}
		if err := s.ReleaseLease(ctx, ten, ses, bad.holder, bad.token); err != nil {
			t.Fatalf("ReleaseLease(%s, token %d): %v", bad.holder, bad.token, err)
		}
	}
	got, _ = s.GetLease(ctx, ten, ses)
	sameLease(t, "a's lease after others tried to renew and release it", got, want)

	// After the expiry B takes it with the next token; A has lost it for good.
	expiry := want.ExpiresAt
	b, err := s.AcquireLease(ctx, ten, ses, "b", expiry, leaseTTL)
	if err != nil {
		t.Fatalf("AcquireLease(b) at a's expiry: %v", err)
	}
	want = session.Lease{TenantID: ten, SessionID: ses, Holder: "b", Token: 2, ExpiresAt: expiry.Add(leaseTTL)}
	sameLease(t, "AcquireLease(b) after the expiry", b, want)
	if _, err := s.RenewLease(ctx, ten, ses, "a", 1, expiry, leaseTTL); !errors.Is(err, session.ErrLeaseLost) {
		t.Fatalf("RenewLease(a) after b took over = %v, want ErrLeaseLost", err)
	}
	if err := s.ReleaseLease(ctx, ten, ses, "a", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, ten, ses, "a", expiry.Add(time.Second), leaseTTL); !errors.Is(err, session.ErrLeaseHeld) {
		t.Fatalf("AcquireLease(a) of b's lease = %v, want ErrLeaseHeld", err)
	}

	// B releases: the lease is free at once, and the token stays, so the next holder's is larger still.
	if err := s.ReleaseLease(ctx, ten, ses, "b", 2); err != nil {
		t.Fatalf("ReleaseLease(b): %v", err)
	}
	got, _ = s.GetLease(ctx, ten, ses)
	if got.Holder != "" || got.Token != 2 || got.ExpiresAt.After(now) {
		t.Fatalf("released lease %+v, want no holder, token 2, expired", got)
	}
	if _, err := s.RenewLease(ctx, ten, ses, "b", 2, expiry.Add(time.Second), leaseTTL); !errors.Is(err, session.ErrLeaseLost) {
		t.Fatalf("RenewLease(b) after its release = %v, want ErrLeaseLost", err)
	}
	c, err := s.AcquireLease(ctx, ten, ses, "a", expiry.Add(time.Second), leaseTTL)
	if err != nil || c.Holder != "a" || c.Token != 3 {
		t.Fatalf("AcquireLease(a) of the released lease = %+v, %v; want a with token 3", c, err)
	}
	// A released lease taken back by the host that released it is a new holding too.
	if err := s.ReleaseLease(ctx, ten, ses, "a", 3); err != nil {
		t.Fatal(err)
	}
	if d, err := s.AcquireLease(ctx, ten, ses, "a", expiry.Add(2*time.Second), leaseTTL); err != nil || d.Token != 4 {
		t.Fatalf("AcquireLease(a) after its own release = %+v, %v; want token 4", d, err)
	}
}

// testLeaseRace: hosts racing for a free lease, and again for its expiry, get it once each time.
func testLeaseRace(t *testing.T, s session.LeaseStore) {
	ten, ses := id.New("ten"), id.New("ses")
	for round, at := range []time.Time{now, now.Add(leaseTTL)} {
		const hosts = 8
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			won  []session.Lease
			errs []error
		)
		for i := range hosts {
			wg.Go(func() {
				l, err := s.AcquireLease(ctx, ten, ses, "host-"+string(rune('a'+i))+"-"+string(rune('0'+round)), at, leaseTTL)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					won = append(won, l)
				case !errors.Is(err, session.ErrLeaseHeld):
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			t.Fatalf("round %d: acquisitions failed: %v", round, errs)
		}
		if len(won) != 1 || won[0].Token != int64(round+1) {
			t.Fatalf("round %d: %d hosts got the lease (%+v), want one with token %d", round, len(won), won, round+1)
		}
		got, err := s.GetLease(ctx, ten, ses)
		if err != nil {
			t.Fatal(err)
		}
		sameLease(t, "the stored lease after the race", got, won[0])
	}
}
