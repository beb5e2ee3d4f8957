package message

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// Files is the part of the media store the message service needs: outgoing media are stored before the send is
// queued, so the queue carries only IDs.
type Files interface {
	Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mime string) error
}

// Service accepts messages to send and answers questions about stored ones.
type Service struct {
	Messages Store
	Sessions session.Store
	Queue    queue.Queue
	Files    Files
	Now      func() time.Time
	Log      *slog.Logger
	// Gate decides premium features (plan.Service): polls, buttons and lists need plan.Interactive. Nil: no gating.
	Gate FeatureGate
}

// FeatureGate says whether a tenant may use a premium feature.
type FeatureGate interface {
	Require(ctx context.Context, tenantID string, f plan.Feature) error
}

// InteractiveTypes are the message types of the premium feature plan.Interactive.
var InteractiveTypes = []string{"poll", "buttons", "list"}

// Allowed answers feature_locked (plan.LockedError) when messages of type typ are a premium feature the tenant
// has not unlocked, else nil. Send checks it; the API asks it first, so a locked tenant learns that before any
// field error.
func (s *Service) Allowed(ctx context.Context, tenantID, typ string) error {
	if s == nil || s.Gate == nil || !slices.Contains(InteractiveTypes, typ) {
		return nil
	}
	return s.Gate.Require(ctx, tenantID, plan.Interactive)
}

// Request is one message to send.
type Request struct {
	// SessionID picks the sending session ("" for the tenant's default session).
	SessionID string
	// ChatID names the recipient in any form ParseChatID accepts.
	ChatID string
	Out    session.Outgoing
	// CampaignID ties the message to a campaign.
	CampaignID string
}

// NewID allocates a WhatsApp message ID in the form WhatsApp Web uses ("3EB0" and 18 hex digits).
func NewID() string {
	b := make([]byte, 9)
	rand.Read(b)
	return "3EB0" + strings.ToUpper(hex.EncodeToString(b))
}

// Send validates r (Check, and a media file against WhatsApp's limits), stores the message as pending under a new
// WhatsApp message ID, and queues its send. The session host sends it and records what follows (sent, delivered,
// read or failed). Every send goes through here, whatever its origin, so every one gets the same content rules.
func (s *Service) Send(ctx context.Context, tenantID string, r Request) (Message, error) {
	// The gate first: a locked feature is said before the content's field errors.
	typ, body, err := describe(r.Out)
	if err != nil {
		return Message{}, err
	}
	if err := s.Allowed(ctx, tenantID, typ); err != nil {
		return Message{}, err
	}
	if err := Check(r); err != nil {
		return Message{}, err
	}
	if r.Out.Media != nil {
		_, size := r.Out.Media.Reader()
		if err := media.Check(r.Out.Media.Kind, r.Out.Media.Mime, size); err != nil {
			return Message{}, err
		}
	}
	addr, chatID, err := ParseChatID(r.ChatID)
	if err != nil {
		return Message{}, err
	}
	sess, err := s.session(ctx, tenantID, r.SessionID)
	if err != nil {
		return Message{}, err
	}
	switch sess.Status {
	case session.LoggedOut, session.Replaced, session.Outdated:
		return Message{}, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("session %s is %s: pair it again before sending", sess.ID, sess.Status)}
	}
	now := s.Now().UTC()
	m := Message{ID: NewID(), TenantID: tenantID, SessionID: sess.ID, Direction: Outbound, ChatID: chatID, Chat: addr,
		IsGroup: addr.Group != "", Type: typ, Body: body, CampaignID: r.CampaignID, Status: Pending,
		Timeline: []Step{{Status: Pending, At: now}}, Timestamp: now, UpdatedAt: now}
	out := r.Out
	normalize(&out)
	if out.ReplyTo != nil {
		m.ReplyTo = out.ReplyTo.ID
		// WhatsApp shows a quote with its author and text: take them from the stored message of this session.
		q := *out.ReplyTo
		if quoted, err := s.Messages.GetSessionMessage(ctx, tenantID, sess.ID, q.ID); err == nil {
			q.FromMe = quoted.Direction == Outbound
			q.Sender = quoted.Sender
			q.Text = quoted.Body
		}
		out.ReplyTo = &q
	}
	if out.Reaction != nil {
		// A reaction names the message's author; an own message is "from me".
		react := *out.Reaction
		if target, err := s.Messages.GetSessionMessage(ctx, tenantID, sess.ID, react.MessageID); err == nil {
			react.FromMe = target.Direction == Outbound
			react.Sender = target.Sender
		}
		out.Reaction = &react
	}
	out.ID = m.ID
	if out.Media != nil && s.Files == nil {
		return Message{}, &apperr.Error{Code: apperr.ServiceUnavailable, Message: "media storage is not configured on this server"}
	}
	if out.Media != nil {
		key := "out-" + sess.ID + "-" + m.ID
		body, size := out.Media.Reader()
		if err := s.Files.Put(ctx, tenantID, key, body, size, out.Media.Mime); err != nil {
			return Message{}, fmt.Errorf("store media: %w", err)
		}
		m.Media = &MediaInfo{Kind: out.Media.Kind, Mime: out.Media.Mime, FileName: out.Media.FileName,
			Size: size, Key: key}
	}
	m.Content, err = json.Marshal(out)
	if err != nil {
		return Message{}, err
	}
	if _, err := s.Messages.CreateMessage(ctx, m); err != nil {
		return Message{}, err
	}
	if err := EnqueueSend(ctx, s.Queue, m); err != nil {
		// The message is stored: the host's sweep re-enqueues pending messages, so it still goes out (late),
		// and answering an error would make the caller send it a second time.
		s.Log.ErrorContext(ctx, "enqueue send failed; the sweep will pick the message up", "message_id", m.ID, "error", err)
	}
	return m, nil
}

