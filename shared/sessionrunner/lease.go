package sessionrunner

import (
	"context"
	"errors"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// Sessions' leases (Config.Leases, on AWS): the host connects a session's WhatsApp client only while it holds the
// session's lease (session.LeaseStore), so two hosts never connect the same session.
//
//   - start acquires the lease before opening the client; a lease another host holds puts the session on the
//     waiting list, and the lease loop tries again every LeaseTTL/6 until the holder releases it or it expires.
//   - the lease loop (every LeaseTTL/6) renews each held lease once LeaseTTL/3 passed since its last renewal.
//     Each held lease has a watchdog that disconnects the client at session.LeaseDeadline (the ttl less a sixth
//     for clock skew) after the last successful renewal began, so a host cut off from the store stops before the
//     lease can expire for another host; a renewal that finds the lease lost disconnects at once. Either way the
//     session goes back on the waiting list.
//   - every stop of a client (stop, logout, delete, a permanent status, shutdown) disconnects it first and then
//     releases the lease, so a successor takes over at once.
//   - sends check the lease (held, with this host's token, unexpired) in the store right before WhatsApp is
//     asked, and commands for a session another host holds are left on the queue for it.
//
// Without Config.Leases (standalone: one process per data directory) the host runs every session it is asked to.

// DefaultLeaseTTL is the lease's time to live when Config.LeaseTTL is zero.
const DefaultLeaseTTL = 30 * time.Second

// bounceDelay is when a command for a session another host holds comes back: soon, since the holder will take it.
const bounceDelay = time.Second

// lease is what a live session knows of the lease it holds.
type lease struct {
	token     int64
	acquired  time.Time   // when this host took the lease
	renewedAt time.Time   // when the last successful acquisition or renewal began
	watchdog  *time.Timer // disconnects the client at the deadline
}

// waitingFor is a session this host should run whose lease another host holds.
type waitingFor struct{ tenantID, id string }

func (h *Host) leased() bool { return h.cfg.Leases != nil }

// acquire takes the session's lease (without Leases: nothing to take). A lease held elsewhere, or a failure to
// ask, puts the session on the waiting list.
func (h *Host) acquire(ctx context.Context, tenantID, id string) (*lease, error) {
	if !h.leased() {
		return nil, nil
	}
	asked := h.cfg.Now()
	got, err := h.cfg.Leases.AcquireLease(ctx, tenantID, id, h.cfg.HostID, asked, h.cfg.LeaseTTL)
	if err != nil {
		h.await(tenantID, id)
		if errors.Is(err, session.ErrLeaseHeld) {
			h.log.InfoContext(ctx, "session held by another host; waiting for its lease", "tenant_id", tenantID,
				"session_id", id, "holder", got.Holder, "expires_at", got.ExpiresAt)
		}
		return nil, err
	}
	h.mu.Lock()
	delete(h.waiting, id)
	h.mu.Unlock()
	return &lease{token: got.Token, acquired: asked, renewedAt: asked}, nil
}

// resume runs a stored session that should run (at start, or when its lease comes free). With Leases the session
// is read again once the lease is held: the previous holder records a stop before it releases the lease, so a
// session stopped meanwhile is seen stopped and left alone.
func (h *Host) resume(ctx context.Context, tenantID, id string) error {
	if h.get(id) != nil {
		return nil
	}
	ls, err := h.acquire(ctx, tenantID, id)
	if err != nil {
		return err
	}
	s, err := h.cfg.Sessions.GetSession(ctx, tenantID, id)
	if err != nil || !resumes(s) {
		if ls != nil {
			h.release(tenantID, id, ls.token)
		}
		if isNotFound(err) || err == nil {
			h.mu.Lock()
			delete(h.waiting, id)
			h.mu.Unlock()
			return nil
		}
		h.await(tenantID, id)
		return err
	}
	return h.run(ctx, s, "", ls)
}

// await puts a session on the waiting list.
func (h *Host) await(tenantID, id string) {
	h.mu.Lock()
	h.waiting[id] = waitingFor{tenantID: tenantID, id: id}
	h.mu.Unlock()
}

// guard arms the watchdog of a live session's lease.
func (h *Host) guard(l *live) {
	if l.lease == nil {
		return
	}
	l.lease.watchdog = time.AfterFunc(h.untilDeadline(l.lease.renewedAt), func() {
		h.lose(l, "the lease was not renewed in time")
	})
}

func (h *Host) untilDeadline(renewedAt time.Time) time.Duration {
	return session.LeaseDeadline(renewedAt, h.cfg.LeaseTTL).Sub(h.cfg.Now())
}

// lose disconnects a session whose lease this host no longer holds (or can no longer prove it holds) and puts it
// back on the waiting list. Its status is left to the lease's holder.
func (h *Host) lose(l *live, why string) {
	h.mu.Lock()
	cur := h.live[l.id] == l
	if cur {
		delete(h.live, l.id)
		h.waiting[l.id] = waitingFor{tenantID: l.tenantID, id: l.id}
	}
	h.mu.Unlock()
	if !cur {
		return
	}
	h.log.Warn("session lease lost; disconnected", "tenant_id", l.tenantID, "session_id", l.id, "reason", why)
	h.end(l)
}

// end disconnects a client the host no longer runs (already removed from live), then releases its lease.
func (h *Host) end(l *live) {
	l.cancel()
	l.client.Disconnect()
	if l.lease == nil {
		return
	}
	l.lease.watchdog.Stop()
	h.release(l.tenantID, l.id, l.lease.token)
}

func (h *Host) release(tenantID, id string, token int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(h.hostCtx()), 5*time.Second)
	defer cancel()
	if err := h.cfg.Leases.ReleaseLease(ctx, tenantID, id, h.cfg.HostID, token); err != nil {
		h.log.Warn("release session lease (it expires by itself)", "session_id", id, "error", err)
	}
}

