package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/realtime"
)

// RunTicket runs the contract suite of realtime.TicketStore and, over the same adapter, the ticket rules of
// realtime.Tickets; newStore must return a store over a fresh, empty database each call.
func RunTicket(t *testing.T, newStore func(t *testing.T) realtime.TicketStore) {
	t.Run("put and take", func(t *testing.T) { testTicketPutTake(t, newStore(t)) })
	t.Run("take once concurrently", func(t *testing.T) { testTicketTakeOnce(t, newStore(t)) })
	t.Run("service rules", func(t *testing.T) { testTicketService(t, newStore(t)) })
}

func testTicketPutTake(t *testing.T, s realtime.TicketStore) {
	p := auth.Principal{TenantID: "ten_1", UserID: "usr_1", KeyID: "key_1", Role: auth.Member,
		Scopes: []auth.Scope{auth.ScopeSessionsRead, auth.ScopeMessagesRead}}
	// Stores sweep expired tickets by their own clock: expiry times are near the wall clock, with nanoseconds.
	base := time.Now().UTC().Truncate(time.Second).Add(123456789)
	want := realtime.Ticket{Hash: realtime.HashTicket("rtk_a"), Principal: p, ExpiresAt: base.Add(30 * time.Second)}
	if err := s.PutTicket(ctx, want); err != nil {
		t.Fatalf("PutTicket: %v", err)
	}
	other := realtime.Ticket{Hash: realtime.HashTicket("rtk_b"), Principal: auth.Principal{TenantID: "ten_2", UserID: "usr_2",
		Role: auth.Owner, Scopes: []auth.Scope{auth.ScopeAll}}, ExpiresAt: base.Add(time.Minute)}
	if err := s.PutTicket(ctx, other); err != nil {
		t.Fatalf("PutTicket(other): %v", err)
	}
	if _, err := s.TakeTicket(ctx, realtime.HashTicket("rtk_missing")); !errors.Is(err, realtime.ErrTicketNotFound) {
		t.Fatalf("TakeTicket(missing) = %v, want ErrTicketNotFound", err)
	}
	got, err := s.TakeTicket(ctx, want.Hash)
	if err != nil {
		t.Fatalf("TakeTicket: %v", err)
	}
	if got.Hash != want.Hash || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Principal.TenantID != p.TenantID ||
		got.Principal.UserID != p.UserID || got.Principal.KeyID != p.KeyID || got.Principal.Role != p.Role ||
		!slices.Equal(got.Principal.Scopes, p.Scopes) {
		t.Fatalf("TakeTicket:\n got %+v\nwant %+v", got, want)
	}
	if _, err := s.TakeTicket(ctx, want.Hash); !errors.Is(err, realtime.ErrTicketNotFound) {
		t.Fatalf("second TakeTicket = %v, want ErrTicketNotFound (single use)", err)
	}
	if got, err := s.TakeTicket(ctx, other.Hash); err != nil || got.Principal.TenantID != "ten_2" {
		t.Fatalf("TakeTicket(other) = %+v, %v; want the other tenant's ticket", got, err)
	}
}

func testTicketTakeOnce(t *testing.T, s realtime.TicketStore) {
	tk := realtime.Ticket{Hash: realtime.HashTicket("rtk_race"), Principal: auth.Principal{TenantID: "ten_1", UserID: "usr_1"},
		ExpiresAt: time.Now().Add(time.Minute)}
	if err := s.PutTicket(ctx, tk); err != nil {
		t.Fatalf("PutTicket: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			_, err := s.TakeTicket(ctx, tk.Hash)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, realtime.ErrTicketNotFound) {
				t.Errorf("TakeTicket: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent takes of one ticket succeeded, want exactly 1", wins)
	}
}

func testTicketService(t *testing.T, s realtime.TicketStore) {
	clock := time.Now()
	svc := realtime.NewTickets(s)
	svc.Now = func() time.Time { return clock }
	p := auth.Principal{TenantID: "ten_1", UserID: "usr_1", Role: auth.Owner, Scopes: []auth.Scope{auth.ScopeAll}}

	secret, expires, err := svc.Issue(ctx, p)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if !expires.Equal(clock.UTC().Add(realtime.TicketTTL)) {
		t.Fatalf("expires = %v, want now + %v", expires, realtime.TicketTTL)
	}
	if _, err := s.TakeTicket(ctx, secret); !errors.Is(err, realtime.ErrTicketNotFound) {
		t.Fatalf("the store must hold the hash, not the secret: TakeTicket(secret) = %v", err)
	}
	got, err := svc.Redeem(ctx, secret)
	if err != nil || got.TenantID != p.TenantID || got.UserID != p.UserID {
		t.Fatalf("Redeem = %+v, %v; want the issuing principal", got, err)
	}
	if _, err := svc.Redeem(ctx, secret); !errors.Is(err, realtime.ErrTicketInvalid) {
		t.Fatalf("reused ticket: Redeem = %v, want ErrTicketInvalid", err)
	}

	expired, _, err := svc.Issue(ctx, p)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	clock = clock.Add(realtime.TicketTTL)
	if _, err := svc.Redeem(ctx, expired); !errors.Is(err, realtime.ErrTicketInvalid) {
		t.Fatalf("expired ticket: Redeem = %v, want ErrTicketInvalid", err)
	}
	if _, err := s.TakeTicket(ctx, realtime.HashTicket(expired)); !errors.Is(err, realtime.ErrTicketNotFound) {
		t.Fatalf("an expired ticket must be used up by the failed redeem: TakeTicket = %v", err)
	}
	for _, bad := range []string{"", "rtk_", "rtk_short", secret[:len(secret)-1] + "x", "wq_" + secret[4:]} {
		if _, err := svc.Redeem(ctx, bad); !errors.Is(err, realtime.ErrTicketInvalid) {
			t.Fatalf("Redeem(%q) = %v, want ErrTicketInvalid", bad, err)
		}
	}
}
