package sessionrunner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// onEvent handles what a client reports. It runs before WhatsApp is acked: an error makes WhatsApp deliver the
// event again, so everything here is idempotent (stored records are keyed by WhatsApp IDs, event IDs are stable).
func (h *Host) onEvent(ctx context.Context, l *live, e session.Event) error {
	switch e := e.(type) {
	case session.StatusChanged:
		if h.get(l.id) != l {
			// A client the host stopped on purpose (shutdown, stop, restart, logout) reports Stopped: the host
			// records what it meant itself, and a shutdown must leave the status as it was so the next start resumes.
			return nil
		}
		if e.Status == session.Ready && h.holdReady(l) {
			return nil
		}
		c := session.Change{Status: e.Status, Reason: e.Reason}
		if !e.Until.IsZero() {
			u := e.Until
			c.Until = &u
		}
		if !e.NextRetryAt.IsZero() {
			n := e.NextRetryAt
			c.NextRetryAt = &n
		}
		if e.Status == session.LoggedOut {
			c.ClearAccount = true
		}
		if _, err := h.setStatus(ctx, l.tenantID, l.id, c); err != nil {
			return err
		}
		if e.Cause != "" { // the client cannot reach WhatsApp and retries by itself
			h.log.WarnContext(ctx, "session cannot reach WhatsApp; its client retries", "tenant_id", l.tenantID,
				"session_id", l.id, "cause", e.Cause, "reason", e.Reason, "retry_at", e.NextRetryAt)
			if err := h.noteOutage(ctx, l.tenantID, l.id, e.Reason); err != nil {
				h.log.WarnContext(ctx, "notify outage", "session_id", l.id, "error", err)
			}
		}
		if e.Status.Permanent() && e.Status != session.Stopped {
			go h.stopIfCurrent(l)
		}
		return nil
	case session.MessageReceived:
		return h.received(ctx, l, e)
	case session.ReceiptReceived:
		return h.receipt(ctx, l, e)
	case session.Undecryptable:
		h.log.WarnContext(ctx, "undecryptable message (WhatsApp asked the sender to send it again)",
			"session_id", l.id, "message_id", e.ID)
		return nil
	}
	return nil
}

// holdReady keeps Ready in memory only while the session's login has not reported the account yet; followLogin
// then records it with the account.
func (h *Host) holdReady(l *live) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !l.pairing {
		return false
	}
	l.status = session.Ready
	return true
}

// stopIfCurrent drops a client that reached a permanent status (its status is already recorded).
func (h *Host) stopIfCurrent(l *live) {
	h.mu.Lock()
	cur := h.live[l.id] == l
	if cur {
		delete(h.live, l.id)
	}
	h.mu.Unlock()
	if cur {
		h.end(l)
	}
}

// received stores an incoming message (downloading its media first) and publishes message.received.
func (h *Host) received(ctx context.Context, l *live, e session.MessageReceived) error {
	chatID := message.FormatChatID(e.Chat)
	m := message.Message{ID: e.ID, TenantID: l.tenantID, SessionID: l.id, Direction: message.Inbound,
		ChatID: chatID, Chat: e.Chat, Sender: e.Sender, PushName: e.PushName, IsGroup: e.Chat.Group != "",
		Type: e.Type, Body: e.Text, ReplyTo: e.ReplyTo, Timestamp: message.ReceivedTime(e.Time, h.cfg.Now()), Status: message.Received}
	if e.FromMe {
		m.Direction = message.Outbound
		m.Status = message.Sent
	}
	var content any
	switch {
	case e.Location != nil:
		content = e.Location
	case e.Contact != nil:
		content = e.Contact
	case e.Poll != nil:
		content = e.Poll
	case e.Reaction != nil:
		content = e.Reaction
	}
	if content != nil {
		raw, err := json.Marshal(content)
		if err != nil {
			return err
		}
		m.Content = raw
	}
	if e.Media != nil {
		m.Media = &message.MediaInfo{Kind: e.Media.Kind, Mime: e.Media.Mime, FileName: e.Media.FileName, Size: e.Media.Size}
		if m.Body == "" {
			m.Body = e.Media.Caption
		}
		if existing, err := h.cfg.Messages.GetSessionMessage(ctx, l.tenantID, l.id, e.ID); err == nil && existing.Media != nil && existing.Media.Key != "" {
			m.Media = existing.Media // a redelivery: the file is stored already
		} else if data, err := l.client.Download(ctx, *e.Media); err != nil {
			// An expired or broken file must not block the chat: the message is kept without its file.
			h.log.WarnContext(ctx, "media download failed", "session_id", l.id, "message_id", e.ID, "error", err)
		} else {
			key := mediaKey(l.id, e.ID)
			if err := h.cfg.Files.Put(ctx, l.tenantID, key, bytes.NewReader(data), int64(len(data)), e.Media.Mime); err != nil {
				return fmt.Errorf("store media: %w", err)
			}
			m.Media.Key, m.Media.Size = key, int64(len(data))
		}
	}
	m.Timeline = []message.Step{{Status: m.Status, At: m.Timestamp}}
	m.UpdatedAt = h.cfg.Now().UTC()
	if _, err := h.cfg.Messages.CreateMessage(ctx, m); err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	if err := h.publish(ctx, l.tenantID, l.id, event.MessageReceived, e.ID, ReceivedData(m)); err != nil {
		return err
	}
	h.mu.Lock()
	l.recv++
	h.mu.Unlock()
	return nil
}

