// Package notification is the tenant's notification center (the seed's phase 6): things WaQtor tells the people
// of a tenant, such as a webhook endpoint being disabled. The dashboard lists them; the API marks them read.
package notification

import (
	"context"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Types of notification (the seed's).
const (
	Info    = "info"
	Success = "success"
	Warning = "warning"
	Error   = "error"
)

// Notification is one message to a tenant's users. UserID "" addresses every user of the tenant.
type Notification struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	UserID   string `json:"userId"`
	// Kind is what the notification is about (the rules create every notification; "" only in notifications
	// created before they did).
	Kind      Kind      `json:"kind,omitempty"`
	Type      string    `json:"type"`
	Title     string    `json:"title"`
	Message   string    `json:"message"`
	Icon      string    `json:"icon,omitempty"`
	Link      string    `json:"link,omitempty"`
	Read      bool      `json:"read"`
	CreatedAt time.Time `json:"createdAt"`
}

// Retention is how long notifications are kept.
const Retention = 90 * 24 * time.Hour

// Filter selects notifications for List.
type Filter struct {
	UnreadOnly bool
	Before     string // notification ID cursor: only older ones
	Limit      int
}

// Store keeps notifications per tenant. A notification with UserID "" is visible to every user of the tenant;
// read state is per notification (shared), which fits the small teams of a tenant.
type Store interface {
	// CreateNotification stores n unless a live one with its ID exists (idempotent) and returns the one stored
	// under the ID: n, or the existing one as it is now (read, for example; one deleted while this ran comes back
	// read: its user has dealt with it).
	CreateNotification(ctx context.Context, n Notification, expires time.Time) (Notification, error)
	// ListNotifications returns the user's and the tenant-wide notifications, newest first.
	ListNotifications(ctx context.Context, tenantID, userID string, f Filter) ([]Notification, error)
	CountUnread(ctx context.Context, tenantID, userID string) (int, error)
	MarkRead(ctx context.Context, tenantID, userID, id string) error
	MarkAllRead(ctx context.Context, tenantID, userID string) (int, error)
	DeleteNotification(ctx context.Context, tenantID, userID, id string) error
	// DeleteUserNotifications deletes every notification addressed to the user (UserID = userID; not the
	// tenant-wide ones) and says how many; a user without any is not an error.
	DeleteUserNotifications(ctx context.Context, tenantID, userID string) (int, error)
}

// ErrNotFound: no such notification for the user.
var ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "notification not found"}

// Notifier is what producers of signals (the tenant service's lockout, the session runner's outages, the webhook
// deliverer) depend on; Center implements it, so every notification goes through Rules.
type Notifier interface {
	Raise(ctx context.Context, s Signal) error
}

var _ Notifier = (*Center)(nil)
