package tenant

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/notification"
)

// LoginAttempts is the record of failed sign-ins to one email address, kept by AttemptStore. It exists for unknown
// addresses too, so that a locked address answers the same whether or not it has an account.
type LoginAttempts struct {
	// Key is LoginKey of the email: a hash, so the addresses people type at the login form are not stored.
	Key string
	// Failures counts consecutive failed sign-ins since the last success (or since the streak was forgotten).
	Failures int
	// Locks counts the locks of this streak; each lasts twice as long as the one before, up to LockoutPolicy.Max.
	Locks int
	// LockedUntil: sign-in is refused, whatever the password, before this instant. Zero when never locked.
	LockedUntil time.Time
	LastFailure time.Time
	// ExpiresAt is when the store may forget the record (LastFailure + LockoutPolicy.Forget).
	ExpiresAt time.Time
}

// AttemptStore keeps LoginAttempts where every API instance sees them (SQLite in the standalone runtime, DynamoDB
// on AWS, where the API runs on many Lambdas). Implemented by sqlite.LoginAttemptStore and
// dynamo.LoginAttemptStore; contract suite storetest.RunLoginAttempts.
type AttemptStore interface {
	// GetLoginAttempts returns the record of key, or ErrNoLoginAttempts if there is none or it has expired.
	GetLoginAttempts(ctx context.Context, key string) (LoginAttempts, error)
	// UpdateLoginAttempts applies fn to the record of key (a zero record with Key set if there is none or it has
	// expired) and saves the result atomically: concurrent updates of one key all apply, one after another, so fn
	// may run more than once. An error from fn is returned and changes nothing. The key cannot change.
	UpdateLoginAttempts(ctx context.Context, key string, fn func(*LoginAttempts) error) (LoginAttempts, error)
	// DeleteLoginAttempts forgets the record of key; forgetting a missing record is not an error.
	DeleteLoginAttempts(ctx context.Context, key string) error
}

// LoginKey is the AttemptStore key of a normalised email: the hex SHA-256 of "login:" and the email.
func LoginKey(email string) string {
	sum := sha256.Sum256([]byte("login:" + email))
	return hex.EncodeToString(sum[:])
}

// LockoutPolicy is the per-account brake on password guessing: after Threshold consecutive failures sign-in to
// the address is refused for Base; every further failure (once the lock has ended) locks again for twice as long,
// up to Max. A lock always ends, a successful sign-in forgets the streak, and so does a pause of Forget without
// failures; so nobody can lock a user out for good, only slow them down while guessing is slowed far more.
type LockoutPolicy struct {
	Threshold int           // consecutive failures before the first lock
	Base      time.Duration // length of the first lock
	Max       time.Duration // longest lock
	Forget    time.Duration // a streak without failures for this long is forgotten
}

// DefaultLockout: 5 failures, then 30 s, 1 min, 2 min, … 15 min; forgotten after a day without failures.
var DefaultLockout = LockoutPolicy{Threshold: 5, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}

// LockFor is the length of the n-th lock of a streak (n from 1).
func (p LockoutPolicy) LockFor(n int) time.Duration {
	d := float64(p.Base) * math.Pow(2, float64(n-1))
	if d > float64(p.Max) {
		return p.Max
	}
	return time.Duration(d)
}

// RecordFailure applies one failed sign-in at now to a and reports whether it imposed a new lock. A failure that
// lands while a lock holds (its password check began before the lock) is not counted, so a burst of concurrent
// guesses causes one lock, not many.
func (p LockoutPolicy) RecordFailure(a *LoginAttempts, now time.Time) (locked bool) {
	if now.Before(a.LockedUntil) {
		return false
	}
	if !a.LastFailure.IsZero() && now.Sub(a.LastFailure) >= p.Forget {
		*a = LoginAttempts{Key: a.Key}
	}
	a.Failures++
	a.LastFailure = now
	a.ExpiresAt = now.Add(p.Forget)
	if a.Failures < p.Threshold {
		return false
	}
	a.Locks++
	a.LockedUntil = now.Add(p.LockFor(a.Locks))
	return true
}

// ErrNoLoginAttempts: the address has no (unexpired) record of failed sign-ins.
var ErrNoLoginAttempts = &apperr.Error{Code: apperr.NotFound, Message: "no failed sign-ins recorded"}

// lockedError is the answer while a lock holds: 429 account_locked with Retry-After, the same for every address.
func lockedError(until, now time.Time) error {
	secs := max(int(math.Ceil(until.Sub(now).Seconds())), 1)
	return &apperr.Error{Code: apperr.AccountLocked,
		Message: "too many failed sign-ins for this email address; sign-in is paused, retry after " + strconv.Itoa(secs) + " s",
		Details: map[string]any{"retryAfterSeconds": secs, "lockedUntil": until.UTC()}}
}

// loginFailed records a failed sign-in to key and answers it: ErrInvalidCredentials, or the lock it imposed. u is
// the account (zero for an unknown address), which is told of each lock once, through the notification center.
func (s *Service) loginFailed(ctx context.Context, key string, u User, now time.Time) error {
	if s.Attempts == nil {
		return ErrInvalidCredentials
	}
	var locked bool
	a, err := s.Attempts.UpdateLoginAttempts(ctx, key, func(a *LoginAttempts) error {
		if now.Before(a.LockedUntil) {
			// Another attempt locked the address while this one checked its password: nothing to write.
			return &lockHeld{until: a.LockedUntil}
		}
		locked = s.Lockout.RecordFailure(a, now)
		return nil
	})
	var held *lockHeld
	if errors.As(err, &held) {
		return lockedError(held.until, now)
	}
	if err != nil {
		return err
	}
	if !locked {
		return ErrInvalidCredentials
	}
	if u.ID != "" && s.Notifier != nil {
		if err := s.Notifier.Raise(ctx, lockSignal(u, a, now)); err != nil {
			return err
		}
	}
	return lockedError(a.LockedUntil, now)
}

// lockHeld stops an UpdateLoginAttempts that finds the address already locked.
type lockHeld struct{ until time.Time }

func (l *lockHeld) Error() string { return "sign-in is locked until " + l.until.String() }

// lockSignal is the user.sign_in_paused signal of a lock of u's sign-in (the notification rules tell u and the
// users who may manage users). Its key derives from the user and the lock, so raising it twice for one lock
// creates nothing new.
func lockSignal(u User, a LoginAttempts, now time.Time) notification.Signal {
	return notification.Signal{Kind: notification.KindSignInPaused, TenantID: u.TenantID, UserID: u.ID, Time: now.UTC(),
		Key:          "lock\x00" + u.ID + "\x00" + strconv.Itoa(a.Locks) + "\x00" + a.LockedUntil.UTC().Format(time.RFC3339Nano),
		SignInPaused: notification.SignInPausedData{Email: u.Email, Failures: a.Failures, Until: a.LockedUntil}}
}

// NotificationUsers is the notification center's view of the tenants' users (notification.Users) over st: each
// user's ID and role, for the rules' audiences.
func NotificationUsers(st Store) notification.Users {
	return notification.UsersFunc(func(ctx context.Context, tenantID string) ([]notification.Member, error) {
		list, err := st.ListUsers(ctx, tenantID)
		if err != nil {
			return nil, err
		}
		out := make([]notification.Member, 0, len(list))
		for _, u := range list {
			out = append(out, notification.Member{ID: u.ID, Role: u.Role})
		}
		return out, nil
	})
}