// ReceivedData is the message.received payload of a stored incoming message.
func ReceivedData(m message.Message) event.MessageReceivedData {
	d := event.MessageReceivedData{From: SeedChatID(m.Chat), Body: m.Body, Timestamp: m.Timestamp.Unix(), MessageID: m.ID,
		IsGroup: m.IsGroup, ChatID: m.ChatID, Sender: event.User{Phone: m.Sender.Phone, LID: m.Sender.LID},
		PushName: m.PushName, Type: m.Type, FromMe: m.Direction == message.Outbound, ReplyTo: m.ReplyTo}
	if m.Media != nil {
		d.Media = &event.Media{Kind: string(m.Media.Kind), Mime: m.Media.Mime, FileName: m.Media.FileName, Size: m.Media.Size}
		if m.Media.Key != "" {
			d.Media.URL = message.MediaURL(m.ID)
		}
	}
	if len(m.Content) > 0 {
		d.Content = m.Content
	}
	return d
}

// SeedChatID writes a chat in the whatsapp-web.js form the seed's users know: "966501234567@c.us" for a user
// with a known phone number, the group or LID JID otherwise.
func SeedChatID(a session.Address) string {
	switch {
	case a.Group != "":
		return a.Group
	case a.Phone != "":
		return a.Phone + "@c.us"
	}
	return a.LID
}

// receipt applies a delivery or read receipt to each outgoing message it names and publishes the change.
func (h *Host) receipt(ctx context.Context, l *live, e session.ReceiptReceived) error {
	st := map[session.ReceiptKind]message.Status{session.Delivered: message.Delivered, session.Read: message.Read,
		session.Played: message.Played}[e.Kind]
	if st == "" {
		return nil
	}
	for _, id := range e.IDs {
		m, changed, err := h.cfg.Messages.Apply(ctx, l.tenantID, l.id, id, st, e.Time.UTC(), "")
		if err != nil {
			if isNotFound(err) {
				continue // a message sent from the phone itself, or one WaQtor does not know
			}
			return fmt.Errorf("apply receipt: %w", err)
		}
		if !changed || m.Status != st {
			continue
		}
		if err := h.publishStatus(ctx, m, st, e.Time); err != nil {
			return err
		}
	}
	return nil
}

// statusEvents maps a message status to its event type.
var statusEvents = map[message.Status]string{message.Sent: event.MessageSent, message.Delivered: event.MessageDelivered,
	message.Read: event.MessageRead, message.Played: event.MessageRead, message.Failed: event.MessageFailed}

func (h *Host) publishStatus(ctx context.Context, m message.Message, st message.Status, at time.Time) error {
	return h.publish(ctx, m.TenantID, m.SessionID, statusEvents[st], m.ID+"/"+string(st), MessageStatusData(m, st, at))
}

// MessageStatusData is the payload of message.sent, .delivered, .read and .failed for a stored outgoing message.
func MessageStatusData(m message.Message, st message.Status, at time.Time) event.MessageStatusData {
	d := event.MessageStatusData{To: SeedChatID(m.Chat), MessageID: m.ID, Timestamp: at.Unix(), Status: string(st),
		ChatID: m.ChatID, CampaignID: m.CampaignID}
	if st == message.Failed {
		d.Error = m.Error
	}
	return d
}

// stableID derives an event ID from what the event is about.
func stableID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "evt_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])[:26]
}

func mediaKey(sessionID, messageID string) string {
	return "in-" + sessionID + "-" + messageID
}