func (s *Service) session(ctx context.Context, tenantID, id string) (session.Session, error) {
	if id == "" || id == "default" {
		sess, err := s.Sessions.DefaultSession(ctx, tenantID)
		if errors.Is(err, session.ErrNotFound) {
			return sess, &apperr.Error{Code: apperr.Conflict, Message: "the tenant has no WhatsApp session yet: create one with POST /api/sessions"}
		}
		return sess, err
	}
	return s.Sessions.GetSession(ctx, tenantID, id)
}

// describe returns a message's type and the text that stands for it in lists and events.
func describe(o session.Outgoing) (typ, body string, err error) {
	n := 0
	for _, set := range []bool{o.Text != "" && o.Media == nil, o.Media != nil, o.Poll != nil, o.Location != nil,
		o.Contact != nil, o.Reaction != nil, o.Buttons != nil, o.List != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", "", &apperr.Error{Code: apperr.Validation, Message: "a message has exactly one content"}
	}
	switch {
	case o.Media != nil:
		return string(o.Media.Kind), o.Media.Caption, nil
	case o.Poll != nil:
		return "poll", o.Poll.Question, nil
	case o.Location != nil:
		return "location", o.Location.Name, nil
	case o.Contact != nil:
		return "contact", o.Contact.Name, nil
	case o.Reaction != nil:
		return "reaction", o.Reaction.Emoji, nil
	case o.Buttons != nil:
		return "buttons", o.Buttons.Text, nil
	case o.List != nil:
		return "list", o.List.Text, nil
	}
	return "text", o.Text, nil
}

// EnqueueSend queues the send of a stored pending message (FIFO per session, deduplicated on the message ID).
func EnqueueSend(ctx context.Context, q queue.Queue, m Message) error {
	body, err := json.Marshal(session.Send{TenantID: m.TenantID, SessionID: m.SessionID, MessageID: m.ID})
	if err != nil {
		return err
	}
	return q.Send(ctx, session.SendsQueue, queue.Outgoing{Body: body, GroupID: m.SessionID, DedupID: m.ID})
}

// MaxMarkRead is the most message IDs one MarkRead takes.
const MaxMarkRead = 100

// MarkRead queues read receipts for 1 to MaxMarkRead incoming messages of a chat and returns the IDs queued.
func (s *Service) MarkRead(ctx context.Context, tenantID, sessionID, chatID string, ids []string) ([]string, error) {
	if len(ids) == 0 || len(ids) > MaxMarkRead {
		return nil, apperr.Field("messageIds", fmt.Sprintf("must list 1 to %d message IDs", MaxMarkRead))
	}
	sess, err := s.session(ctx, tenantID, sessionID)
	if err != nil {
		return nil, err
	}
	chat, _, err := ParseChatID(chatID)
	if err != nil {
		return nil, err
	}
	c := session.Control{Kind: session.CmdMarkRead, TenantID: tenantID, SessionID: sess.ID, Chat: chat, IDs: ids}
	if chat.Group != "" {
		// In groups a receipt names the member who wrote the message: take it from the stored message.
		if m, err := s.Messages.GetSessionMessage(ctx, tenantID, sess.ID, ids[0]); err == nil {
			c.Sender = m.Sender
		}
	}
	body, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := s.Queue.Send(ctx, session.ControlQueue, queue.Outgoing{Body: body, GroupID: sess.ID, DedupID: NewID()}); err != nil {
		return nil, err
	}
	return ids, nil
}