// leaseLoop renews the held leases and tries the waiting sessions' until ctx ends.
func (h *Host) leaseLoop(ctx context.Context) {
	tick := time.NewTicker(h.cfg.LeaseTTL / 6)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			h.renew(ctx)
			h.retryWaiting(ctx)
		}
	}
}

func (h *Host) renew(ctx context.Context) {
	h.mu.Lock()
	var due []*live
	for _, l := range h.live {
		if l.lease != nil && h.cfg.Now().Sub(l.lease.renewedAt) >= h.cfg.LeaseTTL/3 {
			due = append(due, l)
		}
	}
	h.mu.Unlock()
	for _, l := range due {
		asked := h.cfg.Now()
		_, err := h.cfg.Leases.RenewLease(ctx, l.tenantID, l.id, h.cfg.HostID, l.lease.token, asked, h.cfg.LeaseTTL)
		switch {
		case errors.Is(err, session.ErrLeaseLost):
			h.lose(l, "another host holds the lease")
		case err != nil:
			h.log.WarnContext(ctx, "renew session lease; trying again", "session_id", l.id, "error", err)
		default:
			h.mu.Lock()
			if h.live[l.id] == l {
				l.lease.renewedAt = asked
				l.lease.watchdog.Reset(h.untilDeadline(asked))
			}
			h.mu.Unlock()
		}
	}
}

// retryWaiting starts the waiting sessions whose leases are free now; sessions that no longer run anywhere
// (deleted, stopped, logged out) leave the list (resume).
func (h *Host) retryWaiting(ctx context.Context) {
	h.mu.Lock()
	list := make([]waitingFor, 0, len(h.waiting))
	for _, w := range h.waiting {
		list = append(list, w)
	}
	h.mu.Unlock()
	for _, w := range list {
		if err := h.resume(ctx, w.tenantID, w.id); err != nil && !errors.Is(err, session.ErrLeaseHeld) {
			h.log.WarnContext(ctx, "waiting session did not start", "session_id", w.id, "error", err)
		}
	}
}

// heldElsewhere reports whether another host holds the session's lease now.
func (h *Host) heldElsewhere(ctx context.Context, tenantID, id string) (bool, error) {
	if !h.leased() {
		return false, nil
	}
	l, err := h.cfg.Leases.GetLease(ctx, tenantID, id)
	if err != nil {
		return false, err
	}
	return l.Holder != "" && l.Holder != h.cfg.HostID && l.ExpiresAt.After(h.cfg.Now()), nil
}

// fence checks, right before a send, that this host still holds the live session's lease with its token; when it
// does not, the session is disconnected.
func (h *Host) fence(ctx context.Context, l *live) error {
	if l.lease == nil {
		return nil
	}
	now := h.cfg.Now()
	h.mu.Lock()
	overdue := !now.Before(session.LeaseDeadline(l.lease.renewedAt, h.cfg.LeaseTTL))
	h.mu.Unlock()
	if overdue {
		h.lose(l, "the lease was not renewed in time")
		return session.ErrLeaseLost
	}
	got, err := h.cfg.Leases.GetLease(ctx, l.tenantID, l.id)
	if err != nil {
		return err
	}
	if !got.HeldBy(h.cfg.HostID, l.lease.token, now) {
		h.lose(l, "another host holds the lease")
		return session.ErrLeaseLost
	}
	return nil
}

// Standby reports whether the host waits for sessions other hosts hold and runs none, or has not yet tried to
// start the stored sessions (with Leases only): it then has nothing to do with the session queues, and Gate keeps
// it from taking their commands.
func (h *Host) Standby() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.leased() && (!h.begun || len(h.live) == 0 && len(h.waiting) > 0)
}

// Gate wraps the queue the session queues' consumer receives from, so that a host on Standby receives nothing:
// the commands stay on the queue for the host that holds their sessions (an SQS FIFO group would otherwise also
// be blocked while this host held and returned one of its commands).
func (h *Host) Gate(q queue.Queue) queue.Queue { return gated{Queue: q, h: h} }

type gated struct {
	queue.Queue
	h *Host
}

func (g gated) Receive(ctx context.Context, name string, opts queue.ReceiveOptions) ([]queue.Message, error) {
	if g.h.Standby() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for g.h.Standby() {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-t.C:
			}
		}
	}
	return g.Queue.Receive(ctx, name, opts)
}
