package webhook

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/event"
)

// Name describes one webhook event name: the snake name receivers see and the internal event it comes from.
type Name struct {
	Name     string
	Internal string
	// Statuses, when set, limits a session.status event to these statuses.
	Statuses    []string
	Description string
}

// Test is the name of the event POST /api/webhooks/:id/test sends.
const Test = "webhook_test"

// disconnected are the session statuses that mean the WhatsApp client is not connected.
var disconnected = []string{"disconnected", "reconnecting", "logged_out", "banned", "replaced", "outdated", "stopped", "auth_failure"}

// Names is THE table from internal events to webhook event names: the seed's eight first, then additions.
var Names = []Name{
	{"message_received", event.MessageReceived, nil, "an incoming message"},
	{"message_sent", event.MessageSent, nil, "WhatsApp accepted an outgoing message"},
	{"campaign_executed", event.CampaignProgress, nil, "progress of a running campaign"},
	{"campaign_completed", event.CampaignCompleted, nil, "a campaign finished"},
	{"client_connected", event.SessionStatus, []string{"ready"}, "a session is connected and ready"},
	{"client_disconnected", event.SessionStatus, disconnected, "a session lost its connection"},
	{"smartbot_reply", event.SmartbotReply, nil, "SmartBot answered a message"},
	{"session_qr", event.SessionQR, nil, "a new QR code to scan"},
	{"message_delivered", event.MessageDelivered, nil, "an outgoing message reached the phone"},
	{"message_read", event.MessageRead, nil, "an outgoing message was read"},
	{"message_failed", event.MessageFailed, nil, "an outgoing message could not be sent"},
	{"campaign_paused", event.CampaignPaused, nil, "a campaign was paused"},
	{"campaign_failed", event.CampaignFailed, nil, "a campaign failed"},
	{"session_logged_out", event.SessionStatus, []string{"logged_out"}, "the phone unlinked the session"},
	{"session_status", event.SessionStatus, nil, "any change of a session's status"},
	{Test, "", nil, "a test delivery from POST /api/webhooks/{id}/test"},
}

// Reserved are the event names no feature publishes yet: campaigns and SmartBot are not built. Endpoints may
// subscribe to them (the names are kept for the seed's clients) but receive nothing under them.
var Reserved = []string{"campaign_executed", "campaign_completed", "smartbot_reply", "campaign_paused", "campaign_failed"}

// Wildcard subscribes to every event name.
const Wildcard = "*"

// ValidName reports whether s is a webhook event name or the wildcard.
func ValidName(s string) bool {
	return s == Wildcard || slices.ContainsFunc(Names, func(n Name) bool { return n.Name == s })
}

// NamesOf returns the webhook event names an internal event maps to (several for one session.status).
func NamesOf(e event.Envelope) []string {
	var status struct {
		Status string `json:"status"`
	}
	if e.Type == event.SessionStatus {
		_ = json.Unmarshal(e.Data, &status)
	}
	var out []string
	for _, n := range Names {
		if n.Internal == "" || n.Internal != e.Type {
			continue
		}
		if n.Statuses != nil && !slices.Contains(n.Statuses, status.Status) {
			continue
		}
		out = append(out, n.Name)
	}
	return out
}

// InternalTypes lists the internal event types any webhook name maps to (for the routing table).
func InternalTypes() []string {
	var out []string
	for _, n := range Names {
		if n.Internal != "" && !slices.Contains(out, n.Internal) {
			out = append(out, n.Internal)
		}
	}
	return out
}

// Wants reports whether the endpoint should receive the event under the name: enabled, subscribed to the name
// (or "*"), the session allowed, and the chat not filtered out.
func (w Webhook) Wants(name string, e event.Envelope) bool {
	if !w.Enabled {
		return false
	}
	if name != Test && !slices.Contains(w.Events, Wildcard) && !slices.Contains(w.Events, name) {
		return false
	}
	if name == Test {
		return true
	}
	if len(w.Sessions) > 0 && !slices.Contains(w.Sessions, e.SessionID) {
		return false
	}
	if w.IgnoreGroups || w.IgnoreBroadcast || w.IgnoreStatus {
		chat := chatOf(e.Data)
		switch {
		case w.IgnoreStatus && chat == "status@broadcast":
			return false
		case w.IgnoreBroadcast && strings.HasSuffix(chat, "@broadcast") && chat != "status@broadcast":
			return false
		case w.IgnoreGroups && (strings.HasSuffix(chat, "@g.us") || isGroup(e.Data)):
			return false
		}
	}
	return true
}

func chatOf(data json.RawMessage) string {
	var d struct {
		ChatID string `json:"chatId"`
		From   string `json:"from"`
		To     string `json:"to"`
	}
	_ = json.Unmarshal(data, &d)
	switch {
	case d.ChatID != "":
		return d.ChatID
	case d.From != "":
		return d.From
	}
	return d.To
}

func isGroup(data json.RawMessage) bool {
	var d struct {
		IsGroup bool `json:"isGroup"`
	}
	_ = json.Unmarshal(data, &d)
	return d.IsGroup
}

// Body is the JSON body of a delivery: the seed's {"event","timestamp","data"} plus eventId and sessionId.
type Body struct {
	Event     string          `json:"event"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
	EventID   string          `json:"eventId"`
	SessionID string          `json:"sessionId,omitempty"`
}

// Timestamp formats t as JavaScript's Date.toISOString does ("2025-10-30T19:30:00.000Z").
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
