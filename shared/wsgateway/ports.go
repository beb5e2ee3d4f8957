package wsgateway

import (
	"context"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/realtime"
)

// Connection is one open connection of the WebSocket API: who opened it (the ticket's principal), what it is
// subscribed to, and its rate limiter's state (kept between invocations, as each frame is its own invocation).
type Connection struct {
	ID          string
	Principal   auth.Principal
	Subs        realtime.Subscriptions
	ConnectedAt time.Time
	// ExpiresAt is when the store may forget the connection (API Gateway closes every connection after 2 hours).
	ExpiresAt time.Time
	// Tokens and Refilled are the token bucket of client frames; Dropped counts frames dropped in a row;
	// LimitedAt is when the last rate_limited error frame was sent.
	Tokens    float64
	Refilled  time.Time
	Dropped   int
	LimitedAt time.Time
	// Version moves with every UpdateConnection (optimistic concurrency: frames of one connection may be handled
	// by concurrent invocations).
	Version int64
}

// Store keeps the connections and each tenant's recent window of frames (DynamoDB on AWS: dynamo.ConnectionStore).
type Store interface {
	// PutConnection stores a new connection (Version 0).
	PutConnection(ctx context.Context, c Connection) error
	// GetConnection returns the connection with this ID; ErrConnectionNotFound when there is none.
	GetConnection(ctx context.Context, id string) (Connection, error)
	// UpdateConnection writes c's subscriptions and rate limiter state if the stored version is still c.Version,
	// and moves the version; ErrConnectionChanged when it moved, ErrConnectionNotFound when the connection is gone.
	UpdateConnection(ctx context.Context, c Connection) error
	// DeleteConnection forgets a connection; deleting one that is not there is not an error.
	DeleteConnection(ctx context.Context, id string) error
	// TenantConnections returns every connection of a tenant.
	TenantConnections(ctx context.Context, tenantID string) ([]Connection, error)

	// AddRecent appends it to its tenant's window at time at, kept until expires. When an item with its ID is
	// already there it adds nothing and reports whether that item was already pushed (MarkPushed): a redelivered
	// event that was pushed is not pushed again, one whose push was cut short is pushed again.
	AddRecent(ctx context.Context, it realtime.Item, at, expires time.Time) (pushed bool, err error)
	// MarkPushed records that the item with this ID was pushed to the tenant's connections.
	MarkPushed(ctx context.Context, tenantID, id string) error
	// RecentAfter returns up to max items of the tenant's window added after the one with ID lastID, oldest first,
	// leaving out items added before since; ok is false when lastID is not in the window (or was added before since).
	RecentAfter(ctx context.Context, tenantID, lastID string, since time.Time, max int) (items []realtime.Item, ok bool, err error)
}

// Poster sends frames to connections through API Gateway's Management API (apigw.Poster).
type Poster interface {
	// Post sends one frame (a text message) to the connection; ErrGone when it no longer exists.
	Post(ctx context.Context, connectionID string, frame []byte) error
	// Close disconnects the connection; closing one that is gone is not an error.
	Close(ctx context.Context, connectionID string) error
}

// Redeemer turns a connect ticket into its principal (realtime.Tickets).
type Redeemer interface {
	Redeem(ctx context.Context, ticket string) (auth.Principal, error)
}
