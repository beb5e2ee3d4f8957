package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/tenant"
)

// Code lifetimes: Issue accepts a TTL from MinCodeTTL to MaxCodeTTL (DefaultCodeTTL when none is given).
const (
	MinCodeTTL     = time.Minute
	MaxCodeTTL     = 30 * 24 * time.Hour
	DefaultCodeTTL = 7 * 24 * time.Hour
)

// RedeemLockout brakes guessing: after 5 wrong codes for a tenant, redeeming is refused for 15 minutes, then for
// twice as long after each further wrong code, up to a day; a day without wrong codes forgets the streak. The
// record is per tenant (RedeemKey), so a guesser cannot spread guesses over users of one tenant.
var RedeemLockout = tenant.LockoutPolicy{Threshold: 5, Base: 15 * time.Minute, Max: 24 * time.Hour, Forget: 24 * time.Hour}

// RedeemKey is the tenant.AttemptStore key of a tenant's wrong access codes.
func RedeemKey(tenantID string) string {
	sum := sha256.Sum256([]byte("redeem:" + tenantID))
	return hex.EncodeToString(sum[:])
}

// Tenants is the part of tenant.Store the service needs: reading a tenant's plan and setting it.
type Tenants interface {
	GetTenant(ctx context.Context, tenantID string) (tenant.Tenant, error)
	SetTenantPlan(ctx context.Context, tenantID, plan string) (tenant.Tenant, error)
}

// Service applies the gating rules.
type Service struct {
	Store   Store
	Tenants Tenants
	// Attempts counts wrong codes per tenant for RedeemLockout (the store of the login lockout; nil: no limit).
	Attempts tenant.AttemptStore
	Lockout  tenant.LockoutPolicy
	// Gating on: a tenant has the features of its plan and its grants. Off: every tenant has every feature.
	Gating bool
	Now    func() time.Time
}

// NewService returns a Service with the default lockout and clock.
func NewService(store Store, tenants Tenants, attempts tenant.AttemptStore, gating bool) *Service {
	return &Service{Store: store, Tenants: tenants, Attempts: attempts, Lockout: RedeemLockout, Gating: gating, Now: time.Now}
}

// FeatureState is whether one feature is unlocked for a tenant, and why: "open" (gating is off), "plan" (the
// tenant's plan includes it), "code" (an access code was redeemed) or "" (locked).
type FeatureState struct {
	Feature  Feature `json:"feature"`
	Unlocked bool    `json:"unlocked"`
	Source   string  `json:"source,omitempty"`
}

// Status is a tenant's plan and the state of every feature.
type Status struct {
	Gating   bool           `json:"gating"`
	Plan     string         `json:"plan"`
	Features []FeatureState `json:"features"`
}

// Status returns the tenant's plan and which features it may use.
func (s *Service) Status(ctx context.Context, tenantID string) (Status, error) {
	t, err := s.Tenants.GetTenant(ctx, tenantID)
	if err != nil {
		return Status{}, err
	}
	st := Status{Gating: s.Gating, Plan: t.Plan, Features: make([]FeatureState, 0, len(Features))}
	var grants []Grant
	if s.Gating {
		if grants, err = s.Store.ListGrants(ctx, tenantID); err != nil {
			return Status{}, err
		}
	}
	for _, f := range Features {
		fs := FeatureState{Feature: f}
		switch {
		case !s.Gating:
			fs.Unlocked, fs.Source = true, "open"
		case Includes(t.Plan, f):
			fs.Unlocked, fs.Source = true, "plan"
		case hasGrant(grants, f):
			fs.Unlocked, fs.Source = true, "code"
		}
		st.Features = append(st.Features, fs)
	}
	return st, nil
}

func hasGrant(gs []Grant, f Feature) bool {
	for _, g := range gs {
		if g.Feature == f {
			return true
		}
	}
	return false
}

