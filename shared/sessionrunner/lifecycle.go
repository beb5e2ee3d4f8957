package sessionrunner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/session"
)

// start runs a session: a paired one connects, an unpaired one begins QR pairing (or code pairing when phone is
// set). A session already running is left as it is.
func (h *Host) start(ctx context.Context, s session.Session) error {
	return h.startWith(ctx, s, "")
}

func (h *Host) startWith(ctx context.Context, s session.Session, phone string) error {
	if h.get(s.ID) != nil {
		if phone == "" {
			return nil
		}
		h.stop(s.ID) // pairing by code replaces a QR login in progress
	}
	ls, err := h.acquire(ctx, s.TenantID, s.ID)
	if err != nil {
		return err
	}
	return h.run(ctx, s, phone, ls)
}

// run opens and connects (or pairs) the client of a session whose lease the host holds (ls, nil without Leases).
func (h *Host) run(ctx context.Context, s session.Session, phone string, ls *lease) error {
	var err error
	registered := false
	defer func() {
		if ls != nil && !registered {
			h.release(s.TenantID, s.ID, ls.token)
		}
	}()
	var cli session.Client
	paired := s.Account != nil && s.Account.DeviceJID != ""
	if paired {
		cli, err = h.cfg.Devices.Open(ctx, s.Account.DeviceJID)
		if errors.Is(err, session.ErrDeviceNotFound) {
			_, err = h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.LoggedOut,
				Reason: "the device's keys are gone; pair again", ClearAccount: true})
			return err
		}
	} else {
		cli, err = h.cfg.Devices.New(ctx)
	}
	if err != nil {
		return fmt.Errorf("open whatsapp client: %w", err)
	}
	lctx, cancel := context.WithCancel(h.hostCtx())
	l := &live{tenantID: s.TenantID, id: s.ID, client: cli, cancel: cancel, status: session.Connecting, pairing: !paired, lease: ls}
	h.mu.Lock()
	if h.live[s.ID] != nil {
		// Started meanwhile (a start command and the lease loop at once): that start holds the same lease.
		h.mu.Unlock()
		registered = true
		cancel()
		cli.Disconnect()
		return nil
	}
	h.live[s.ID] = l
	h.guard(l)
	h.mu.Unlock()
	registered = true
	cli.SetHandler(func(ctx context.Context, e session.Event) error { return h.onEvent(ctx, l, e) })

	if !h.inOutage(s.ID) { // a retry keeps the outage's reason and next attempt on record while it tries
		if _, err := h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.Connecting}); err != nil {
			h.stop(s.ID)
			return err
		}
	}
	if paired {
		if err := cli.Connect(lctx); err != nil {
			h.stop(s.ID)
			if ue, ok := asUnreachable(err); ok {
				return h.unreachable(ctx, s, "", true, ue)
			}
			_, serr := h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.Reconnecting, Reason: err.Error()})
			return errors.Join(fmt.Errorf("connect: %w", err), serr)
		}
		return nil
	}
	var updates <-chan session.LoginUpdate
	if phone != "" {
		var code string
		code, updates, err = cli.LoginCode(lctx, phone)
		if err == nil {
			_, err = h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.QR, PairingCode: code})
		}
	} else {
		updates, err = cli.LoginQR(lctx)
	}
	if err != nil {
		h.stop(s.ID)
		if ue, ok := asUnreachable(err); ok {
			return h.unreachable(ctx, s, phone, false, ue)
		}
		return fmt.Errorf("start pairing: %w", err)
	}
	go h.followLogin(l, updates)
	return nil
}

// followLogin records each QR code (and publishes session.qr) until the phone pairs or the login ends.
func (h *Host) followLogin(l *live, updates <-chan session.LoginUpdate) {
	ctx := context.WithoutCancel(h.hostCtx())
	for u := range updates {
		switch {
		case u.QR != "":
			exp := u.ExpiresAt
			if _, err := h.setStatus(ctx, l.tenantID, l.id, session.Change{Status: session.QR, QR: u.QR, QRExpiresAt: &exp,
				PairingCode: keepCode}); err != nil {
				h.log.Warn("record qr", "session_id", l.id, "error", err)
				continue
			}
			now := h.cfg.Now()
			h.publish(ctx, l.tenantID, l.id, event.SessionQR, "", event.SessionQRData{QR: u.QR, Timestamp: now.Unix(), ExpiresAt: exp.Unix()})
		case u.Paired != nil:
			acct := *u.Paired
			h.mu.Lock()
			l.pairing = false
			st := l.status // Ready, held since the client reported it, or still Connecting
			h.mu.Unlock()
			if _, err := h.setStatus(ctx, l.tenantID, l.id, session.Change{Status: st, Account: &acct}); err != nil {
				h.log.Error("record pairing", "session_id", l.id, "error", err)
			}
			h.log.Info("session paired", "tenant_id", l.tenantID, "session_id", l.id)
		case u.Err != nil:
			if h.get(l.id) != l {
				return // stopped or replaced on purpose
			}
			reason := u.Err.Error()
			if errors.Is(u.Err, session.ErrLoginTimeout) {
				reason = "no phone scanned the QR code in time; restart the session for a new one"
			}
			// Recorded before the stop releases the lease, so a host waiting for it sees the session stopped.
			if _, err := h.setStatus(ctx, l.tenantID, l.id, session.Change{Status: session.Stopped, Reason: reason}); err != nil {
				h.log.Warn("record login end", "session_id", l.id, "error", err)
			}
			h.stop(l.id)
		}
	}
}

