package notification

import (
	"context"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

// MaxPage is the largest page List serves.
const MaxPage = 100

// Service is the notification center of the API: each caller sees their own and their tenant's notifications.
// Notifications belong to a user: an API key acts on its creator's, with notifications:read to read them and
// notifications:write to mark or delete them (dashboard users hold both through their role); the API's route table
// checks those scopes, the service only keeps each caller to their own.
type Service struct {
	Store       Store
	Preferences PreferenceStore
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// List returns a page of the caller's notifications, newest first.
func (s *Service) List(ctx context.Context, p auth.Principal, f Filter) ([]Notification, error) {
	if f.Limit < 1 || f.Limit > MaxPage {
		return nil, apperr.New(apperr.Validation, "limit must be between 1 and %d", MaxPage).
			WithDetails(map[string]any{"fields": []apperr.FieldError{{Field: "limit", Message: "must be between 1 and 100"}}})
	}
	return s.Store.ListNotifications(ctx, p.TenantID, p.UserID, f)
}

// Count returns how many of the caller's notifications are unread.
func (s *Service) Count(ctx context.Context, p auth.Principal) (int, error) {
	return s.Store.CountUnread(ctx, p.TenantID, p.UserID)
}

// MarkRead marks one notification read.
func (s *Service) MarkRead(ctx context.Context, p auth.Principal, id string) error {
	return s.Store.MarkRead(ctx, p.TenantID, p.UserID, id)
}

// MarkAllRead marks every notification of the caller read and says how many changed.
func (s *Service) MarkAllRead(ctx context.Context, p auth.Principal) (int, error) {
	return s.Store.MarkAllRead(ctx, p.TenantID, p.UserID)
}

// Delete removes one notification.
func (s *Service) Delete(ctx context.Context, p auth.Principal, id string) error {
	return s.Store.DeleteNotification(ctx, p.TenantID, p.UserID, id)
}
