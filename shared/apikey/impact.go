package apikey

import (
	"context"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

// Effects of a change to a user on the API keys they created.
const (
	// EffectNarrowed: the key keeps working with fewer scopes.
	EffectNarrowed = "narrowed"
	// EffectStopped: the key stops working (its creator is deleted or disabled).
	EffectStopped = "stopped"
)

// Actions a UserChange may preview besides a role change.
const (
	ActionDelete  = "delete"
	ActionDisable = "disable"
)

// UserChange is a change to a user whose effect on their keys is previewed: a new Role, or an Action
// (ActionDelete, ActionDisable). Exactly one is set.
type UserChange struct {
	Role   auth.Role `json:"role,omitempty"`
	Action string    `json:"action,omitempty"`
}

// KeyImpact is what a change does to one key.
type KeyImpact struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Effect string `json:"effect"`
	// LostScopes are the concrete scopes the key can use now and could not after the change.
	LostScopes []auth.Scope `json:"lostScopes"`
	// Scopes are what the key could still use after the change (empty when stopped).
	Scopes []auth.Scope `json:"scopes"`
}

// Impact previews which of the user's usable keys a change would narrow or stop, by the rule Authenticate applies
// (auth.KeyScopes): a key acts with its scopes narrowed to its creator's role, and not at all while its creator
// is disabled or deleted. Keys the change leaves as they are (revoked, expired, unaffected) are not listed. The API
// route needs keys:read.
func (s *Service) Impact(ctx context.Context, p auth.Principal, userID string, c UserChange) ([]KeyImpact, error) {
	var f apperr.Fields
	switch {
	case c.Role == "" && c.Action == "":
		f.Add("role", "give the new role (owner, admin, member), or action=delete or action=disable")
	case c.Role != "" && c.Action != "":
		f.Add("action", "give either role or action, not both")
	case c.Role != "" && !c.Role.Valid():
		f.Add("role", "must be one of owner, admin, member")
	case c.Action != "" && c.Action != ActionDelete && c.Action != ActionDisable:
		f.Add("action", "must be delete or disable")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	u, err := s.Users.GetUser(ctx, p.TenantID, userID)
	if err != nil {
		return nil, err
	}
	keys, err := s.Store.ListKeys(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := []KeyImpact{}
	for _, k := range keys {
		if k.CreatedBy != u.ID || !k.Active(now) || u.Disabled {
			continue
		}
		before := auth.KeyScopes(k.Scopes, u.Role)
		ki := KeyImpact{ID: k.ID, Name: k.Name, Effect: EffectStopped, LostScopes: auth.Expand(before), Scopes: []auth.Scope{}}
		if c.Role != "" {
			after := auth.KeyScopes(k.Scopes, c.Role)
			ki.Effect, ki.LostScopes, ki.Scopes = EffectNarrowed, auth.Lost(before, after), after
		}
		if len(ki.LostScopes) > 0 || ki.Effect == EffectStopped {
			out = append(out, ki)
		}
	}
	return out, nil
}
