package notification

import (
	"context"
	"fmt"
	"time"
)

// StoreNotifier is the Notifier of both runtimes: it puts the notification in the tenant's notification center
// (Store), kept for Retention. A notification with an ID that exists is not created twice, so producers make
// their IDs deterministic to notify once per fact even when they run twice.
type StoreNotifier struct {
	Store Store
	// Now stamps notifications without CreatedAt (default time.Now).
	Now func() time.Time
}

var _ Notifier = StoreNotifier{}

// Notify implements Notifier.
func (s StoreNotifier) Notify(ctx context.Context, n Notification) error {
	if n.CreatedAt.IsZero() {
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		n.CreatedAt = now().UTC()
	}
	if err := s.Store.CreateNotification(ctx, n, n.CreatedAt.Add(Retention)); err != nil {
		return fmt.Errorf("notify %s: %w", n.ID, err)
	}
	return nil
}
