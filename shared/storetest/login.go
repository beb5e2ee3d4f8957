package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/tenant"
)

// LoginStores are the stores the per-account lockout uses, over one fresh, empty database.
type LoginStores struct {
	Tenants       tenant.Store
	Attempts      tenant.AttemptStore
	Notifications notification.Store
}

// RunLoginAttempts runs the contract suite of tenant.AttemptStore and, over the same adapter, the lockout rules
// of tenant.Service.Login with an injected clock; newStores must return stores over a fresh, empty database each
// call. Records expire by the store's own clock (ExpiresAt), so the suite's times stay close to the wall clock.
func RunLoginAttempts(t *testing.T, newStores func(t *testing.T) LoginStores) {
	auth.PasswordCost = bcrypt.MinCost // for the dummy hash of unknown addresses: hashing speed is not under test
	t.Run("login attempts", func(t *testing.T) { testLoginAttempts(t, newStores(t).Attempts) })
	t.Run("login attempts concurrent", func(t *testing.T) { testLoginAttemptsConcurrent(t, newStores(t).Attempts) })
	t.Run("lockout scenario", func(t *testing.T) { testLockoutScenario(t, newStores(t)) })
	t.Run("lockout cap", func(t *testing.T) { testLockoutCap(t, newStores(t)) })
	t.Run("lockout reset", func(t *testing.T) { testLockoutReset(t, newStores(t)) })
	t.Run("lockout unknown email", func(t *testing.T) { testLockoutUnknownEmail(t, newStores(t)) })
}

