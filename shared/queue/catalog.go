package queue

import (
	"fmt"
	"time"
)

// Catalog lists every queue of WaQtor. Infra creates exactly these; standalone declares exactly these.
// Route target queues are named after their route target (see routing.Table).
var Catalog = []Spec{
	{Name: "audit", VisibilityTimeout: 30 * time.Second, MaxReceives: 5, DeadLetter: "audit-dlq", Retention: 4 * 24 * time.Hour},
	{Name: "audit-dlq", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},

	// The "webhooks" route's target: one message per event, fanned out to deliveries (webhook.Fanout). The
	// visibility timeout is twice the webhook-router function's timeout.
	{Name: "webhook-router", VisibilityTimeout: time.Minute, MaxReceives: 5, DeadLetter: "webhook-router-dlq", Retention: 4 * 24 * time.Hour},
	{Name: "webhook-router-dlq", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},

	// The "realtime" route's target (AWS only): one message per event on the live feed, posted by the ws-push
	// function to the tenant's subscribed WebSocket connections. A live frame is worth little after minutes, so
	// the retention is short (the resume window keeps 5 minutes); the visibility timeout is six times the
	// function's 10 s timeout.
	{Name: "realtime-push", VisibilityTimeout: time.Minute, MaxReceives: 5, DeadLetter: "realtime-push-dlq", Retention: time.Hour},
	{Name: "realtime-push-dlq", VisibilityTimeout: 30 * time.Second, Retention: 4 * 24 * time.Hour},
	// The "notifications" route's target (notification.Center). A rule that waits (a session disconnected past its
	// grace, a QR waiting for a scan) keeps the event's message as its pending check: it comes back when due
	// (queue.RetryAfter), so an event takes up to three receives; MaxReceives leaves room for failures on top.
	// The visibility timeout is twice the notifications function's timeout.
	{Name: "notifications", VisibilityTimeout: time.Minute, MaxReceives: 8, DeadLetter: "notifications-dlq", Retention: 4 * 24 * time.Hour},
	{Name: "notifications-dlq", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},

	// One message per delivery (webhook.Deliverer). The deliverer, not the queue, decides when a delivery has
	// failed for good: it records every attempt and marks the delivery failed when its retry policy says so, then
	// deletes the message. The queue only carries the message between attempts, so:
	//   - MaxReceives is the SQS maximum (1000), far above what a delivery needs: one receive per attempt (8 for
	//     the "long" schedule), at most one more per attempt to wait out a gap longer than the 12 h maximum
	//     visibility (none today: the longest gap is 10 h), one per crash, and the bounces of the per-endpoint
	//     concurrency limit, whose delay grows with the receive count (up to 5 min), so 1000 receives span about
	//     three days of a saturated endpoint. Only a message that never gets through in that time dead-letters
	//     (and the dead-letter queue's alarm fires).
	//   - The visibility timeout (6 min) is at least the webhook-deliver function's timeout (60 s), as SQS requires
	//     of an event source; it only matters when a deliverer dies mid-delivery, as every other outcome sets the
	//     message's next visibility itself (queue.RetryAfter).
	//   - Retention is the SQS maximum (14 days), so a deliverer outage of days loses nothing.
	{Name: "webhook-deliveries", VisibilityTimeout: 6 * time.Minute, MaxReceives: 1000, DeadLetter: "webhook-deliveries-dlq",
		Retention: 14 * 24 * time.Hour},
	{Name: "webhook-deliveries-dlq", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},

	// Sends for the session host: one message per outgoing WhatsApp message ({tenantId, sessionId, messageId}),
	// FIFO with the session as the group, so a session sends in order and one at a time (as whatsmeow does), and
	// deduplicated on the message ID. The visibility timeout outlasts whatsmeow's 75 s send timeout. A message
	// whose sends keep failing is marked failed by the host (it does not rely on the dead-letter queue).
	{Name: "session-sends.fifo", FIFO: true, VisibilityTimeout: 2 * time.Minute, MaxReceives: 10,
		DeadLetter: "session-sends-dlq.fifo", Retention: 4 * 24 * time.Hour},
	{Name: "session-sends-dlq.fifo", FIFO: true, VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},
	// Control commands for the session host (start, pair by code, look numbers up, mark read, logout, restart,
	// delete), FIFO per session so a session's commands apply in the order the API took them.
	{Name: "session-control.fifo", FIFO: true, VisibilityTimeout: time.Minute, MaxReceives: 5,
		DeadLetter: "session-control-dlq.fifo", Retention: 4 * 24 * time.Hour},
	{Name: "session-control-dlq.fifo", FIFO: true, VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},
}

// Lookup returns the spec with the given name.
func Lookup(name string) (Spec, error) {
	for _, s := range Catalog {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("%w: %q", ErrUnknownQueue, name)
}

// WithDefaults fills unset durations with the SQS defaults.
func (s Spec) WithDefaults() Spec {
	if s.VisibilityTimeout == 0 {
		s.VisibilityTimeout = 30 * time.Second
	}
	if s.Retention == 0 {
		s.Retention = 4 * 24 * time.Hour
	}
	return s
}
