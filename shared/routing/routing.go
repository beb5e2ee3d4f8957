// Package routing is THE routing table: which events go to which target. Infra turns every route into one
// EventBridge rule whose target is the SQS queue of the same name; standalone evaluates the same patterns in
// process (shared/eventbus) and enqueues into the same queues, except for the routes marked AWSOnly, whose work
// standalone does in process (Standalone). Nothing else decides where an event goes.
package routing

import (
	"encoding/json"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
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
	// AWSOnly marks a route only the AWS runtime has: standalone does in process what its consumer does, so its
	// event bus leaves it out (Standalone).
	AWSOnly bool
}

// Standalone is the table without the AWS-only routes: what the standalone event bus evaluates.
func Standalone() []Route {
	var out []Route
	for _, r := range Table {
		if !r.AWSOnly {
			out = append(out, r)
		}
	}
	return out
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
		Name: "realtime",
		Description: "events on the live feed (realtime.Types(), from realtime.Table) go to the push function, which " +
			"posts them to the tenant's subscribed WebSocket connections; standalone feeds its hub in process instead",
		Pattern: map[string]any{"detail-type": anys(realtime.Types())},
		Target:  "realtime-push",
		AWSOnly: true,
	},
	{
		Name: "notifications",
		Description: "events the notification rules look at go to the notification center, which creates the " +
			"tenant's users' notifications, and user.deleted, which deletes the user's (the list is " +
			"notification.Sources(); a test keeps the two equal)",
		Pattern: map[string]any{"detail-type": []any{event.UserDeleted, event.SessionStatus, event.WebhookFailing,
			event.WebhookRecovered}},
		Target: "notifications",
	},
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
