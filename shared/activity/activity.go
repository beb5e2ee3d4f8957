// Package activity is the tenant's activity log: who changed what (API keys, users, logins). It is fed by the
// "audit" route of the routing table, so it works the same in both runtimes and proves the event path end to end.
package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
)

// Retention is how long entries are kept.
const Retention = 90 * 24 * time.Hour

// Entry is one line of the activity log.
type Entry struct {
	// ID is the event ID: recording the same event twice keeps one entry.
	ID       string          `json:"id"`
	TenantID string          `json:"tenantId"`
	Type     string          `json:"type"`
	ActorID  string          `json:"actorId,omitempty"`
	Time     time.Time       `json:"time"`
	Data     json.RawMessage `json:"data"`
}

// Store keeps entries per tenant.
type Store interface {
	// Record stores e unless an entry with its ID exists (idempotent).
	Record(ctx context.Context, e Entry, expires time.Time) error
	// List returns the newest entries first, older than `before` (an entry ID; "" for the newest), at most limit.
	List(ctx context.Context, tenantID string, before string, limit int) ([]Entry, error)
	// ListByActor is List limited to the entries whose ActorID is actorID (what one user did).
	ListByActor(ctx context.Context, tenantID, actorID string, before string, limit int) ([]Entry, error)
}

// Handler records routed events: the consumer of the "audit" target queue.
func Handler(store Store) event.Handler {
	return func(ctx context.Context, be event.BusEvent) error {
		env := be.Detail
		if env.TenantID == "" || env.ID == "" {
			return fmt.Errorf("activity: event without tenant or id")
		}
		var actor struct {
			ActorID string `json:"actorId"`
		}
		_ = json.Unmarshal(env.Data, &actor) // events without an actor are still recorded
		e := Entry{ID: env.ID, TenantID: env.TenantID, Type: env.Type, ActorID: actor.ActorID, Time: env.Time, Data: env.Data}
		return store.Record(ctx, e, env.Time.Add(Retention))
	}
}

// MaxPage is the largest page List serves.
const MaxPage = 100

// CheckLimit validates a page size.
func CheckLimit(limit int) error {
	if limit < 1 || limit > MaxPage {
		return apperr.New(apperr.Validation, "limit must be between 1 and %d", MaxPage).
			WithDetails(map[string]any{"fields": []apperr.FieldError{{Field: "limit", Message: fmt.Sprintf("must be between 1 and %d", MaxPage)}}})
	}
	return nil
}
