package sessionrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// ReplyTTL is how long a lookup's answer is kept for the API to pick up.
const ReplyTTL = 10 * time.Minute

// HandleControl executes one session-control.fifo command.
func (h *Host) HandleControl(ctx context.Context, qm queue.Message) error {
	var c session.Control
	if err := json.Unmarshal(qm.Body, &c); err != nil {
		h.log.ErrorContext(ctx, "dropping a malformed control command", "error", err)
		return nil
	}
	log := h.log.With("tenant_id", c.TenantID, "session_id", c.SessionID, "command", c.Kind)
	if held, err := h.heldElsewhere(ctx, c.TenantID, c.SessionID); err != nil {
		return err
	} else if held {
		return queue.RetryAfter{Delay: bounceDelay} // left for the host that holds the session
	}
	if c.Kind == session.CmdDelete {
		return h.delete(ctx, c)
	}
	s, err := h.cfg.Sessions.GetSession(ctx, c.TenantID, c.SessionID)
	if isNotFound(err) {
		log.WarnContext(ctx, "command for a deleted session")
		if c.Kind == session.CmdLookup {
			return h.reply(ctx, c, nil, "the session was deleted")
		}
		return nil
	}
	if err != nil {
		return err
	}
	switch c.Kind {
	case session.CmdStart:
		return h.start(ctx, s)
	case session.CmdPairCode:
		if s.Account != nil && s.Account.DeviceJID != "" {
			log.WarnContext(ctx, "pair-code for a paired session ignored")
			return nil
		}
		return h.startWith(ctx, s, c.Phone)
	case session.CmdRestart:
		h.stop(s.ID)
		return h.start(ctx, s)
	case session.CmdStop:
		// Recorded before the stop releases the lease, so a host waiting for it sees the session stopped.
		_, err := h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.Stopped, Reason: "stopped through the API"})
		h.stop(s.ID)
		return err
	case session.CmdLogout:
		return h.logout(ctx, s)
	case session.CmdLookup:
		return h.lookup(ctx, c)
	case session.CmdMarkRead:
		return h.markRead(ctx, c)
	}
	log.ErrorContext(ctx, "dropping an unknown control command")
	return nil
}

func (h *Host) logout(ctx context.Context, s session.Session) error {
	l := h.get(s.ID)
	if l != nil && s.Account != nil {
		if err := l.client.Logout(ctx); err != nil {
			h.log.WarnContext(ctx, "logout from whatsapp failed; forgetting the device anyway", "session_id", s.ID, "error", err)
		}
	}
	h.stop(s.ID)
	_, err := h.setStatus(ctx, s.TenantID, s.ID, session.Change{Status: session.LoggedOut, Reason: "logged out through the API",
		ClearAccount: true})
	return err
}

// delete unlinks a deleted session's device from the phone and forgets its keys (the record is gone already),
// whether the session was running or not.
func (h *Host) delete(ctx context.Context, c session.Control) error {
	h.endOutage(c.SessionID)
	cli := session.Client(nil)
	if l := h.stop(c.SessionID); l != nil {
		cli = l.client
	} else if c.Device != "" {
		opened, err := h.cfg.Devices.Open(ctx, c.Device)
		if errors.Is(err, session.ErrDeviceNotFound) {
			return nil // logged out already
		}
		if err != nil {
			return err
		}
		opened.SetHandler(func(context.Context, session.Event) error { return nil })
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := opened.Connect(cctx); err != nil {
			h.log.WarnContext(ctx, "deleted session could not connect to log out; forgetting its keys", "session_id", c.SessionID, "error", err)
		}
		cli = opened
	}
	if cli == nil {
		return nil
	}
	defer cli.Disconnect()
	if _, ok := cli.Account(); ok {
		if err := cli.Logout(ctx); err != nil {
			h.log.WarnContext(ctx, "logout of a deleted session failed", "session_id", c.SessionID, "error", err)
		}
	}
	return nil
}

// lookup answers which numbers are on WhatsApp; the API waits for the reply.
func (h *Host) lookup(ctx context.Context, c session.Control) error {
	l := h.get(c.SessionID)
	if l == nil || h.statusOf(l) != session.Ready {
		return h.reply(ctx, c, nil, "the session is not connected")
	}
	res, err := l.client.Lookup(ctx, c.Phones)
	if err != nil {
		return h.reply(ctx, c, nil, err.Error())
	}
	return h.reply(ctx, c, res, "")
}

// LookupReply is the stored answer of a lookup.
type LookupReply struct {
	Results []session.NumberInfo `json:"results,omitempty"`
	Error   string               `json:"error,omitempty"`
}

func (h *Host) reply(ctx context.Context, c session.Control, res []session.NumberInfo, problem string) error {
	body, err := json.Marshal(LookupReply{Results: res, Error: problem})
	if err != nil {
		return err
	}
	return h.cfg.Sessions.PutReply(ctx, c.TenantID, c.RequestID, body, h.cfg.Now().Add(ReplyTTL))
}

// markRead sends read receipts and records the messages as read.
func (h *Host) markRead(ctx context.Context, c session.Control) error {
	l := h.get(c.SessionID)
	if l == nil || h.statusOf(l) != session.Ready {
		return queue.RetryAfter{Delay: 30 * time.Second, Err: errors.New("session not connected")}
	}
	now := h.cfg.Now()
	if err := l.client.MarkRead(ctx, c.Chat, c.Sender, c.IDs, now); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	for _, id := range c.IDs {
		if _, _, err := h.cfg.Messages.Apply(ctx, c.TenantID, c.SessionID, id, message.Read, now.UTC(), ""); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// sweep re-enqueues sends of messages still pending long after they were accepted: the API stores a message
// before enqueueing its send, and a crash between the two would otherwise leave it pending for ever. The queue
// deduplicates on the message ID and HandleSend skips what is no longer pending, so a sweep never sends twice.
func (h *Host) sweep(ctx context.Context) {
	h.mu.Lock()
	var ids [][2]string
	for _, l := range h.live {
		if l.status == session.Ready {
			ids = append(ids, [2]string{l.tenantID, l.id})
		}
	}
	h.mu.Unlock()
	cutoff := h.cfg.Now().Add(-h.cfg.SweepAfter)
	for _, ts := range ids {
		page, err := h.cfg.Messages.List(ctx, ts[0], message.Filter{SessionID: ts[1], Direction: message.Outbound,
			Status: message.Pending, To: cutoff, Limit: 100})
		if err != nil {
			h.log.WarnContext(ctx, "sweep pending sends", "session_id", ts[1], "error", err)
			continue
		}
		for i := len(page.Messages) - 1; i >= 0; i-- { // oldest first, as they were accepted
			m := page.Messages[i]
			if err := message.EnqueueSend(ctx, h.cfg.Queue, m); err != nil {
				h.log.WarnContext(ctx, "re-enqueue pending send", "message_id", m.ID, "error", err)
			}
		}
	}
}
