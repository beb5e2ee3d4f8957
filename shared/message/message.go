// Package message is the domain of WhatsApp messages a tenant's sessions send and receive: the stored record with
// its status timeline, chat ID normalisation, send-request validation, and the store port.
package message

import (
	"context"
	"encoding/json"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

// Direction of a message.
const (
	Outbound = "out"
	Inbound  = "in"
)

// Status of a message. Outgoing messages move pending → sent → delivered → read (→ played), or end failed;
// incoming messages are received (→ read once marked read).
type Status string

// Statuses.
const (
	Pending   Status = "pending"
	Sent      Status = "sent"
	Delivered Status = "delivered"
	Read      Status = "read"
	Played    Status = "played"
	Failed    Status = "failed"
	Received  Status = "received"
)

// Statuses lists every status.
var Statuses = []Status{Pending, Sent, Delivered, Read, Played, Failed, Received}

// Types lists every message type.
var Types = []string{"text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "poll",
	"reaction", "buttons", "list", "unknown"}

// Step is one entry of a message's status timeline.
type Step struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	Error  string    `json:"error,omitempty"`
}

// MediaInfo describes a message's media file, kept in the media store under Key.
type MediaInfo struct {
	Kind     session.MediaKind `json:"kind"`
	Mime     string            `json:"mime"`
	FileName string            `json:"fileName,omitempty"`
	Size     int64             `json:"size"`
	// Key is the media store key ("" while an incoming file is not downloaded yet).
	Key string `json:"-"`
	// URL is where an authenticated client fetches the file (set by the API when answering).
	URL string `json:"url,omitempty"`
}

// MediaURL is the API path that serves a message's media file to an authenticated client (events carry it too).
func MediaURL(messageID string) string { return "/api/messages/" + messageID + "/media" }

// Message is one stored message. (TenantID, SessionID, ID) is unique; ID is the WhatsApp message ID, which is
// also the API's messageId.
type Message struct {
	ID        string `json:"messageId"`
	TenantID  string `json:"tenantId"`
	SessionID string `json:"sessionId"`
	Direction string `json:"direction"`
	// ChatID is the canonical chat ID (digits@s.whatsapp.net, …@lid or …@g.us); Chat carries both forms.
	ChatID string          `json:"chatId"`
	Chat   session.Address `json:"chat"`
	// Sender wrote an incoming message (in groups a member; otherwise the chat's user).
	Sender   session.Address `json:"sender,omitzero"`
	PushName string          `json:"pushName,omitempty"`
	IsGroup  bool            `json:"isGroup"`
	// Type is text, image, video, audio, voice, document, sticker, location, contact, poll, reaction, buttons,
	// list or unknown.
	Type  string     `json:"type"`
	Body  string     `json:"body,omitempty"`
	Media *MediaInfo `json:"media,omitempty"`
	// Content is the whole outgoing request (session.Outgoing without media bytes), which the session host sends;
	// for incoming messages the decoded extras (location, poll, …).
	Content json.RawMessage `json:"content,omitempty"`
	// ReplyTo is the quoted message's ID.
	ReplyTo    string    `json:"replyTo,omitempty"`
	CampaignID string    `json:"campaignId,omitempty"`
	Status     Status    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Timeline   []Step    `json:"timeline"`
	Timestamp  time.Time `json:"timestamp"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

// Filter selects messages for List, newest first.
type Filter struct {
	SessionID string
	ChatID    string // canonical
	Direction string
	Status    Status
	Type      string
	From, To  time.Time // Timestamp range, inclusive From, exclusive To (zero: open)
	// Cursor continues a previous page (the Next of that page).
	Cursor string
	Limit  int
}

// Page is one page of List.
type Page struct {
	Messages []Message `json:"messages"`
	// Next is the cursor of the next page ("" on the last page).
	Next string `json:"next,omitempty"`
}

// Store keeps messages per tenant.
type Store interface {
	// CreateMessage stores m unless a message with its (tenant, session, ID) exists; created reports which.
	// Receiving is at-least-once, so a redelivered incoming message must not create a second record.
	CreateMessage(ctx context.Context, m Message) (created bool, err error)
	// GetMessage returns the tenant's message with that ID (ErrNotFound when none).
	GetMessage(ctx context.Context, tenantID, id string) (Message, error)
	// GetSessionMessage returns one session's message (receipts match on session and ID).
	GetSessionMessage(ctx context.Context, tenantID, sessionID, id string) (Message, error)
	// Apply records status st at `at` with Apply's rules (in a read-modify-write that cannot lose a concurrent
	// update) and returns the message as stored and whether anything changed.
	Apply(ctx context.Context, tenantID, sessionID, id string, st Status, at time.Time, errMsg string) (Message, bool, error)
	List(ctx context.Context, tenantID string, f Filter) (Page, error)
}

// ReceivedTime is the timestamp recorded for a message WhatsApp timestamped sent (whole seconds) that arrived at
// now. WaQtor times the messages it sends to the sub-second, so a reply timestamped within the second of the message
// it answers would sort before it; within WhatsApp's second the arrival order decides instead: the arrival time when
// it falls within that second, else the second's last millisecond (it arrived after everything WaQtor did in it).
// A timestamp with sub-seconds, or one later than now (clocks apart), is kept.
func ReceivedTime(sent, now time.Time) time.Time {
	if !sent.Equal(sent.Truncate(time.Second)) || now.Before(sent) {
		return sent.UTC()
	}
	if last := sent.Add(time.Second - time.Millisecond); now.After(last) {
		return last.UTC()
	}
	return now.UTC()
}
