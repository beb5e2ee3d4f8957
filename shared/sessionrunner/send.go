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

// MaxSendReceives is how many times a send command is tried before its message is marked failed; it is one less
// than the queue's MaxReceives, so the host, not the dead-letter queue, ends a message that cannot be sent.
var MaxSendReceives = mustSpec(session.SendsQueue).MaxReceives - 1

func mustSpec(name string) queue.Spec {
	s, err := queue.Lookup(name)
	if err != nil {
		panic(err)
	}
	return s
}

// HandleSend sends one stored pending message (a session-sends.fifo message). A message that is no longer
// pending was handled already (a redelivered command) and is dropped, so a message goes out at most once per
// stored state; a crash between WhatsApp's ack and recording it resends under the same WhatsApp message ID,
// which recipients deduplicate.
func (h *Host) HandleSend(ctx context.Context, qm queue.Message) error {
	var cmd session.Send
	if err := json.Unmarshal(qm.Body, &cmd); err != nil {
		h.log.ErrorContext(ctx, "dropping a malformed send command", "error", err)
		return nil
	}
	m, err := h.cfg.Messages.GetSessionMessage(ctx, cmd.TenantID, cmd.SessionID, cmd.MessageID)
	if isNotFound(err) {
		h.log.WarnContext(ctx, "send command for an unknown message", "session_id", cmd.SessionID, "message_id", cmd.MessageID)
		return nil
	}
	if err != nil {
		return err
	}
	if m.Status != message.Pending {
		return nil
	}
	last := qm.ReceiveCount >= MaxSendReceives
	l := h.get(cmd.SessionID)
	if l != nil && l.lease != nil && h.statusOf(l) != session.Ready && h.cfg.Now().Sub(l.lease.acquired) < time.Minute {
		h.awaitReady(ctx, l) // a session this host just took over is connecting: its sends go out once it is ready
	}
	if l == nil || h.statusOf(l) != session.Ready {
		if held, err := h.heldElsewhere(ctx, cmd.TenantID, cmd.SessionID); err != nil {
			return err
		} else if held {
			return queue.RetryAfter{Delay: bounceDelay} // the holder sends it
		}
		s, err := h.cfg.Sessions.GetSession(ctx, cmd.TenantID, cmd.SessionID)
		switch {
		case isNotFound(err):
			return h.fail(ctx, m, "the session was deleted")
		case err != nil:
			return err
		case s.Status == session.LoggedOut || s.Status == session.Replaced || s.Status == session.Outdated:
			return h.fail(ctx, m, "the session is "+string(s.Status))
		case last:
			return h.fail(ctx, m, "the session was not connected in time (status "+string(s.Status)+")")
		}
		return queue.RetryAfter{Delay: notReadyDelay(qm.ReceiveCount)}
	}
	out, closeMedia, err := h.outgoing(ctx, m)
	if err != nil {
		return h.fail(ctx, m, err.Error())
	}
	if err := h.fence(ctx, l); errors.Is(err, session.ErrLeaseLost) {
		// Not this host's session any more (it is disconnected now): the holder sends it.
		return queue.RetryAfter{Delay: bounceDelay, Err: fmt.Errorf("lease check before sending: %w", err)}
	} else if err != nil {
		// The lease could not be read: the consumer's backoff, which grows, spares the message's receives.
		return fmt.Errorf("lease check before sending: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, h.cfg.SendTimeout)
	sent, err := l.client.Send(sctx, m.Chat, out)
	cancel()
	closeMedia()
	switch {
	case err == nil:
	case errors.Is(err, session.ErrNotOnWhatsApp):
		return h.fail(ctx, m, "the recipient is not on WhatsApp")
	case last:
		return h.fail(ctx, m, err.Error())
	default:
		h.log.WarnContext(ctx, "send failed, will retry", "session_id", m.SessionID, "message_id", m.ID,
			"receive", qm.ReceiveCount, "error", err)
		return queue.RetryAfter{Delay: notReadyDelay(qm.ReceiveCount), Err: err}
	}
	at := sent.ServerTime
	if at.IsZero() {
		at = h.cfg.Now()
	}
	m, changed, err := h.cfg.Messages.Apply(ctx, m.TenantID, m.SessionID, m.ID, message.Sent, at.UTC(), "")
	if err != nil {
		return fmt.Errorf("record sent: %w", err)
	}
	h.mu.Lock()
	l.sent++
	h.mu.Unlock()
	if changed {
		return h.publishStatus(ctx, m, message.Sent, at)
	}
	return nil
}

// readyWait bounds how long a send waits in the handler for its session to finish connecting on this host.
const readyWait = 10 * time.Second

// awaitReady waits up to readyWait while a live session this host acquired in the last minute is connecting or
// reconnecting: a host that took a session over connects it within moments, and sending then is better than
// backing the command off for a delay that grows with its receive count, which bounces between hosts have raised.
func (h *Host) awaitReady(ctx context.Context, l *live) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(readyWait)
	defer deadline.Stop()
	for {
		switch h.statusOf(l) {
		case session.Connecting, session.Reconnecting:
		default:
			return
		}
		if h.get(l.id) != l {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// notReadyDelay backs off while a session is not ready: 5 s doubling to 5 minutes, so the nine tries span about
// 15 minutes before the message fails.
func notReadyDelay(receives int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < receives && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}

// outgoing rebuilds what to send from the stored message. Its media file streams from the media store (never held
// in memory whole); the caller calls done once the send is over.
func (h *Host) outgoing(ctx context.Context, m message.Message) (out session.Outgoing, done func(), err error) {
	done = func() {}
	if err := json.Unmarshal(m.Content, &out); err != nil {
		return out, done, fmt.Errorf("stored message content: %w", err)
	}
	out.ID = m.ID
	if out.Media != nil {
		if m.Media == nil || m.Media.Key == "" {
			return out, done, errors.New("the message's media file is missing")
		}
		rc, info, err := h.cfg.Files.Open(ctx, m.TenantID, m.Media.Key)
		if err != nil {
			return out, done, fmt.Errorf("read media: %w", err)
		}
		out.Media.Body, out.Media.Size = rc, info.Size
		done = func() { rc.Close() }
	}
	return out, done, nil
}

// fail marks a message failed and publishes message.failed.
func (h *Host) fail(ctx context.Context, m message.Message, reason string) error {
	now := h.cfg.Now().UTC()
	m, changed, err := h.cfg.Messages.Apply(ctx, m.TenantID, m.SessionID, m.ID, message.Failed, now, reason)
	if err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	if changed {
		return h.publishStatus(ctx, m, message.Failed, now)
	}
	return nil
}

func isNotFound(err error) bool {
	return errors.Is(err, message.ErrNotFound) || errors.Is(err, session.ErrNotFound)
}
