package realtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
)

// Client frame types.
const (
	TypeSubscribe   = "subscribe"
	TypeUnsubscribe = "unsubscribe"
	TypePing        = "ping"
)

// Server frame types.
const (
	TypeEvent  = "event"
	TypeAck    = "ack"
	TypePong   = "pong"
	TypeError  = "error"
	TypeResync = "resync"
)

// Limits of client frames.
const (
	// MaxFrameBytes is the largest client frame handled; a larger one gets a frame_too_large error.
	MaxFrameBytes = 4096
	// maxRef and maxID bound the echoed ref and the filter IDs.
	maxRef = 64
	maxID  = 128
)

// Error codes of error frames.
const (
	CodeMalformedJSON  = "malformed_json"  // the frame is not a JSON object
	CodeFrameTooLarge  = "frame_too_large" // over MaxFrameBytes
	CodeUnknownType    = "unknown_type"    // type is not subscribe, unsubscribe or ping
	CodeUnknownTopic   = "unknown_topic"   // a topic that does not exist
	CodeInvalidFrame   = "invalid_frame"   // a missing, unknown or malformed field
	CodeForbiddenTopic = "forbidden_topic" // the principal lacks the topic's scope
	CodeRateLimited    = "rate_limited"    // too many frames from this connection
)

// ClientFrame is a frame a client sends: subscribe, unsubscribe or ping.
type ClientFrame struct {
	Type string `json:"type"`
	// Ref is echoed in the ack, pong or error frame that answers this frame.
	Ref string `json:"ref,omitempty"`
	// Topics to subscribe to or unsubscribe from.
	Topics []Topic `json:"topics,omitempty"`
	// SessionID and CampaignID narrow a subscription to one session's or campaign's events.
	SessionID  string `json:"sessionId,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
	// LastID resumes a subscription: the id of the last event frame the client saw. The frames it missed on the
	// newly subscribed topics come first, or a resync frame when the recent window no longer reaches back to it.
	LastID string `json:"lastId,omitempty"`
	// TS is a ping's client timestamp (any number), echoed in the pong to measure the round trip.
	TS int64 `json:"ts,omitempty"`
}

// FrameError is a bad client frame: the code and message of the error frame that answers it.
type FrameError struct {
	Code    string
	Message string
	Ref     string
}

func (e *FrameError) Error() string { return e.Code + ": " + e.Message }

func frameErr(code, ref, format string, args ...any) *FrameError {
	return &FrameError{Code: code, Message: fmt.Sprintf(format, args...), Ref: ref}
}

// ParseClientFrame decodes and validates a client frame for principal p. A bad frame returns a *FrameError
// whose code names the problem; the caller answers it with an error frame and changes nothing.
func ParseClientFrame(raw []byte, p auth.Principal) (ClientFrame, error) {
	if len(raw) > MaxFrameBytes {
		return ClientFrame{}, frameErr(CodeFrameTooLarge, "", "the frame is %d bytes; the limit is %d", len(raw), MaxFrameBytes)
	}
	var f ClientFrame
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&f)
	if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
		err = errors.New("data after the JSON object")
	}
	if err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return ClientFrame{}, frameErr(CodeInvalidFrame, "", "%s must be a %s", typ.Field, jsonKind(typ.Field))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return ClientFrame{}, frameErr(CodeInvalidFrame, "", "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		case errors.As(err, &syn), errors.As(err, &typ), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return ClientFrame{}, frameErr(CodeMalformedJSON, "", "the frame must be one JSON object")
		default:
			return ClientFrame{}, frameErr(CodeMalformedJSON, "", "the frame must be one JSON object: %v", err)
		}
	}
	if len(f.Ref) > maxRef {
		return ClientFrame{}, frameErr(CodeInvalidFrame, "", "ref: at most %d characters", maxRef)
	}
	switch f.Type {
	case TypePing:
		if len(f.Topics) > 0 || f.SessionID != "" || f.CampaignID != "" || f.LastID != "" {
			return ClientFrame{}, frameErr(CodeInvalidFrame, f.Ref, "ping takes only ref and ts")
		}
		return f, nil
	case TypeSubscribe, TypeUnsubscribe:
	case "":
		return ClientFrame{}, frameErr(CodeInvalidFrame, f.Ref, "type is required: subscribe, unsubscribe or ping")
	default:
		return ClientFrame{}, frameErr(CodeUnknownType, f.Ref, "unknown type %q: want subscribe, unsubscribe or ping", f.Type)
	}
	if len(f.Topics) == 0 {
		return ClientFrame{}, frameErr(CodeInvalidFrame, f.Ref, "topics: at least one topic is required")
	}
	var unknown []string
	for _, t := range f.Topics {
		if !t.Valid() {
			unknown = append(unknown, string(t))
		}
	}
	if len(unknown) > 0 {
		return ClientFrame{}, frameErr(CodeUnknownTopic, f.Ref, "unknown topics %q: want some of %s", unknown, topicList())
	}
	slices.Sort(f.Topics)
	f.Topics = slices.Compact(f.Topics)
	if f.Type == TypeUnsubscribe {
		if f.SessionID != "" || f.CampaignID != "" || f.LastID != "" {
			return ClientFrame{}, frameErr(CodeInvalidFrame, f.Ref, "unsubscribe takes no filter or lastId: it drops the whole topic")
		}
		return f, nil
	}
	var bad []string
	if len(f.SessionID) > maxID {
		bad = append(bad, fmt.Sprintf("sessionId: at most %d characters", maxID))
	}
	if len(f.CampaignID) > maxID {
		bad = append(bad, fmt.Sprintf("campaignId: at most %d characters", maxID))
	}
	if f.LastID != "" && (!strings.HasPrefix(f.LastID, "evt_") || len(f.LastID) > maxID) {
		bad = append(bad, "lastId: must be the id of an event frame (evt_…)")
	}
	if f.SessionID != "" && slices.Contains(f.Topics, TopicNotifications) {
		bad = append(bad, "sessionId: notifications cannot be filtered by session")
	}
	if f.CampaignID != "" && slices.ContainsFunc(f.Topics, func(t Topic) bool { return t != TopicCampaigns && t != TopicMessages }) {
		bad = append(bad, "campaignId: only the campaigns and messages topics can be filtered by campaign")
	}
	if len(bad) > 0 {
		return ClientFrame{}, frameErr(CodeInvalidFrame, f.Ref, "%s", strings.Join(bad, "; "))
	}
	var forbidden []string
	for _, t := range f.Topics {
		if s := TopicScopes[t]; s != "" && !p.Can(s) {
			forbidden = append(forbidden, fmt.Sprintf("%s needs the %s scope", t, s))
		}
	}
	if len(forbidden) > 0 {
		return ClientFrame{}, frameErr(CodeForbiddenTopic, f.Ref, "%s", strings.Join(forbidden, "; "))
	}
	return f, nil
}

func jsonKind(field string) string {
	switch field {
	case "topics":
		return "list of strings"
	case "ts":
		return "number"
	}
	return "string"
}

func topicList() string {
	s := make([]string, len(Topics))
	for i, t := range Topics {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// Filter narrows one topic's subscription; empty fields match everything.
type Filter struct {
	SessionID  string `json:"sessionId,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
}

