// Package realtime is the live feed's domain: the WebSocket protocol (client and server frames, their validation),
// THE table that maps event types to topics, the scope each topic needs, and the single-use connect tickets.
// It imports no adapter; the standalone hub (shared/wshub) and the AWS push path use it alike.
package realtime

import (
	"slices"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
)

// Topic is a channel a client subscribes to. Topics mirror the seed's Socket.IO namespaces.
type Topic string

const (
	// TopicStatus: session QR codes, statuses and counters (the seed's /status namespace).
	TopicStatus Topic = "status"
	// TopicMessages: incoming messages and the status changes of outgoing ones.
	TopicMessages Topic = "messages"
	// TopicCampaigns: campaign progress and outcomes (the seed's /campaigns namespace).
	TopicCampaigns Topic = "campaigns"
	// TopicSmartbot: SmartBot replies and rule changes (the seed's /smartbot namespace).
	TopicSmartbot Topic = "smartbot"
	// TopicNotifications: the caller's notifications (the notification center).
	TopicNotifications Topic = "notifications"
)

// Topics lists every topic.
var Topics = []Topic{TopicStatus, TopicMessages, TopicCampaigns, TopicSmartbot, TopicNotifications}

// Valid reports whether t is a known topic.
func (t Topic) Valid() bool { return slices.Contains(Topics, t) }

// TopicScopes is the scope a principal needs to subscribe to each topic ("" = any authenticated principal). They
// are the read scopes of the matching REST resources, so the feed never shows what GET would refuse.
// Notifications need no scope (as GET /api/notifications), but a connection gets only the notifications addressed
// to its user or to the whole tenant.
var TopicScopes = map[Topic]auth.Scope{
	TopicStatus:        auth.ScopeSessionsRead,
	TopicMessages:      auth.ScopeMessagesRead,
	TopicCampaigns:     auth.ScopeCampaignsRead,
	TopicSmartbot:      auth.ScopeSmartbotRead,
	TopicNotifications: "",
}

// Route is where one event type goes on the live feed.
type Route struct {
	// Topic is the topic its frames are published on; "" means the event is not on the live feed (Reason says why).
	Topic Topic
	// Scope, when set, is needed on top of the topic's scope to receive this event type.
	Scope auth.Scope
	// Coalesce marks periodic snapshots where only the latest matters: a connection's send queue keeps one
	// pending frame per type and key (CoalesceKey), the newest.
	Coalesce bool
	// Reason documents an event type left off the feed.
	Reason string
}

// Table is THE mapping from event types to topics, shared by both runtimes. Every type of event.Catalog has an
// entry (a test fails otherwise), so a new event type needs a decision here.
var Table = map[string]Route{
	// The QR code lets whoever sees it link a phone to the account: it needs sessions:write, as
	// GET /api/sessions/{id}/qr does.
	event.SessionQR:     {Topic: TopicStatus, Scope: auth.ScopeSessionsWrite},
	event.SessionStatus: {Topic: TopicStatus},
	event.SessionStats:  {Topic: TopicStatus, Coalesce: true},

	event.MessageReceived:  {Topic: TopicMessages},
	event.MessageSent:      {Topic: TopicMessages},
	event.MessageDelivered: {Topic: TopicMessages},
	event.MessageRead:      {Topic: TopicMessages},
	event.MessageFailed:    {Topic: TopicMessages},

	event.CampaignProgress:  {Topic: TopicCampaigns, Coalesce: true},
	event.CampaignCompleted: {Topic: TopicCampaigns},
	event.CampaignPaused:    {Topic: TopicCampaigns},
	event.CampaignFailed:    {Topic: TopicCampaigns},

	event.SmartbotReply:       {Topic: TopicSmartbot},
	event.SmartbotRuleUpdated: {Topic: TopicSmartbot},

	event.NotificationCreated: {Topic: TopicNotifications},

	event.WebhookFailing:   {Reason: "endpoint health: turned into notifications (notification.Rules), which are on the feed"},
	event.WebhookRecovered: {Reason: "endpoint health: turned into notifications (notification.Rules), which are on the feed"},

	event.APIKeyCreated: {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
	event.APIKeyRevoked: {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
	event.UserCreated:   {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
	event.UserUpdated:   {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
	event.UserDeleted:   {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
	event.UserLoggedIn:  {Reason: "account change: in the activity log (GET /api/activity), not on the live feed"},
}

// RouteOf returns the live-feed route of an event type; ok is false for a type not on the feed (or unknown).
func RouteOf(eventType string) (Route, bool) {
	r, found := Table[eventType]
	return r, found && r.Topic != ""
}

// Types lists the event types on the live feed, sorted: the detail-type list of the AWS push rule.
func Types() []string {
	var out []string
	for t, r := range Table {
		if r.Topic != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Allowed reports whether principal p may receive frames of event type typ: the type is on the feed, p holds its
// topic's scope and the type's extra scope.
func Allowed(p auth.Principal, typ string) bool {
	r, ok := RouteOf(typ)
	if !ok {
		return false
	}
	if s := TopicScopes[r.Topic]; s != "" && !p.Can(s) {
		return false
	}
	return r.Scope == "" || p.Can(r.Scope)
}