// Require answers nil when the tenant may use f, else LockedError(f). With gating off it reads nothing.
func (s *Service) Require(ctx context.Context, tenantID string, f Feature) error {
	if !s.Gating {
		return nil
	}
	st, err := s.Status(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, fs := range st.Features {
		if fs.Feature == f && fs.Unlocked {
			return nil
		}
	}
	return LockedError(f)
}

// SetPlanInput is the operator's change of a tenant's plan.
type SetPlanInput struct {
	TenantID string `json:"tenantId"`
	Plan     string `json:"plan"`
}

// PlanChanged is the answer to SetPlan: the tenant's plan before and its status after.
type PlanChanged struct {
	TenantID     string `json:"tenantId"`
	PreviousPlan string `json:"previousPlan"`
	Status
}

// SetPlan sets a tenant's plan to one of Plans: the operator's command (the binary's `plan set`, the operator
// endpoint), never a tenant's. An unknown plan or a missing tenant ID is a field error; an unknown tenant is
// tenant.ErrTenantNotFound. Only the plan changes (tenant.Store.SetTenantPlan); redeemed access codes stay, so a
// tenant set back to free keeps the features it unlocked with codes. Gated requests follow at once: Require reads
// the plan on every call.
func (s *Service) SetPlan(ctx context.Context, in SetPlanInput) (PlanChanged, error) {
	var f apperr.Fields
	if in.TenantID == "" {
		f.Add("tenantId", "is required")
	}
	if !slices.Contains(Plans, in.Plan) {
		f.Add("plan", "must be one of %s", strings.Join(Plans, ", "))
	}
	if err := f.Err(); err != nil {
		return PlanChanged{}, err
	}
	before, err := s.Tenants.GetTenant(ctx, in.TenantID)
	if err != nil {
		return PlanChanged{}, err
	}
	if before.Plan != in.Plan {
		if _, err := s.Tenants.SetTenantPlan(ctx, in.TenantID, in.Plan); err != nil {
			return PlanChanged{}, err
		}
	}
	st, err := s.Status(ctx, in.TenantID)
	if err != nil {
		return PlanChanged{}, err
	}
	return PlanChanged{TenantID: in.TenantID, PreviousPlan: before.Plan, Status: st}, nil
}

// IssueInput asks for an access code.
type IssueInput struct {
	TenantID string        `json:"tenantId"`
	Feature  Feature       `json:"feature"`
	TTL      time.Duration `json:"-"` // 0: DefaultCodeTTL
}

// Issued is a new access code: Code is shown this once and stored only as its hash.
type Issued struct {
	Code      string    `json:"code"`
	ID        string    `json:"id"`
	TenantID  string    `json:"tenantId"`
	Feature   Feature   `json:"feature"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Issue creates a single-use access code that unlocks in.Feature for in.TenantID until now + TTL. It is the
// operator's command (the binary's `access-code issue`, the operator endpoint), never a tenant's.
func (s *Service) Issue(ctx context.Context, in IssueInput) (Issued, error) {
	var f apperr.Fields
	if in.TenantID == "" {
		f.Add("tenantId", "is required")
	}
	if !in.Feature.Valid() {
		f.Add("feature", "must be one of campaigns, reports, interactive")
	}
	if in.TTL == 0 {
		in.TTL = DefaultCodeTTL
	}
	if in.TTL < MinCodeTTL || in.TTL > MaxCodeTTL {
		f.Add("ttl", "must be a duration from 1m to 720h (30 days), such as 30m, 24h or 168h")
	}
	if err := f.Err(); err != nil {
		return Issued{}, err
	}
	if _, err := s.Tenants.GetTenant(ctx, in.TenantID); errors.Is(err, tenant.ErrTenantNotFound) {
		return Issued{}, apperr.Field("tenantId", "no tenant with this ID")
	} else if err != nil {
		return Issued{}, err
	}
	now := s.Now().UTC()
	code := NewCode()
	norm, _ := NormalizeCode(code)
	c := AccessCode{ID: id.New("acc"), TenantID: in.TenantID, Feature: in.Feature, Hash: CodeHash(norm),
		CreatedAt: now, ExpiresAt: now.Add(in.TTL)}
	if err := s.Store.CreateAccessCode(ctx, c); err != nil {
		return Issued{}, err
	}
	return Issued{Code: code, ID: c.ID, TenantID: c.TenantID, Feature: c.Feature, ExpiresAt: c.ExpiresAt}, nil
}

// Redeem unlocks the feature of an access code for the caller's tenant. The caller must be an owner or an admin.
// A wrong code (none, or another tenant's) counts towards RedeemLockout; while the tenant is locked every code,
// even a right one, is refused with 429 rate_limited and Retry-After. A used code is ErrCodeUsed, an expired one
// ErrCodeExpired. Success forgets the wrong codes.
func (s *Service) Redeem(ctx context.Context, p auth.Principal, code string) (Grant, error) {
	if !p.Role.AtLeast(auth.Admin) {
		return Grant{}, ErrForbidden
	}
	now := s.Now()
	key := RedeemKey(p.TenantID)
	if s.Attempts != nil {
		a, err := s.Attempts.GetLoginAttempts(ctx, key)
		if err == nil && now.Before(a.LockedUntil) {
			return Grant{}, lockedError(a.LockedUntil, now)
		}
		if err != nil && !errors.Is(err, tenant.ErrNoLoginAttempts) {
			return Grant{}, err
		}
	}
	norm, ok := NormalizeCode(code)
	if !ok {
		return Grant{}, apperr.Field("code", "must be "+strconv.Itoa(CodeLength)+" letters and digits")
	}
	c, err := s.Store.GetAccessCode(ctx, CodeHash(norm))
	if errors.Is(err, ErrCodeNotFound) || (err == nil && c.TenantID != p.TenantID) {
		return Grant{}, s.wrongCode(ctx, key, now)
	}
	if err != nil {
		return Grant{}, err
	}
	if c.RedeemedAt != nil {
		return Grant{}, ErrCodeUsed
	}
	if !now.Before(c.ExpiresAt) {
		return Grant{}, ErrCodeExpired
	}
	at := now.UTC()
	c.RedeemedAt, c.RedeemedBy = &at, p.UserID
	g := Grant{TenantID: p.TenantID, Feature: c.Feature, GrantedAt: at, CodeID: c.ID}
	if err := s.Store.RedeemAccessCode(ctx, c, g); err != nil {
		return Grant{}, err
	}
	if s.Attempts != nil {
		if err := s.Attempts.DeleteLoginAttempts(ctx, key); err != nil {
			return Grant{}, err
		}
	}
	return g, nil
}

// wrongCode records a wrong code for the tenant and answers ErrCodeWrong, or the lock it imposed.
func (s *Service) wrongCode(ctx context.Context, key string, now time.Time) error {
	if s.Attempts == nil {
		return ErrCodeWrong
	}
	var locked bool
	a, err := s.Attempts.UpdateLoginAttempts(ctx, key, func(a *tenant.LoginAttempts) error {
		locked = s.Lockout.RecordFailure(a, now)
		return nil
	})
	if err != nil {
		return err
	}
	if locked || now.Before(a.LockedUntil) {
		return lockedError(a.LockedUntil, now)
	}
	return ErrCodeWrong
}

// lockedError: 429 rate_limited with Retry-After while the tenant's redeeming is paused.
func lockedError(until, now time.Time) error {
	secs := max(int(math.Ceil(until.Sub(now).Seconds())), 1)
	return &apperr.Error{Code: apperr.RateLimited,
		Message: "too many wrong access codes for this account; redeeming is paused, retry after " + strconv.Itoa(secs) + " s",
		Details: map[string]any{"retryAfterSeconds": secs, "lockedUntil": until.UTC()}}
}