func sameAttempts(t *testing.T, what string, got, want tenant.LoginAttempts) {
	t.Helper()
	if got.Key != want.Key || got.Failures != want.Failures || got.Locks != want.Locks ||
		!got.LockedUntil.Equal(want.LockedUntil) || !got.LastFailure.Equal(want.LastFailure) || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testLoginAttempts(t *testing.T, s tenant.AttemptStore) {
	k := tenant.LoginKey("a@a.example")
	if _, err := s.GetLoginAttempts(ctx, k); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Fatalf("GetLoginAttempts(missing) = %v, want ErrNoLoginAttempts", err)
	}
	base := time.Now().UTC().Add(time.Minute).Truncate(time.Second).Add(123456789) // nanoseconds must survive
	want := tenant.LoginAttempts{Key: k, Failures: 5, Locks: 2, LockedUntil: base.Add(time.Minute), LastFailure: base,
		ExpiresAt: base.Add(24 * time.Hour)}
	got, err := s.UpdateLoginAttempts(ctx, k, func(a *tenant.LoginAttempts) error {
		if a.Key != k || a.Failures != 0 || a.Locks != 0 || !a.LockedUntil.IsZero() || !a.LastFailure.IsZero() {
			return fmt.Errorf("fn got %+v for a missing record, want a zero record with the key", *a)
		}
		*a = want
		a.Key = "someone-else" // the key cannot change
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateLoginAttempts(new): %v", err)
	}
	sameAttempts(t, "UpdateLoginAttempts result", got, want)
	got, err = s.GetLoginAttempts(ctx, k)
	if err != nil {
		t.Fatalf("GetLoginAttempts: %v", err)
	}
	sameAttempts(t, "GetLoginAttempts", got, want)
	if _, err := s.GetLoginAttempts(ctx, "someone-else"); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Fatalf("the key changed through UpdateLoginAttempts: %v", err)
	}

	// fn sees the stored record; an fn error changes nothing.
	boom := errors.New("boom")
	_, err = s.UpdateLoginAttempts(ctx, k, func(a *tenant.LoginAttempts) error {
		sameAttempts(t, "fn's record", *a, want)
		a.Failures = 99
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateLoginAttempts with failing fn = %v, want boom", err)
	}
	got, _ = s.GetLoginAttempts(ctx, k)
	sameAttempts(t, "after failing fn", got, want)

	// A record that was never locked keeps zero times.
	k2 := tenant.LoginKey("b@a.example")
	fresh := tenant.LoginAttempts{Key: k2, Failures: 1, LastFailure: base, ExpiresAt: base.Add(time.Hour)}
	if _, err := s.UpdateLoginAttempts(ctx, k2, func(a *tenant.LoginAttempts) error { *a = fresh; return nil }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.GetLoginAttempts(ctx, k2)
	sameAttempts(t, "record never locked", got, fresh)

	// An expired record is absent, and an update starts from a zero record.
	k3 := tenant.LoginKey("c@a.example")
	past := time.Now().UTC().Add(-time.Second)
	if _, err := s.UpdateLoginAttempts(ctx, k3, func(a *tenant.LoginAttempts) error {
		a.Failures, a.LastFailure, a.ExpiresAt = 4, past.Add(-time.Hour), past
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLoginAttempts(ctx, k3); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Fatalf("GetLoginAttempts(expired) = %v, want ErrNoLoginAttempts", err)
	}
	got, err = s.UpdateLoginAttempts(ctx, k3, func(a *tenant.LoginAttempts) error {
		if a.Failures != 0 {
			return fmt.Errorf("fn got an expired record: %+v", *a)
		}
		a.Failures, a.LastFailure, a.ExpiresAt = 1, base, base.Add(time.Hour)
		return nil
	})
	if err != nil || got.Failures != 1 {
		t.Fatalf("UpdateLoginAttempts(over expired) = %+v, %v", got, err)
	}

	// Delete forgets; deleting again, or a missing key, is no error.
	for range 2 {
		if err := s.DeleteLoginAttempts(ctx, k); err != nil {
			t.Fatalf("DeleteLoginAttempts: %v", err)
		}
	}
	if _, err := s.GetLoginAttempts(ctx, k); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Fatalf("GetLoginAttempts after delete = %v", err)
	}
	if got, _ := s.GetLoginAttempts(ctx, k2); got.Failures != 1 {
		t.Fatal("DeleteLoginAttempts removed another key's record")
	}
}

// testLoginAttemptsConcurrent: updates racing on one key (API instances behind a load balancer) all count.
func testLoginAttemptsConcurrent(t *testing.T, s tenant.AttemptStore) {
	k := tenant.LoginKey("race@a.example")
	exp := time.Now().Add(time.Hour)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.UpdateLoginAttempts(ctx, k, func(a *tenant.LoginAttempts) error {
				a.Failures++
				a.ExpiresAt = exp
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpdateLoginAttempts: %v", err)
		}
	}
	if got, err := s.GetLoginAttempts(ctx, k); err != nil || got.Failures != n {
		t.Fatalf("after %d concurrent increments: %+v, %v; want %d failures", n, got, err, n)
	}
}

// lockout is a tenant.Service over the stores with a settable clock near the wall clock.
type lockout struct {
	svc   *tenant.Service
	st    LoginStores
	clock *settableClock
	user  tenant.User
	pw    string
}

type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settableClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newLockout(t *testing.T, st LoginStores) *lockout {
	t.Helper()
	clk := &settableClock{t: time.Now().UTC()}
	svc := tenant.NewService(st.Tenants, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.Now, svc.Attempts = clk.Now, st.Attempts
	prefs, ok := st.Notifications.(notification.PreferenceStore)
	if !ok {
		t.Fatalf("%T keeps no notification preferences", st.Notifications)
	}
	svc.Notifier = &notification.Center{Store: st.Notifications, Preferences: prefs, Events: discard{},
		Users: tenant.NotificationUsers(st.Tenants)}
	const pw = "velvet otter quarry"
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost) // speed is not under test
	if err != nil {
		t.Fatal(err)
	}
	ten := tenant.Tenant{ID: id.New("ten"), Name: "Acme", Plan: "free", CreatedAt: clk.Now()}
	u := tenant.User{ID: id.New("usr"), TenantID: ten.ID, Email: "mia@a.example", Role: auth.Owner,
		PasswordHash: string(hash), CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
	if err := st.Tenants.CreateTenant(ctx, ten, u); err != nil {
		t.Fatal(err)
	}
	return &lockout{svc: svc, st: st, clock: clk, user: u, pw: pw}
}

// retryAfter returns the Retry-After seconds of an account_locked error, failing the test for anything else.
func retryAfter(t *testing.T, what string, err error) int {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.AccountLocked {
		t.Fatalf("%s: got %v, want account_locked", what, err)
	}
	return ae.Details.(map[string]any)["retryAfterSeconds"].(int)
}

func (l *lockout) notifications(t *testing.T) []notification.Notification {
	t.Helper()
	list, err := l.st.Notifications.ListNotifications(ctx, l.user.TenantID, l.user.ID, notification.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// testLockoutScenario is issue 8 item 5: 40 wrong passwords (from 40 addresses: the lock is per account, so the
// addresses do not matter here; httpapi tests them), then the right one: refused while locked, accepted after.
func testLockoutScenario(t *testing.T, st LoginStores) {
	l := newLockout(t, st)
	for i := 1; i <= 40; i++ {
		_, err := l.svc.Login(ctx, "Mia@A.example", fmt.Sprintf("guess-number-%d", i))
		switch {
		case i < 5 && !errors.Is(err, tenant.ErrInvalidCredentials):
			t.Fatalf("wrong password %d: %v, want ErrInvalidCredentials", i, err)
		case i == 5:
			if s := retryAfter(t, "fifth wrong password", err); s != 30 {
				t.Fatalf("first lock: Retry-After %d s, want 30", s)
			}
		case i > 5:
			retryAfter(t, fmt.Sprintf("wrong password %d", i), err)
		}
		l.clock.Add(100 * time.Millisecond)
	}
	// The right password is refused while the lock holds: the lock began at attempt 5, 3.5 s ago.
	_, err := l.svc.Login(ctx, "mia@a.example", l.pw)
	if s := retryAfter(t, "right password while locked", err); s != 27 {
		t.Fatalf("Retry-After %d s while locked, want 27", s)
	}
	l.clock.Add(26500 * time.Millisecond)
	if _, err := l.svc.Login(ctx, "mia@a.example", l.pw); err != nil {
		t.Fatalf("right password after the lock ended: %v", err)
	}
	// One lock, one notification, to the user, saying what happened.
	list := l.notifications(t)
	if len(list) != 1 {
		t.Fatalf("%d notifications, want 1: %+v", len(list), list)
	}
	n := list[0]
	if n.UserID != l.user.ID || n.Kind != notification.KindSignInPaused || n.Type != notification.Warning ||
		!strings.Contains(n.Message, "5 failed sign-in attempts on your account") ||
		!strings.Contains(n.Message, "paused until") {
		t.Fatalf("notification = %+v", n)
	}
	// The success forgot the streak.
	if _, err := st.Attempts.GetLoginAttempts(ctx, tenant.LoginKey("mia@a.example")); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Fatalf("record after a success: %v, want none", err)
	}
}

// testLockoutCap: every failure after a lock locks again for twice as long, up to 15 minutes; a lock always ends,
// and each lock notifies once.
func testLockoutCap(t *testing.T, st LoginStores) {
	l := newLockout(t, st)
	for range 4 {
		if _, err := l.svc.Login(ctx, l.user.Email, "not-the-password"); !errors.Is(err, tenant.ErrInvalidCredentials) {
			t.Fatal(err)
		}
	}
	want := []int{30, 60, 120, 240, 480, 900, 900, 900}
	for i, secs := range want {
		_, err := l.svc.Login(ctx, l.user.Email, "not-the-password")
		if got := retryAfter(t, fmt.Sprintf("lock %d", i+1), err); got != secs {
			t.Fatalf("lock %d lasts %d s, want %d", i+1, got, secs)
		}
		// Still locked a second before the end, whatever the password.
		l.clock.Add(time.Duration(secs-1) * time.Second)
		_, err = l.svc.Login(ctx, l.user.Email, l.pw)
		retryAfter(t, fmt.Sprintf("right password in lock %d", i+1), err)
		l.clock.Add(time.Second)
	}
	if got := len(l.notifications(t)); got != len(want) {
		t.Fatalf("%d notifications after %d locks, want one each", got, len(want))
	}
	// At the cap the lock still ends, and the right password then works.
	if _, err := l.svc.Login(ctx, l.user.Email, l.pw); err != nil {
		t.Fatalf("right password after the longest lock: %v", err)
	}
}

// testLockoutReset: a success starts the count again, and so does a day without failures.
func testLockoutReset(t *testing.T, st LoginStores) {
	l := newLockout(t, st)
	fail := func(what string) {
		t.Helper()
		if _, err := l.svc.Login(ctx, l.user.Email, "not-the-password"); !errors.Is(err, tenant.ErrInvalidCredentials) {
			t.Fatalf("%s: %v, want ErrInvalidCredentials", what, err)
		}
	}
	for i := range 4 {
		fail(fmt.Sprintf("failure %d", i+1))
	}
	if _, err := l.svc.Login(ctx, l.user.Email, l.pw); err != nil {
		t.Fatalf("success after 4 failures: %v", err)
	}
	for i := range 4 {
		fail(fmt.Sprintf("failure %d after a success", i+1))
	}
	l.clock.Add(24 * time.Hour)
	for i := range 4 {
		fail(fmt.Sprintf("failure %d a day later", i+1))
	}
	_, err := l.svc.Login(ctx, l.user.Email, "not-the-password")
	retryAfter(t, "fifth failure in a row", err)
	if got := len(l.notifications(t)); got != 1 {
		t.Fatalf("%d notifications, want 1", got)
	}
}

// testLockoutUnknownEmail: an address without an account locks the same way and answers the same, so the lock
// does not tell whether an account exists; nobody is notified.
func testLockoutUnknownEmail(t *testing.T, st LoginStores) {
	l := newLockout(t, st)
	var known, unknown []string
	var last error
	for _, email := range []string{l.user.Email, "nobody@a.example"} {
		var got []string
		for range 6 {
			_, last = l.svc.Login(ctx, email, "not-the-password")
			got = append(got, last.Error())
		}
		if email == l.user.Email {
			known = got
		} else {
			unknown = got
		}
	}
	if strings.Join(known, "\n") != strings.Join(unknown, "\n") {
		t.Fatalf("known and unknown addresses answer differently:\n%q\n%q", known, unknown)
	}
	retryAfter(t, "unknown address after 5 failures", last)
}

// discard publishes nothing.
type discard struct{}

func (discard) Publish(context.Context, ...event.Envelope) error { return nil }