// keepCode marks a Change that leaves the stored pairing code as it is (a QR rotation during code pairing).
const keepCode = "\x00keep"

func (h *Host) statusOf(l *live) session.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return l.status
}

// setStatus records a status change and publishes session.status.
func (h *Host) setStatus(ctx context.Context, tenantID, id string, c session.Change) (session.Session, error) {
	if c.Status != session.QR {
		c.QR, c.QRExpiresAt = "", nil
	}
	if c.PairingCode == keepCode {
		cur, err := h.cfg.Sessions.GetSession(ctx, tenantID, id)
		if err != nil {
			return session.Session{}, err
		}
		c.PairingCode = cur.PairingCode
	}
	now := h.cfg.Now()
	s, err := h.cfg.Sessions.UpdateStatus(ctx, tenantID, id, c, now)
	if err != nil {
		return session.Session{}, fmt.Errorf("record status %s: %w", c.Status, err)
	}
	if c.Status == session.Ready || c.Status == session.QR || c.Status.Permanent() {
		h.endOutage(id) // it reached WhatsApp, or someone acted on it
	}
	h.mu.Lock()
	if l := h.live[id]; l != nil {
		l.status = c.Status
	}
	h.mu.Unlock()
	return s, h.publish(ctx, tenantID, id, event.SessionStatus, "", StatusData(s, now))
}

// StatusData is the session.status payload of a session as stored at `at`.
func StatusData(s session.Session, at time.Time) event.SessionStatusData {
	d := event.SessionStatusData{Status: string(s.Status), State: s.Status.Seed(), Reason: s.Reason, Timestamp: at.Unix()}
	if s.Until != nil {
		d.Until = s.Until.Unix()
	}
	if s.NextRetryAt != nil {
		d.NextRetryAt = s.NextRetryAt.Unix()
	}
	if s.Account != nil {
		d.ClientInfo = &event.ClientInfo{Platform: s.Account.Platform, PhoneNumber: s.Account.Phone, Name: s.Account.PushName, LID: s.Account.LID}
	}
	return d
}

// publish publishes one event. key, when set, makes the event ID a function of it, so an event published again
// for the same fact (a redelivered message, a repeated receipt) carries the same ID and consumers drop it.
func (h *Host) publish(ctx context.Context, tenantID, sessionID, typ, key string, data any) error {
	e, err := event.New(Source, typ, tenantID, h.cfg.Now(), data)
	if err != nil {
		return err
	}
	e.SessionID = sessionID
	if key != "" {
		e.ID = stableID(tenantID, sessionID, typ, key)
	}
	if err := event.PublishRetry(ctx, h.cfg.Events, e); err != nil {
		return fmt.Errorf("publish %s: %w", typ, err)
	}
	return nil
}

// Pace between publishes of stats: only sessions whose counters moved.
func (h *Host) publishStats(ctx context.Context) {
	type due struct {
		tenantID, id string
		sent, recv   int64
	}
	var list []due
	h.mu.Lock()
	for _, l := range h.live {
		if l.sent != l.reported[0] || l.recv != l.reported[1] {
			list = append(list, due{l.tenantID, l.id, l.sent, l.recv})
			l.reported = [2]int64{l.sent, l.recv}
		}
	}
	h.mu.Unlock()
	now := h.cfg.Now()
	for _, d := range list {
		if err := h.publish(ctx, d.tenantID, d.id, event.SessionStats, "", event.SessionStatsData{Sent: d.sent, Received: d.recv, Timestamp: now.Unix()}); err != nil {
			h.log.Warn("publish stats", "session_id", d.id, "error", err)
		}
	}
}
