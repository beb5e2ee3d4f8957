// Package auth holds who is calling (Principal), what they may do (roles and scopes) and the signed dashboard
// tokens. It is domain code: no HTTP, no storage.
package auth

import (
	"context"
	"log/slog"
	"slices"
)

// Role of a dashboard user. Owners can do everything; admins everything but managing owners; members use the
// product but manage neither users nor API keys.
type Role string

const (
	Owner  Role = "owner"
	Admin  Role = "admin"
	Member Role = "member"
)

// Roles lists the valid roles, strongest first.
var Roles = []Role{Owner, Admin, Member}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// AtLeast reports whether r is as strong as min.
func (r Role) AtLeast(min Role) bool {
	return slices.Index(Roles, r) >= 0 && slices.Index(Roles, r) <= slices.Index(Roles, min)
}

// Scope is a permission an API key or a user has. "*" grants every scope.
type Scope string

const (
	ScopeAll            Scope = "*"
	ScopeKeysRead       Scope = "keys:read"
	ScopeKeysWrite      Scope = "keys:write"
	ScopeUsersRead      Scope = "users:read"
	ScopeUsersWrite     Scope = "users:write"
	ScopeSessionsRead   Scope = "sessions:read"
	ScopeSessionsWrite  Scope = "sessions:write"
	ScopeMessagesRead   Scope = "messages:read"
	ScopeMessagesSend   Scope = "messages:send"
	ScopeCampaignsRead  Scope = "campaigns:read"
	ScopeCampaignsWrite Scope = "campaigns:write"
	ScopeWebhooksRead   Scope = "webhooks:read"
	ScopeWebhooksWrite  Scope = "webhooks:write"
	ScopeSmartbotRead   Scope = "smartbot:read"
	ScopeSmartbotWrite  Scope = "smartbot:write"
	ScopeActivityRead   Scope = "activity:read"
	// ScopeNotificationsRead and ScopeNotificationsWrite cover the notification center. Notifications belong to a
	// user: an API key reads and changes its creator's.
	ScopeNotificationsRead  Scope = "notifications:read"
	ScopeNotificationsWrite Scope = "notifications:write"
	// ScopeSettingsRead and ScopeSettingsWrite cover the tenant's settings (its branding): every member reads
	// them, owners and admins change them.
	ScopeSettingsRead  Scope = "settings:read"
	ScopeSettingsWrite Scope = "settings:write"
)

// Scopes lists every grantable scope (ScopeAll included).
var Scopes = []Scope{ScopeAll, ScopeKeysRead, ScopeKeysWrite, ScopeUsersRead, ScopeUsersWrite,
	ScopeSessionsRead, ScopeSessionsWrite, ScopeMessagesRead, ScopeMessagesSend, ScopeCampaignsRead,
	ScopeCampaignsWrite, ScopeWebhooksRead, ScopeWebhooksWrite, ScopeSmartbotRead, ScopeSmartbotWrite,
	ScopeActivityRead, ScopeNotificationsRead, ScopeNotificationsWrite, ScopeSettingsRead, ScopeSettingsWrite}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// memberDenied are the scopes a member role lacks.
var memberDenied = []Scope{ScopeKeysWrite, ScopeUsersWrite, ScopeActivityRead, ScopeSettingsWrite}

// RoleScopes returns the scopes a role grants.
func RoleScopes(r Role) []Scope {
	switch r {
	case Owner, Admin:
		return []Scope{ScopeAll}
	case Member:
		var out []Scope
		for _, s := range Scopes[1:] {
			if !slices.Contains(memberDenied, s) {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Expand returns the concrete scopes of a list: every grantable scope for "*", else the list itself.
func Expand(scopes []Scope) []Scope {
	if slices.Contains(scopes, ScopeAll) {
		return slices.Clone(Scopes[1:])
	}
	return slices.Clone(scopes)
}

// Intersect returns the scopes held under both a and b: "*" on one side yields the other side.
func Intersect(a, b []Scope) []Scope {
	switch {
	case slices.Contains(a, ScopeAll):
		return slices.Clone(b)
	case slices.Contains(b, ScopeAll):
		return slices.Clone(a)
	}
	out := []Scope{}
	for _, s := range a {
		if slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// KeyScopes is THE rule for API keys: a key may do, at every request, what its scopes allow AND what its creator's
// current role allows. A key never outlives its creator's rights.
func KeyScopes(key []Scope, creator Role) []Scope {
	return Intersect(key, RoleScopes(creator))
}

// Lost returns the concrete scopes in before that after lacks (both expanded), in the order of Scopes.
func Lost(before, after []Scope) []Scope {
	b, a := Expand(before), Expand(after)
	out := []Scope{}
	for _, s := range Scopes[1:] {
		if slices.Contains(b, s) && !slices.Contains(a, s) {
			out = append(out, s)
		}
	}
	return out
}

// Principal is the authenticated caller: a dashboard user (token) or an API key.
type Principal struct {
	TenantID string
	// UserID is the user behind a token, or the user who created the API key.
	UserID string
	// KeyID is set when the caller used an API key.
	KeyID string
	// TokenVersion is the token version of the caller's dashboard token (0 for an API key).
	TokenVersion int64
	// Role is the user's current role (for API keys: the creator's current role).
	Role Role
	// Scopes are what the caller may do: the role's scopes for a token; for an API key, its scopes narrowed to
	// its creator's current role (KeyScopes).
	Scopes []Scope
}

// Can reports whether the principal holds the scope.
func (p Principal) Can(s Scope) bool {
	return slices.Contains(p.Scopes, ScopeAll) || slices.Contains(p.Scopes, s)
}

// CanGrant reports whether every scope in want is held by the principal (a key may not exceed its creator).
func (p Principal) CanGrant(want []Scope) bool {
	for _, s := range want {
		if s == ScopeAll && !slices.Contains(p.Scopes, ScopeAll) {
			return false
		}
		if !p.Can(s) {
			return false
		}
	}
	return true
}

// LogValue keeps logs to IDs.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", p.TenantID), slog.String("user", p.UserID), slog.String("key", p.KeyID))
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of ctx.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
