// Package plan decides which premium features a tenant may use: the features its plan includes, plus those
// unlocked by redeeming an access code the operator issued. With gating off (WAQTOR_PREMIUM_GATING=off, the
// standalone default) every tenant has every feature. The store port is implemented by sqlite.PlanStore and
// dynamo.PlanStore; contract suite storetest.RunPlan.
package plan

import (
	"context"
	"slices"
	"time"
)

// Feature is a premium feature.
type Feature string

// The premium features.
const (
	Campaigns   Feature = "campaigns"
	Reports     Feature = "reports"
	Interactive Feature = "interactive" // sending polls, quick-reply buttons and list menus
)

// Features lists every premium feature.
var Features = []Feature{Campaigns, Reports, Interactive}

// Valid reports whether f is a premium feature.
func (f Feature) Valid() bool { return slices.Contains(Features, f) }

// The plans. Premium includes every feature; Free (the default) includes none.
const (
	Free    = "free"
	Premium = "premium"
)

// Plans lists every plan a tenant may be set to (SetPlan).
var Plans = []string{Free, Premium}

// Includes reports whether the plan named p includes f.
func Includes(p string, f Feature) bool { return p == Premium && f.Valid() }

// Grant says a tenant has unlocked a feature by redeeming an access code. A grant does not expire.
type Grant struct {
	TenantID  string    `json:"tenantId"`
	Feature   Feature   `json:"feature"`
	GrantedAt time.Time `json:"grantedAt"`
	// CodeID is the access code it came from.
	CodeID string `json:"codeId"`
}

// AccessCode is an operator-issued, single-use code that unlocks one feature for one tenant until ExpiresAt. Only
// the SHA-256 of the code is stored (CodeHash); the code itself is shown once, to the operator who issues it.
type AccessCode struct {
	ID         string
	TenantID   string
	Feature    Feature
	Hash       string // CodeHash of the code
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RedeemedAt *time.Time // nil until redeemed
	RedeemedBy string     // the user who redeemed it
}

// Store keeps access codes and grants. Codes are found by hash across tenants (the service then checks the
// tenant); grants are per tenant.
type Store interface {
	// CreateAccessCode stores a new code. Hashes are unique (ErrCodeExists).
	CreateAccessCode(ctx context.Context, c AccessCode) error
	// GetAccessCode returns the code with that hash, redeemed or not, expired or not (ErrCodeNotFound when none).
	GetAccessCode(ctx context.Context, hash string) (AccessCode, error)
	// RedeemAccessCode records that the stored code with c.Hash was redeemed (c.RedeemedAt, c.RedeemedBy) and
	// stores g, in one atomic write, only if the stored code is not redeemed yet: of concurrent redeems exactly one
	// succeeds, the others get ErrCodeUsed and store nothing. A grant of a feature the tenant already has replaces
	// the old one.
	RedeemAccessCode(ctx context.Context, c AccessCode, g Grant) error
	// ListGrants returns the tenant's grants, ordered by feature.
	ListGrants(ctx context.Context, tenantID string) ([]Grant, error)
}
