// Package tenant holds tenants and their dashboard users: the records, the rules for changing them and the
// store port both runtimes implement (sqlite.TenantStore, dynamo.TenantStore).
package tenant

import (
	"context"
	"log/slog"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

// Tenant is one customer account. Every other record belongs to exactly one tenant.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Plan      string    `json:"plan"`
	CreatedAt time.Time `json:"createdAt"`
}

// User is a dashboard login of a tenant. Emails are unique across all tenants (login is by email alone).
type User struct {
	ID           string    `json:"id"`
	TenantID     string    `json:"tenantId"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         auth.Role `json:"role"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	// Phone is the user's own phone number in E.164 form ("+" and digits), "" when not given.
	Phone string `json:"phone"`
	// Gravatar: the user opted in to show their Gravatar (looked up by the dashboard from their email) when they
	// have no uploaded avatar.
	Gravatar bool `json:"gravatar"`
	// AvatarUpdatedAt is when the user's avatar image was last uploaded (GET /api/users/{id}/avatar); nil when the
	// user has none.
	AvatarUpdatedAt *time.Time `json:"avatarUpdatedAt,omitempty"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       time.Time  `json:"updatedAt"`
	// TokenVersion is written into every token issued to the user; a token with another version is refused.
	// Service bumps it on a password change, a role change, disabling and "log out everywhere", which ends every
	// token issued before.
	TokenVersion int64 `json:"-"`
}

// LogValue keeps email and name out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID), slog.String("tenant", u.TenantID), slog.String("role", string(u.Role)))
}

// Store persists tenants and users. Every user method takes the tenant ID and never crosses tenants; a user of
// another tenant is ErrUserNotFound.
type Store interface {
	// CreateTenant stores a tenant with its first owner atomically. ErrEmailTaken if the email is in use.
	CreateTenant(ctx context.Context, t Tenant, owner User) error
	GetTenant(ctx context.Context, tenantID string) (Tenant, error)
	// SetTenantPlan changes the tenant's plan and nothing else (its ID, name and creation time stay), in one write,
	// and returns the tenant as stored after it; ErrTenantNotFound when there is no such tenant. Which plans exist
	// is the caller's rule (plan.Service.SetPlan).
	SetTenantPlan(ctx context.Context, tenantID, plan string) (Tenant, error)
	// CountTenants tells whether this is a first start.
	CountTenants(ctx context.Context) (int, error)

	// CreateUser stores a new user. ErrEmailTaken if the email is in use in any tenant.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, tenantID, userID string) (User, error)
	// FindUserByEmail is the one cross-tenant lookup: login, where the email names the tenant.
	FindUserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers returns the tenant's users ordered by creation time.
	ListUsers(ctx context.Context, tenantID string) ([]User, error)
	// UpdateUser applies fn to the stored user and saves the result atomically; a change of its ID, tenant or email
	// (the login's lookup key) is refused. Which fields may change is the service's rule (keepFixed).
	UpdateUser(ctx context.Context, tenantID, userID string, fn func(*User) error) (User, error)
	DeleteUser(ctx context.Context, tenantID, userID string) error
	// ChangeEmail gives the user a new (normalised) email and sets UpdatedAt to at, atomically with the email's
	// uniqueness: ErrEmailTaken if any user, in any tenant, has it; the old email is free afterwards. The same email
	// changes nothing.
	ChangeEmail(ctx context.Context, tenantID, userID, email string, at time.Time) (User, error)
}
