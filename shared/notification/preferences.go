package notification

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

// Preferences are one user's notification settings: the kinds they do not want. Notifications of a muted kind are
// not created for that user (the rules fan out per user); muting does not remove what was already created.
type Preferences struct {
	TenantID string `json:"-"`
	UserID   string `json:"-"`
	// Muted lists muted kinds, in the order of Kinds, without repeats.
	Muted     []Kind    `json:"muted"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PreferenceStore keeps each user's Preferences.
type PreferenceStore interface {
	// GetPreferences returns the user's preferences; a user who never set any gets empty ones (nothing muted,
	// zero UpdatedAt), never an error.
	GetPreferences(ctx context.Context, tenantID, userID string) (Preferences, error)
	// PutPreferences replaces the user's preferences.
	PutPreferences(ctx context.Context, p Preferences) error
	// DeletePreferences forgets the user's preferences (a deleted user's); forgetting none is not an error.
	DeletePreferences(ctx context.Context, tenantID, userID string) error
}

// PreferencesInput is the body of PUT /api/notifications/preferences.
type PreferencesInput struct {
	Muted []Kind `json:"muted"`
}

// GetPreferences returns the caller's preferences (the route checks notifications:read). An API key reads its creator's, as it
// reads its creator's notifications.
func (s *Service) GetPreferences(ctx context.Context, p auth.Principal) (Preferences, error) {
	if err := needUser(p); err != nil {
		return Preferences{}, err
	}
	pr, err := s.Preferences.GetPreferences(ctx, p.TenantID, p.UserID)
	if err != nil {
		return Preferences{}, err
	}
	if pr.Muted == nil {
		pr.Muted = []Kind{}
	}
	return pr, nil
}

// PutPreferences replaces the caller's preferences (the route checks notifications:write). Every unknown kind is reported at once
// and nothing changes.
func (s *Service) PutPreferences(ctx context.Context, p auth.Principal, in PreferencesInput) (Preferences, error) {
	if err := needUser(p); err != nil {
		return Preferences{}, err
	}
	var bad apperr.Fields
	if in.Muted == nil {
		bad.Add("muted", "is required (an empty list mutes nothing)")
	}
	for i, k := range in.Muted {
		if !k.Valid() {
			bad.Add(fmt.Sprintf("muted[%d]", i), "unknown kind %q; one of %v", k, Kinds)
		}
	}
	if err := bad.Err(); err != nil {
		return Preferences{}, err
	}
	pr := Preferences{TenantID: p.TenantID, UserID: p.UserID, Muted: []Kind{}, UpdatedAt: s.now().UTC()}
	for _, k := range Kinds { // canonical order, no repeats
		if slices.Contains(in.Muted, k) {
			pr.Muted = append(pr.Muted, k)
		}
	}
	if err := s.Preferences.PutPreferences(ctx, pr); err != nil {
		return Preferences{}, err
	}
	return pr, nil
}

func needUser(p auth.Principal) error {
	if p.UserID == "" {
		return apperr.New(apperr.Forbidden, "notification preferences belong to a user; this caller has none")
	}
	return nil
}
