package sessionrunner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/session"
)

// outage is a session that cannot reach WhatsApp, from its first failed connect until it reaches WhatsApp again
// (Ready or a QR code) or someone acts on it (stop, logout, delete). Its users are notified once per outage.
type outage struct {
	since    time.Time
	attempts int         // failed starts the host retries itself (login connects and non-retried connects)
	timer    *time.Timer // the host's next start, when the host owns the retry
	notified bool
}

// unreachable handles a start whose connect could not reach WhatsApp: the host owns the retry. It records the
// status (Connecting while pairing, Reconnecting for a paired session) with the cause as its reason and the next
// attempt's time, notifies the tenant once per outage, and starts the session again after a backoff. The start
// command is done: it does not come back from the queue (nor end in its dead-letter queue) while the host retries.
func (h *Host) unreachable(ctx context.Context, s session.Session, phone string, paired bool, ue *session.UnreachableError) error {
	now := h.cfg.Now()
	h.mu.Lock()
	o := h.outageLocked(s.ID, now)
	o.attempts++
	attempt := o.attempts
	delay := min(h.cfg.RetryMin<<min(attempt-1, 20), h.cfg.RetryMax)
	if o.timer != nil {
		o.timer.Stop()
	}
	o.timer = time.AfterFunc(delay, func() { h.retryStart(s.TenantID, s.ID, phone) })
	h.mu.Unlock()
	next := now.Add(delay)
	st := session.Connecting
	if paired {
		st = session.Reconnecting
	}
	h.log.WarnContext(ctx, "session cannot reach WhatsApp; the host starts it again later", "tenant_id", s.TenantID,
		"session_id", s.ID, "cause", ue.Cause, "error", ue.Err.Error(), "attempt", attempt, "retry_at", next)
	_, err := h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: st, Reason: ue.Error(), NextRetryAt: &next})
	if err != nil {
		return err
	}
	return h.notifyOutage(ctx, s.TenantID, s.ID, ue.Error())
}

// outageLocked returns the session's outage, beginning one at now if there is none. The caller holds h.mu.
func (h *Host) outageLocked(id string, now time.Time) *outage {
	o := h.outages[id]
	if o == nil {
		o = &outage{since: now}
		h.outages[id] = o
	}
	return o
}

// inOutage reports whether the session is in an outage.
func (h *Host) inOutage(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.outages[id] != nil
}

// endOutage forgets the session's outage and cancels the host's retry.
func (h *Host) endOutage(id string) {
	h.mu.Lock()
	o := h.outages[id]
	delete(h.outages, id)
	h.mu.Unlock()
	if o != nil && o.timer != nil {
		o.timer.Stop()
	}
}

// retryStart is the host's retry of a start that could not reach WhatsApp: it starts the session again unless
// someone acted on it meanwhile (stopped, logged out, deleted, started) or the host is shutting down.
func (h *Host) retryStart(tenantID, id, phone string) {
	ctx := h.hostCtx()
	if ctx.Err() != nil {
		return
	}
	s, err := h.cfg.Sessions.GetSession(ctx, tenantID, id)
	if isNotFound(err) || err == nil && s.Status != session.Connecting && s.Status != session.Reconnecting {
		h.endOutage(id)
		return
	}
	if err == nil {
		err = h.startWith(ctx, s, phone)
	}
	if err != nil {
		h.log.WarnContext(ctx, "session retry did not start; the next start command or host start tries again",
			"tenant_id", tenantID, "session_id", id, "error", err)
		h.endOutage(id)
	}
}

// noteOutage records that a running client cannot reach WhatsApp (it retries by itself) and notifies once.
func (h *Host) noteOutage(ctx context.Context, tenantID, id, reason string) error {
	h.mu.Lock()
	h.outageLocked(id, h.cfg.Now())
	h.mu.Unlock()
	return h.notifyOutage(ctx, tenantID, id, reason)
}

// notifyOutage raises session.unreachable once per outage (the notification rules tell the users who may read
// sessions). The signal's key derives from the session and the outage's start, so a repeat creates nothing.
func (h *Host) notifyOutage(ctx context.Context, tenantID, id, reason string) error {
	if h.cfg.Notifier == nil {
		return nil
	}
	h.mu.Lock()
	o := h.outages[id]
	if o == nil || o.notified {
		h.mu.Unlock()
		return nil
	}
	since := o.since
	h.mu.Unlock()
	err := h.cfg.Notifier.Raise(ctx, notification.Signal{Kind: notification.KindSessionUnreachable, TenantID: tenantID,
		SessionID: id, Key: "outage\x00" + id + "\x00" + strconv.FormatInt(since.UnixNano(), 10), Time: since,
		Unreachable: notification.UnreachableData{Reason: reason}})
	if err != nil {
		return fmt.Errorf("notify outage of %s: %w", id, err)
	}
	h.mu.Lock()
	if o := h.outages[id]; o != nil && o.since.Equal(since) {
		o.notified = true
	}
	h.mu.Unlock()
	return nil
}

// asUnreachable reports whether err is a connect that could not reach WhatsApp.
func asUnreachable(err error) (*session.UnreachableError, bool) {
	var ue *session.UnreachableError
	ok := errors.As(err, &ue)
	return ue, ok
}
