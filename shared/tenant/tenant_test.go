package tenant_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
)

const password = "correct horse battery staple"

// recorder keeps what the service published and notified.
type recorder struct {
	mu     sync.Mutex
	events []event.Envelope
	notes  []notification.Signal
}

func (r *recorder) Publish(_ context.Context, es ...event.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, es...)
	return nil
}

func (r *recorder) Raise(_ context.Context, n notification.Signal) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, n)
	return nil
}

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

// newService is a tenant.Service on a real SQLite store, with a clock the test moves.
func newService(t *testing.T) (*tenant.Service, *recorder, *time.Time) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rec := &recorder{}
	// The store expires records by its own clock, so the service's starts at the real time.
	now := time.Now().UTC().Truncate(time.Second)
	s := tenant.NewService(sqlite.NewTenantStore(db), rec, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = func() time.Time { return now }
	s.Attempts = sqlite.NewLoginAttemptStore(db)
	s.Notifier = rec
	return s, rec, &now
}

// fields lists the fields a validation error names.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Validation {
		t.Fatalf("error %v, want %s", err, apperr.Validation)
	}
	d, _ := e.Details.(map[string]any)
	fs, _ := d["fields"].([]apperr.FieldError)
	var out []string
	for _, f := range fs {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

func owner(t *testing.T, s *tenant.Service) (tenant.Tenant, tenant.User, auth.Principal) {
	t.Helper()
	tn, u, err := s.Signup(context.Background(), tenant.SignupInput{TenantName: " Acme ", Email: " Owner@Example.com", Name: "Olga", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return tn, u, auth.Principal{TenantID: tn.ID, UserID: u.ID, Role: auth.Owner, Scopes: auth.RoleScopes(auth.Owner)}
}

func TestSignupNamesEveryBadFieldAndStoresNothing(t *testing.T) {
	s, rec, _ := newService(t)
	_, _, err := s.Signup(context.Background(), tenant.SignupInput{TenantName: " ", Email: "not-an-email", Password: "short"})
	if got, want := fields(t, err), []string{"email", "password", "tenantName"}; !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
	if n, err := s.Store.CountTenants(context.Background()); err != nil || n != 0 {
		t.Errorf("%d tenants (%v) after a refused signup, want 0", n, err)
	}
	if len(rec.types()) != 0 {
		t.Errorf("published %q for a refused signup", rec.types())
	}
}

func TestSignupMakesTheFirstUserAnOwnerWithANormalisedEmail(t *testing.T) {
	s, rec, _ := newService(t)
	tn, u, _ := owner(t, s)
	if tn.Name != "Acme" || tn.Plan != "free" || u.Role != auth.Owner || u.Email != "owner@example.com" || u.TenantID != tn.ID {
		t.Errorf("tenant %+v, user %+v", tn, u)
	}
	if got := rec.types(); !slices.Equal(got, []string{event.UserCreated}) {
		t.Errorf("published %q, want [user.created]", got)
	}
	if _, _, err := s.Signup(context.Background(), tenant.SignupInput{TenantName: "Other", Email: "OWNER@example.com", Password: password}); !errors.Is(err, tenant.ErrEmailTaken) {
		t.Errorf("second signup with the same email: %v, want ErrEmailTaken", err)
	}
}

func TestOnlyAnOwnerMakesOwnersAndTheLastOwnerStays(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	_, first, p := owner(t, s)
	admin, err := s.CreateUser(ctx, p, tenant.CreateUserInput{Email: "admin@example.com", Role: auth.Admin, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	ap := auth.Principal{TenantID: p.TenantID, UserID: admin.ID, Role: auth.Admin, Scopes: auth.RoleScopes(auth.Admin)}
	if _, err := s.CreateUser(ctx, ap, tenant.CreateUserInput{Email: "o2@example.com", Role: auth.Owner, Password: password}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("admin creating an owner: %v, want forbidden", err)
	}
	role := auth.Owner
	if _, err := s.UpdateUser(ctx, ap, admin.ID, tenant.UpdateUserInput{Role: &role}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("admin granting itself owner: %v, want forbidden", err)
	}
	if err := s.DeleteUser(ctx, ap, first.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("admin deleting the owner: %v, want forbidden", err)
	}
	if err := s.DeleteUser(ctx, p, first.ID); !errors.Is(err, tenant.ErrLastOwner) {
		t.Errorf("deleting the last owner: %v, want ErrLastOwner", err)
	}
	demoted, disabled := auth.Member, true
	if _, err := s.UpdateUser(ctx, p, first.ID, tenant.UpdateUserInput{Role: &demoted}); !errors.Is(err, tenant.ErrLastOwner) {
		t.Errorf("demoting the last owner: %v, want ErrLastOwner", err)
	}
	if _, err := s.UpdateUser(ctx, p, first.ID, tenant.UpdateUserInput{Disabled: &disabled}); !errors.Is(err, tenant.ErrLastOwner) {
		t.Errorf("disabling the last owner: %v, want ErrLastOwner", err)
	}
	got, err := s.Store.GetUser(ctx, p.TenantID, first.ID)
	if err != nil || got.Role != auth.Owner || got.Disabled || got.TokenVersion != first.TokenVersion {
		t.Errorf("the owner after refused changes: %+v (%v), want unchanged", got, err)
	}
	// With a second owner, the first may step down.
	if _, err := s.UpdateUser(ctx, p, admin.ID, tenant.UpdateUserInput{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateUser(ctx, p, first.ID, tenant.UpdateUserInput{Role: &demoted}); err != nil {
		t.Errorf("demoting one of two owners: %v", err)
	}
}

func TestARoleChangeEndsTheUsersTokens(t *testing.T) {
	s, _, _ := newService(t)
	ctx := context.Background()
	_, _, p := owner(t, s)
	u, err := s.CreateUser(ctx, p, tenant.CreateUserInput{Email: "m@example.com", Role: auth.Member, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	claims := auth.Claims{Subject: u.ID, TenantID: u.TenantID, Version: u.TokenVersion}
	if _, err := s.Authenticate(ctx, claims); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	role := auth.Admin
	if _, err := s.UpdateUser(ctx, p, u.ID, tenant.UpdateUserInput{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, claims); !errors.Is(err, tenant.ErrTokenRevoked) {
		t.Errorf("token from before the role change: %v, want ErrTokenRevoked", err)
	}
	name := "Mo"
	u2, err := s.UpdateUser(ctx, p, u.ID, tenant.UpdateUserInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, auth.Claims{Subject: u.ID, TenantID: u.TenantID, Version: u2.TokenVersion}); err != nil {
		t.Errorf("a name change ended the token: %v", err)
	}
}

func TestLockoutPolicy(t *testing.T) {
	p := tenant.DefaultLockout
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 5: 8 * time.Minute, 6: 15 * time.Minute, 40: 15 * time.Minute} {
		if got := p.LockFor(n); got != want {
			t.Errorf("LockFor(%d) = %s, want %s", n, got, want)
		}
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var a tenant.LoginAttempts
	for i := 1; i < p.Threshold; i++ {
		if p.RecordFailure(&a, at) {
			t.Fatalf("locked after %d failures, threshold %d", i, p.Threshold)
		}
	}
	if !p.RecordFailure(&a, at) || !a.LockedUntil.Equal(at.Add(30*time.Second)) {
		t.Fatalf("failure %d: locked until %s, want %s", p.Threshold, a.LockedUntil, at.Add(30*time.Second))
	}
	if p.RecordFailure(&a, at.Add(time.Second)) || a.Failures != p.Threshold {
		t.Errorf("a failure during the lock counted: %+v", a)
	}
	if !p.RecordFailure(&a, at.Add(31*time.Second)) || !a.LockedUntil.Equal(at.Add(31*time.Second+time.Minute)) {
		t.Errorf("the next failure after the lock: locked until %s, want a lock of a minute", a.LockedUntil)
	}
	later := a.LastFailure.Add(p.Forget)
	if p.RecordFailure(&a, later) || a.Failures != 1 || a.Locks != 0 {
		t.Errorf("a failure a day later did not start a new streak: %+v", a)
	}
}

func TestLoginLocksTheAddressThenASuccessForgets(t *testing.T) {
	s, rec, now := newService(t)
	ctx := context.Background()
	_, u, _ := owner(t, s)
	for i := 1; i < s.Lockout.Threshold; i++ {
		if _, err := s.Login(ctx, u.Email, "wrong password!!"); !errors.Is(err, tenant.ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v, want ErrInvalidCredentials", i, err)
		}
	}
	if _, err := s.Login(ctx, u.Email, "wrong password!!"); !apperr.Is(err, apperr.AccountLocked) {
		t.Fatalf("failure %d: %v, want account_locked", s.Lockout.Threshold, err)
	}
	if _, err := s.Login(ctx, u.Email, password); !apperr.Is(err, apperr.AccountLocked) {
		t.Errorf("the right password during the lock: %v, want account_locked", err)
	}
	if len(rec.notes) != 1 || rec.notes[0].TenantID != u.TenantID || rec.notes[0].Kind != notification.KindSignInPaused ||
		rec.notes[0].UserID != u.ID || rec.notes[0].Key == "" || rec.notes[0].SignInPaused.Email != u.Email ||
		rec.notes[0].SignInPaused.Failures != s.Lockout.Threshold || !rec.notes[0].SignInPaused.Until.Equal(now.Add(30*time.Second)) {
		t.Errorf("signals %+v, want one user.sign_in_paused about the user, with the lock's failures and end", rec.notes)
	}
	// An unknown address is locked the same way, so a lock says nothing about whether an account exists.
	for range s.Lockout.Threshold {
		s.Login(ctx, "nobody@example.com", "wrong password!!")
	}
	if _, err := s.Login(ctx, "nobody@example.com", "wrong password!!"); !apperr.Is(err, apperr.AccountLocked) {
		t.Errorf("unknown address after %d failures: %v, want account_locked", s.Lockout.Threshold, err)
	}
	*now = now.Add(31 * time.Second)
	if _, err := s.Login(ctx, " OWNER@example.com ", password); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	if _, err := s.Attempts.GetLoginAttempts(ctx, tenant.LoginKey(u.Email)); !errors.Is(err, tenant.ErrNoLoginAttempts) {
		t.Errorf("failures kept after a success: %v", err)
	}
	if got := rec.types(); got[len(got)-1] != event.UserLoggedIn {
		t.Errorf("published %q, want user.logged-in last", got)
	}
}