// Subscriptions are a connection's topics with their filters.
type Subscriptions map[Topic]Filter

// Apply applies a valid subscribe or unsubscribe frame. Subscribing to a topic again replaces its filter.
func (s Subscriptions) Apply(f ClientFrame) {
	for _, t := range f.Topics {
		switch f.Type {
		case TypeSubscribe:
			s[t] = Filter{SessionID: f.SessionID, CampaignID: f.CampaignID}
		case TypeUnsubscribe:
			delete(s, t)
		}
	}
}

// List returns the subscribed topics, sorted.
func (s Subscriptions) List() []Topic {
	out := make([]Topic, 0, len(s))
	for t := range s {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Item is an event ready for the feed: its frame encoded once, with what delivery decisions need.
type Item struct {
	TenantID   string
	Type       string
	ID         string
	Topic      Topic
	SessionID  string
	CampaignID string
	// UserID is a notification's addressee ("" = every user of the tenant).
	UserID string
	// CoalesceKey is set for event types whose pending frames a newer one replaces.
	CoalesceKey string
	// Frame is the encoded event frame.
	Frame []byte
}

// EventFrame is the server frame of one event: event and data are the envelope's type and data as published.
type EventFrame struct {
	Type      string          `json:"type"`
	Topic     Topic           `json:"topic"`
	Event     string          `json:"event"`
	ID        string          `json:"id"`
	Time      time.Time       `json:"time"`
	SessionID string          `json:"sessionId,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// NewItem turns an envelope into a feed item; ok is false when its type is not on the feed.
func NewItem(e event.Envelope) (it Item, ok bool, err error) {
	r, ok := RouteOf(e.Type)
	if !ok {
		return Item{}, false, nil
	}
	var ids struct {
		CampaignID string `json:"campaignId"`
		UserID     string `json:"userId"`
	}
	_ = json.Unmarshal(e.Data, &ids) // data that is not an object has no IDs to filter on
	frame, err := event.Marshal(EventFrame{Type: TypeEvent, Topic: r.Topic, Event: e.Type, ID: e.ID, Time: e.Time,
		SessionID: e.SessionID, Data: e.Data})
	if err != nil {
		return Item{}, false, fmt.Errorf("realtime: encode %s frame: %w", e.Type, err)
	}
	it = Item{TenantID: e.TenantID, Type: e.Type, ID: e.ID, Topic: r.Topic, SessionID: e.SessionID,
		CampaignID: ids.CampaignID, Frame: frame}
	if r.Topic == TopicNotifications {
		it.UserID = ids.UserID
	}
	if r.Coalesce {
		key := e.SessionID
		if r.Topic == TopicCampaigns {
			key = ids.CampaignID
		}
		it.CoalesceKey = e.Type + "/" + key
	}
	return it, true, nil
}

// Visible reports whether a connection of principal p with subscriptions subs gets item it: same tenant, a
// subscribed topic whose filter matches, the scopes the event type needs, and for notifications the right user.
func Visible(p auth.Principal, subs Subscriptions, it Item) bool {
	if it.TenantID != p.TenantID {
		return false
	}
	f, ok := subs[it.Topic]
	if !ok || !Allowed(p, it.Type) {
		return false
	}
	if f.SessionID != "" && f.SessionID != it.SessionID {
		return false
	}
	if f.CampaignID != "" && f.CampaignID != it.CampaignID {
		return false
	}
	return it.Topic != TopicNotifications || it.UserID == "" || it.UserID == p.UserID
}

// AckFrame answers a subscribe or unsubscribe: the connection's topics after it.
type AckFrame struct {
	Type   string  `json:"type"`
	Ref    string  `json:"ref,omitempty"`
	Op     string  `json:"op"`
	Topics []Topic `json:"topics"`
}

// PongFrame answers a ping, echoing its ts; time is the server's clock.
type PongFrame struct {
	Type string    `json:"type"`
	Ref  string    `json:"ref,omitempty"`
	TS   int64     `json:"ts,omitempty"`
	Time time.Time `json:"time"`
}

// ErrorFrame answers a bad frame. Nothing changed.
type ErrorFrame struct {
	Type    string `json:"type"`
	Ref     string `json:"ref,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ResyncFrame tells a resuming client that the frames after its lastId are no longer all available: it must
// reload its state through the REST API. Live frames follow it.
type ResyncFrame struct {
	Type   string `json:"type"`
	Reason string `json:"reason"`
}

// Close codes the server uses besides the protocol's own.
const (
	// CloseHeartbeatTimeout: no pong within the heartbeat timeout.
	CloseHeartbeatTimeout = 4000
	// CloseSlowConsumer: the connection's send queue overflowed; the client reads too slowly. Reconnect with lastId.
	CloseSlowConsumer = 4008
	// CloseRateLimited: the client kept sending frames far over the rate limit.
	CloseRateLimited = 4029
)
