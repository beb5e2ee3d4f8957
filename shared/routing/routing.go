// Package routing is THE routing table: which events go to which target. Infra turns every route into one
// EventBridge rule whose target is the SQS queue of the same name; standalone evaluates the same patterns in
// process (shared/eventbus) and enqueues into the same queues. Nothing else decides where an event goes.
package routing

import (
	"encoding/json"

	"github.com/waqtor/waqtor/shared/event"
)

// Route sends every event that matches Pattern to the queue named Target.
type Route struct {
	// Name is the rule name (unique, [a-z0-9-]).
	Name string
	// Description says why the route exists.
	Description string
	// Pattern is an EventBridge event pattern, matched against event.BusEvent.
	Pattern map[string]any
	// Target is a queue name from queue.Catalog; the consumer of that queue handles the event.
	Target string
}

// PatternJSON is the pattern as EventBridge wants it.
func (r Route) PatternJSON() string {
	b, err := json.Marshal(r.Pattern)
	if err != nil {
		panic("routing: pattern of " + r.Name + " is not JSON: " + err.Error())
	}
	return string(b)
}

// Table is every route. Add a route together with the consumer of its target queue.
var Table = []Route{
	{
		Name:        "audit",
		Description: "account changes (API keys, users, logins) go to the tenant's activity log",
		Pattern: map[string]any{
			"source":      []any{"waqtor.api"},
			"detail-type": []any{map[string]any{"prefix": "apikey."}, map[string]any{"prefix": "user."}},
		},
		Target: "audit",
	}, {
		Name: "webhooks",
		Description: "events a webhook can subscribe to go to the webhook router, which creates one delivery per " +
			"subscribed endpoint (the list is webhook.InternalTypes(); a test keeps the two equal)",
		Pattern: map[string]any{
			"detail-type": []any{
				event.MessageReceived, event.MessageSent, event.CampaignProgress, event.CampaignCompleted,
				event.SessionStatus, event.SmartbotReply, event.SessionQR, event.MessageDelivered,
				event.MessageRead, event.MessageFailed, event.CampaignPaused, event.CampaignFailed,
			},
		},
		Target: "webhook-router",
	}, {
		Name: "notifications",
		Description: "events the notification rules look at go to the notification center, which creates the " +
			"tenant's users' notifications (the list is notification.Sources(); a test keeps the two equal)",
		Pattern: map[string]any{"detail-type": []any{event.SessionStatus, event.WebhookFailing, event.WebhookRecovered}},
		Target:  "notifications",
	},
}
