package session

import (
	"context"
	"errors"
	"time"
)

// A session's lease makes one session host at a time its single writer: only the host holding the lease connects
// the session's WhatsApp client and sends through it. WhatsApp itself accepts one connection per linked device and
// replaces one with the other when two hosts connect, so two hosts must never both hold a session (a deployment's
// old task draining next to the new one, a manual RunTask, a partition).
//
// The rules (LeaseStore adapters enforce them atomically):
//   - A lease is free when no one holds it, when it was released, or when it expired (ExpiresAt not after now).
//   - Acquiring a free lease makes the caller its holder until now+ttl with the next fencing token (the stored
//     token plus one); a holder acquiring its own unexpired lease again keeps its token. Acquiring a lease another
//     holder has not let expire fails with ErrLeaseHeld.
//   - Only the holder with the current token renews (to now+ttl) or releases it; anything else is ErrLeaseLost.
//   - Tokens only grow: a release keeps the token, so every holder of a session has a larger token than the last.
//
// The holder keeps its own, earlier deadline (LeaseDeadline) and disconnects the client when it passes without a
// renewal, before the lease can expire for anyone else.

// Lease is the single-writer lease of one session.
type Lease struct {
	TenantID  string
	SessionID string
	// Holder is the session host that holds the lease ("" once released or never held).
	Holder string
	// Token is the fencing token: it grows with each new holder (not with renewals).
	Token int64
	// ExpiresAt is when the lease is free for another holder.
	ExpiresAt time.Time
}

// Errors of the lease.
var (
	// ErrLeaseHeld: another host holds the session's lease and it has not expired.
	ErrLeaseHeld = errors.New("the session's lease is held by another host")
	// ErrLeaseLost: the caller no longer holds the lease with that token (it expired and another host took it, or
	// it was released).
	ErrLeaseLost = errors.New("the session's lease was lost")
)

// FreeFor reports whether holder may take the lease at now: no one else holds it unexpired.
func (l Lease) FreeFor(holder string, now time.Time) bool {
	return l.Holder == "" || l.Holder == holder || !l.ExpiresAt.After(now)
}

// HeldBy reports whether holder holds the lease with token at now.
func (l Lease) HeldBy(holder string, token int64, now time.Time) bool {
	return holder != "" && l.Holder == holder && l.Token == token && l.ExpiresAt.After(now)
}

// Acquired is the lease after holder took it at now for ttl: the same token when holder held it already,
// the next one otherwise. The caller has checked FreeFor.
func (l Lease) Acquired(holder string, now time.Time, ttl time.Duration) Lease {
	next := l
	if l.Holder != holder || !l.ExpiresAt.After(now) {
		next.Token = l.Token + 1
	}
	next.Holder, next.ExpiresAt = holder, now.Add(ttl)
	return next
}

// LeaseDeadline is when a holder that started its acquisition or renewal at `asked` must consider its lease gone
// and disconnect: the lease's ttl less the margin for clock skew between hosts (another host compares the stored
// expiry with its own clock).
func LeaseDeadline(asked time.Time, ttl time.Duration) time.Time {
	return asked.Add(ttl - LeaseMargin(ttl))
}

// LeaseMargin is the part of a lease's ttl a holder gives up to clock skew and slow store calls: a sixth (5 s of
// 30 s). Hosts' clocks must agree within it.
func LeaseMargin(ttl time.Duration) time.Duration { return ttl / 6 }

// LeaseStore keeps the sessions' leases. Each method is one atomic step on the store.
type LeaseStore interface {
	// AcquireLease takes the session's lease for holder until now+ttl (see the rules above) and returns it as
	// stored; ErrLeaseHeld, with the lease as stored, when another holder has it.
	AcquireLease(ctx context.Context, tenantID, sessionID, holder string, now time.Time, ttl time.Duration) (Lease, error)
	// RenewLease extends holder's lease with token to now+ttl; ErrLeaseLost when holder no longer holds it with
	// that token.
	RenewLease(ctx context.Context, tenantID, sessionID, holder string, token int64, now time.Time, ttl time.Duration) (Lease, error)
	// ReleaseLease frees holder's lease with token (the token stays); a lease no longer so held is left as it is.
	ReleaseLease(ctx context.Context, tenantID, sessionID, holder string, token int64) error
	// GetLease returns the session's lease as stored (the zero Lease, with the IDs, when it was never taken).
	GetLease(ctx context.Context, tenantID, sessionID string) (Lease, error)
}
