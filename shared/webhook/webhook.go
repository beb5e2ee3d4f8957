// Package webhook is WaQtor's outbound webhooks: endpoints a tenant registers, the events they receive, how each
// delivery is signed, retried for days, logged and replayed, and the SSRF guard every request passes.
//
// Flow (both runtimes): the "webhooks" route sends mappable events to the webhook-router queue; the router
// handler (Fanout) creates one Delivery per matching endpoint, idempotent on (webhook, event), and enqueues it on
// the webhook-deliveries queue; the deliverer (Deliver) sends it, records the Attempt and schedules the next try.
package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Webhook is one endpoint of a tenant.
type Webhook struct {
	ID          string `json:"id"`
	TenantID    string `json:"tenantId"`
	URL         string `json:"url"`
	Description string `json:"description"`
	// Events are webhook event names (see Names) or "*" for all.
	Events []string `json:"events"`
	// Sessions limits deliveries to events of these session IDs (empty: every session).
	Sessions []string `json:"sessions"`
	// IgnoreGroups, IgnoreBroadcast and IgnoreStatus drop message events of group chats (@g.us), broadcast lists
	// (@broadcast) and status updates (status@broadcast).
	IgnoreGroups    bool `json:"ignoreGroups"`
	IgnoreBroadcast bool `json:"ignoreBroadcast"`
	IgnoreStatus    bool `json:"ignoreStatus"`
	// Headers are sent with every delivery (names WaQtor sets itself are refused).
	Headers map[string]string `json:"headers"`
	Enabled bool              `json:"enabled"`
	// DisabledReason says why WaQtor disabled the endpoint ("gone": it answered 410; "failing": it failed for
	// longer than DisableAfter). Empty when a user disabled it or it is enabled.
	DisabledReason string `json:"disabledReason,omitempty"`
	// Secrets sign deliveries; the newest is first. During a rotation the previous one keeps signing until its
	// ExpiresAt, so receivers can switch without losing a delivery.
	Secrets []Secret `json:"-"`
	Policy  Policy   `json:"retry"`
	// FailingSince is when the current run of failed deliveries started (nil when the last one succeeded).
	FailingSince *time.Time `json:"failingSince"`
	// Seq is the sequence number of the last delivery created for this endpoint.
	Seq       int64     `json:"-"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// LogValue keeps URLs (which may carry tokens) and secrets out of logs.
func (w Webhook) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID), slog.String("tenant", w.TenantID))
}

// Secret is one signing secret ("whsec_" + base64 of 24 random bytes unless the user chose one).
type Secret struct {
	Value     string     `json:"-"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// Policy is an endpoint's retry and timeout policy.
type Policy struct {
	// Schedule is "default" (the seed's: 3 attempts, 1 s then 2 s) or "long" (8 attempts over about 28 hours:
	// 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
	Schedule string `json:"schedule"`
	// TimeoutMS bounds each request (default 10000, 1000 to 30000).
	TimeoutMS int `json:"timeoutMs"`
	// RetryClientErrors retries 4xx answers too (by default only 408 and 429 are retried; 410 disables).
	RetryClientErrors bool `json:"retryClientErrors"`
	// MaxConcurrency bounds deliveries in flight to this endpoint (default 4, 1 to 50).
	MaxConcurrency int `json:"maxConcurrency"`
	// DisableAfterHours disables an endpoint whose deliveries have failed without a success for this long
	// (default 120 = 5 days; 0 never).
	DisableAfterHours int `json:"disableAfterHours"`
}

// Delivery states.
const (
	Pending   = "pending"   // waiting for its next attempt
	Delivered = "delivered" // a 2xx answer
	Failed    = "failed"    // no attempt left or not retryable: in the dead-letter list, replayable
)

// Delivery is one event for one endpoint. Its ID is the Standard Webhooks webhook-id, stable across retries and
// replays, and it is unique per (webhook, event).
type Delivery struct {
	ID        string `json:"id"`
	TenantID  string `json:"tenantId"`
	WebhookID string `json:"webhookId"`
	EventID   string `json:"eventId"`
	// Event is the webhook event name ("message_received").
	Event     string `json:"event"`
	SessionID string `json:"sessionId,omitempty"`
	// Body is the exact request body, fixed at creation so every attempt and replay sends the same bytes.
	Body     json.RawMessage `json:"-"`
	Seq      int64           `json:"seq"`
	Status   string          `json:"status"`
	Attempts int             `json:"attempts"`
	// CycleStart is the number of attempts made before the latest replay: the retry policy counts from there.
	CycleStart int        `json:"-"`
	NextAt     *time.Time `json:"nextAttemptAt"`
	LastCode   int        `json:"lastStatusCode"`
	LastError  string     `json:"lastError,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	UpdatedAt  time.Time  `json:"updatedAt"`
	ExpiresAt  time.Time  `json:"-"`
}

// Attempt is one HTTP request of a delivery, kept for the delivery log.
type Attempt struct {
	DeliveryID string    `json:"deliveryId"`
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode"` // 0 when no answer came
	DurationMS int64     `json:"durationMs"`
	// Response is the first 2 KiB of the answer body.
	Response string `json:"response"`
	Error    string `json:"error,omitempty"`
}

// Retention is how long deliveries and their attempts are kept.
const Retention = 30 * 24 * time.Hour

// DeliveryFilter selects deliveries for the log.
type DeliveryFilter struct {
	WebhookID string
	Status    string // "" for any
	Event     string
	From, To  time.Time // zero for open
	Before    string    // delivery ID cursor: only older ones
	Limit     int
}

// Store persists endpoints, deliveries and attempts. Every method takes the tenant ID; another tenant's records
// are not found.
type Store interface {
	CreateWebhook(ctx context.Context, w Webhook) error
	GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error)
	ListWebhooks(ctx context.Context, tenantID string) ([]Webhook, error)
	// UpdateWebhook applies fn atomically; a change of the ID or tenant is refused, and Seq is the store's (only
	// CreateDelivery moves it). Which fields may change is the domain's rule (keepWebhookFixed).
	UpdateWebhook(ctx context.Context, tenantID, id string, fn func(*Webhook) error) (Webhook, error)
	DeleteWebhook(ctx context.Context, tenantID, id string) error
	// EachWebhook calls fn with every endpoint of every tenant, in no particular order, stopping at fn's first
	// error: maintenance (Reseal), never a request path.
	EachWebhook(ctx context.Context, fn func(Webhook) error) error

	// CreateDelivery stores d with the endpoint's next sequence number (incrementing Webhook.Seq atomically)
	// unless a delivery with d.ID exists; it returns the stored delivery and whether it was created.
	CreateDelivery(ctx context.Context, d Delivery) (Delivery, bool, error)
	GetDelivery(ctx context.Context, tenantID, id string) (Delivery, error)
	// UpdateDelivery applies fn atomically; a change of the ID or tenant is refused. Which fields may change is the
	// domain's rule (keepDeliveryFixed).
	UpdateDelivery(ctx context.Context, tenantID, id string, fn func(*Delivery) error) (Delivery, error)
	ListDeliveries(ctx context.Context, tenantID string, f DeliveryFilter) ([]Delivery, error)
	AddAttempt(ctx context.Context, tenantID string, a Attempt, expires time.Time) error
	// RecordAttempt is AddAttempt of a to the live delivery a.DeliveryID and UpdateDelivery of it with fn in one
	// atomic write, both or neither (an error from fn stores nothing): the deliverer records an attempt and its
	// outcome together, one write instead of two.
	RecordAttempt(ctx context.Context, tenantID string, a Attempt, expires time.Time, fn func(*Delivery) error) (Delivery, error)
	ListAttempts(ctx context.Context, tenantID, deliveryID string) ([]Attempt, error)
}
