package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/tenant"
)

// PlanStores are the stores premium gating uses, over one fresh, empty database.
type PlanStores struct {
	Tenants  tenant.Store
	Plans    plan.Store
	Attempts tenant.AttemptStore
}

// RunPlan runs the contract suite of plan.Store and, over the same adapter, the rules of plan.Service (issue,
// redeem once, expiry, wrong codes limited per tenant, tenants apart); newStores must return stores over a fresh,
// empty database each call.
func RunPlan(t *testing.T, newStores func(t *testing.T) PlanStores) {
	t.Run("access codes", func(t *testing.T) { testAccessCodes(t, newStores(t)) })
	t.Run("redeem once under concurrency", func(t *testing.T) { testRedeemConcurrent(t, newStores(t)) })
	t.Run("gating rules", func(t *testing.T) { testGatingRules(t, newStores(t)) })
	t.Run("set plan", func(t *testing.T) { testSetPlan(t, newStores(t)) })
}

// testSetPlan: the operator's plan change validates the plan and the tenant, and gated features follow at once;
// set back to free, a tenant keeps what it unlocked with a code.
func testSetPlan(t *testing.T, s PlanStores) {
	ten, owner := newTenant(t, Stores{Tenants: s.Tenants}, "plan@a.example")
	other, _ := newTenant(t, Stores{Tenants: s.Tenants}, "plan@b.example")
	svc := plan.NewService(s.Plans, s.Tenants, s.Attempts, true)

	_, err := svc.SetPlan(ctx, plan.SetPlanInput{Plan: "gold"})
	var fs apperr.Fields
	if !fs.AddErr(err) || len(fs) != 2 || fs[0].Field != "tenantId" || fs[1].Field != "plan" || fs[1].Message != "must be one of free, premium" {
		t.Fatalf("SetPlan(bad) = %v (%+v), want errors on tenantId and plan", err, fs)
	}
	if _, err := svc.SetPlan(ctx, plan.SetPlanInput{TenantID: "ten_missing", Plan: plan.Premium}); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("SetPlan(unknown tenant) = %v, want ErrTenantNotFound", err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Reports); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("Require(reports) on free = %v, want feature_locked", err)
	}
	ch, err := svc.SetPlan(ctx, plan.SetPlanInput{TenantID: ten.ID, Plan: plan.Premium})
	if err != nil || ch.PreviousPlan != plan.Free || ch.Plan != plan.Premium || ch.TenantID != ten.ID {
		t.Fatalf("SetPlan(premium) = %+v, %v", ch, err)
	}
	for _, f := range ch.Features {
		if !f.Unlocked || f.Source != "plan" {
			t.Fatalf("status after premium = %+v, want every feature unlocked by the plan", ch.Status)
		}
	}
	if err := svc.Require(ctx, ten.ID, plan.Reports); err != nil {
		t.Fatalf("Require(reports) on premium: %v", err)
	}
	if err := svc.Require(ctx, other.ID, plan.Reports); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("another tenant's Require(reports) = %v, want it still locked", err)
	}
	// Setting the same plan again changes nothing and answers the same.
	if ch, err := svc.SetPlan(ctx, plan.SetPlanInput{TenantID: ten.ID, Plan: plan.Premium}); err != nil || ch.PreviousPlan != plan.Premium {
		t.Fatalf("SetPlan(premium) again = %+v, %v", ch, err)
	}
	// A code redeemed while premium survives the way back to free; the rest locks again.
	code, err := svc.Issue(ctx, plan.IssueInput{TenantID: ten.ID, Feature: plan.Interactive})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	if _, err := svc.Redeem(ctx, auth.Principal{TenantID: ten.ID, UserID: owner.ID, Role: auth.Owner}, code.Code); err != nil {
		t.Fatalf("Redeem: %v", err)
	}
	if _, err := svc.SetPlan(ctx, plan.SetPlanInput{TenantID: ten.ID, Plan: plan.Free}); err != nil {
		t.Fatalf("SetPlan(free): %v", err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Reports); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("Require(reports) back on free = %v, want feature_locked", err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Interactive); err != nil {
		t.Fatalf("Require(interactive) unlocked by a code, back on free: %v", err)
	}
	if got, err := s.Tenants.GetTenant(ctx, ten.ID); err != nil || got.Plan != plan.Free || got.Name != ten.Name {
		t.Fatalf("stored tenant = %+v, %v", got, err)
	}
}

func sameCode(t *testing.T, what string, got, want plan.AccessCode) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Feature != want.Feature || got.Hash != want.Hash ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) || got.RedeemedBy != want.RedeemedBy ||
		(got.RedeemedAt == nil) != (want.RedeemedAt == nil) || (got.RedeemedAt != nil && !got.RedeemedAt.Equal(*want.RedeemedAt)) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testAccessCodes(t *testing.T, s PlanStores) {
	ten, owner := newTenant(t, Stores{Tenants: s.Tenants}, "plan@a.example")
	c := plan.AccessCode{ID: id.New("acc"), TenantID: ten.ID, Feature: plan.Reports, Hash: plan.CodeHash("ABCDEFGHJKMN"),
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if _, err := s.Plans.GetAccessCode(ctx, c.Hash); !errors.Is(err, plan.ErrCodeNotFound) {
		t.Fatalf("GetAccessCode(missing) = %v, want ErrCodeNotFound", err)
	}
	if err := s.Plans.CreateAccessCode(ctx, c); err != nil {
		t.Fatalf("CreateAccessCode: %v", err)
	}
	dup := c
	dup.ID = id.New("acc")
	if err := s.Plans.CreateAccessCode(ctx, dup); !errors.Is(err, plan.ErrCodeExists) {
		t.Fatalf("CreateAccessCode(same hash) = %v, want ErrCodeExists", err)
	}
	got, err := s.Plans.GetAccessCode(ctx, c.Hash)
	if err != nil {
		t.Fatalf("GetAccessCode: %v", err)
	}
	sameCode(t, "stored code", got, c)
	if gs, err := s.Plans.ListGrants(ctx, ten.ID); err != nil || len(gs) != 0 {
		t.Fatalf("ListGrants before redeeming = %v, %v; want none", gs, err)
	}

	at := now.Add(time.Minute)
	c.RedeemedAt, c.RedeemedBy = &at, owner.ID
	g := plan.Grant{TenantID: ten.ID, Feature: plan.Reports, GrantedAt: at, CodeID: c.ID}
	if err := s.Plans.RedeemAccessCode(ctx, c, g); err != nil {
		t.Fatalf("RedeemAccessCode: %v", err)
	}
	got, _ = s.Plans.GetAccessCode(ctx, c.Hash)
	sameCode(t, "redeemed code", got, c)
	if err := s.Plans.RedeemAccessCode(ctx, c, g); !errors.Is(err, plan.ErrCodeUsed) {
		t.Fatalf("RedeemAccessCode again = %v, want ErrCodeUsed", err)
	}
	missing := plan.AccessCode{Hash: plan.CodeHash("000000000000"), RedeemedAt: &at}
	if err := s.Plans.RedeemAccessCode(ctx, missing, g); !errors.Is(err, plan.ErrCodeNotFound) {
		t.Fatalf("RedeemAccessCode(missing) = %v, want ErrCodeNotFound", err)
	}
	gs, err := s.Plans.ListGrants(ctx, ten.ID)
	if err != nil || len(gs) != 1 || gs[0].Feature != plan.Reports || gs[0].TenantID != ten.ID || gs[0].CodeID != c.ID || !gs[0].GrantedAt.Equal(at) {
		t.Fatalf("ListGrants = %+v, %v; want the one grant %+v", gs, err, g)
	}

	// A second grant of the same feature replaces the first; another feature adds one; features sort.
	c2 := plan.AccessCode{ID: id.New("acc"), TenantID: ten.ID, Feature: plan.Interactive, Hash: plan.CodeHash("ABCDEFGHJKM2"),
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	c3 := plan.AccessCode{ID: id.New("acc"), TenantID: ten.ID, Feature: plan.Reports, Hash: plan.CodeHash("ABCDEFGHJKM3"),
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	for _, x := range []plan.AccessCode{c2, c3} {
		if err := s.Plans.CreateAccessCode(ctx, x); err != nil {
			t.Fatalf("CreateAccessCode: %v", err)
		}
		x.RedeemedAt, x.RedeemedBy = &at, owner.ID
		if err := s.Plans.RedeemAccessCode(ctx, x, plan.Grant{TenantID: ten.ID, Feature: x.Feature, GrantedAt: at, CodeID: x.ID}); err != nil {
			t.Fatalf("RedeemAccessCode: %v", err)
		}
	}
	gs, err = s.Plans.ListGrants(ctx, ten.ID)
	if err != nil || len(gs) != 2 || gs[0].Feature != plan.Interactive || gs[1].Feature != plan.Reports || gs[1].CodeID != c3.ID {
		t.Fatalf("ListGrants = %+v, %v; want interactive, then reports from the latest code", gs, err)
	}
	other, _ := newTenant(t, Stores{Tenants: s.Tenants}, "plan@b.example")
	if gs, err := s.Plans.ListGrants(ctx, other.ID); err != nil || len(gs) != 0 {
		t.Fatalf("another tenant's grants = %+v, %v; want none", gs, err)
	}
}

func testRedeemConcurrent(t *testing.T, s PlanStores) {
	ten, owner := newTenant(t, Stores{Tenants: s.Tenants}, "race@a.example")
	c := plan.AccessCode{ID: id.New("acc"), TenantID: ten.ID, Feature: plan.Campaigns, Hash: plan.CodeHash("RACERACERACE"),
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.Plans.CreateAccessCode(ctx, c); err != nil {
		t.Fatalf("CreateAccessCode: %v", err)
	}
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := now.Add(time.Duration(i) * time.Second)
			x := c
			x.RedeemedAt, x.RedeemedBy = &at, owner.ID
			errs[i] = s.Plans.RedeemAccessCode(ctx, x, plan.Grant{TenantID: ten.ID, Feature: c.Feature, GrantedAt: at, CodeID: c.ID})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, plan.ErrCodeUsed):
			t.Fatalf("concurrent redeem: %v, want nil or ErrCodeUsed", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d concurrent redeems succeeded, want exactly 1", ok, n)
	}
}

// testGatingRules drives plan.Service over the adapter with an injected clock.
func testGatingRules(t *testing.T, s PlanStores) {
	ten, owner := newTenant(t, Stores{Tenants: s.Tenants}, "gate@a.example")
	other, otherOwner := newTenant(t, Stores{Tenants: s.Tenants}, "gate@b.example")
	clock := time.Now()
	svc := plan.NewService(s.Plans, s.Tenants, s.Attempts, true)
	svc.Now = func() time.Time { return clock }
	p := auth.Principal{TenantID: ten.ID, UserID: owner.ID, Role: auth.Owner}

	if err := svc.Require(ctx, ten.ID, plan.Reports); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("Require(reports) on a free plan = %v, want feature_locked", err)
	}
	// Issue validates every field at once.
	_, err := svc.Issue(ctx, plan.IssueInput{Feature: "gold", TTL: time.Second})
	var fs apperr.Fields
	if !fs.AddErr(err) || len(fs) != 3 {
		t.Fatalf("Issue(bad) = %v, want errors on tenantId, feature and ttl", err)
	}
	if _, err := svc.Issue(ctx, plan.IssueInput{TenantID: "ten_missing", Feature: plan.Reports}); apperr.CodeOf(err) != apperr.Validation {
		t.Fatalf("Issue(unknown tenant) = %v, want a validation error", err)
	}
	issued, err := svc.Issue(ctx, plan.IssueInput{TenantID: ten.ID, Feature: plan.Reports, TTL: time.Hour})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	stored, err := s.Plans.GetAccessCode(ctx, plan.CodeHash(mustNormalize(t, issued.Code)))
	if err != nil || stored.ID != issued.ID {
		t.Fatalf("the code is not stored under its hash: %+v, %v", stored, err)
	}

	// A member may not redeem; another tenant's owner gets "wrong code" for a right code.
	if _, err := svc.Redeem(ctx, auth.Principal{TenantID: ten.ID, UserID: "usr_m", Role: auth.Member}, issued.Code); !errors.Is(err, plan.ErrForbidden) {
		t.Fatalf("Redeem by a member = %v, want ErrForbidden", err)
	}
	if _, err := svc.Redeem(ctx, auth.Principal{TenantID: other.ID, UserID: otherOwner.ID, Role: auth.Owner}, issued.Code); !errors.Is(err, plan.ErrCodeWrong) {
		t.Fatalf("Redeem of another tenant's code = %v, want ErrCodeWrong", err)
	}
	// Redeem unlocks, with the code typed in lower case without dashes; a second redeem is refused.
	g, err := svc.Redeem(ctx, p, lowerNoDash(issued.Code))
	if err != nil || g.Feature != plan.Reports {
		t.Fatalf("Redeem = %+v, %v", g, err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Reports); err != nil {
		t.Fatalf("Require(reports) after redeeming: %v", err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Interactive); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("Require(interactive) = %v, want it still locked", err)
	}
	if err := svc.Require(ctx, other.ID, plan.Reports); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("another tenant's Require(reports) = %v, want it still locked", err)
	}
	if _, err := svc.Redeem(ctx, p, issued.Code); !errors.Is(err, plan.ErrCodeUsed) {
		t.Fatalf("Redeem again = %v, want ErrCodeUsed", err)
	}

	// An expired code is refused.
	exp, err := svc.Issue(ctx, plan.IssueInput{TenantID: ten.ID, Feature: plan.Interactive, TTL: time.Minute})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	clock = clock.Add(time.Minute)
	if _, err := svc.Redeem(ctx, p, exp.Code); !errors.Is(err, plan.ErrCodeExpired) {
		t.Fatalf("Redeem(expired) = %v, want ErrCodeExpired", err)
	}

	// Wrong codes: the fifth locks the tenant; then even a right code is refused until the lock ends.
	right, err := svc.Issue(ctx, plan.IssueInput{TenantID: ten.ID, Feature: plan.Interactive, TTL: 24 * time.Hour})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	for i := 1; i <= 5; i++ {
		_, err := svc.Redeem(ctx, p, plan.NewCode())
		want := apperr.Validation
		if i == 5 {
			want = apperr.RateLimited
		}
		if apperr.CodeOf(err) != want {
			t.Fatalf("wrong code %d: %v, want %s", i, err, want)
		}
	}
	if _, err := svc.Redeem(ctx, p, right.Code); apperr.CodeOf(err) != apperr.RateLimited {
		t.Fatalf("right code while locked = %v, want rate_limited", err)
	}
	// The lock is per tenant: the other tenant still redeems.
	otherCode, _ := svc.Issue(ctx, plan.IssueInput{TenantID: other.ID, Feature: plan.Campaigns})
	if _, err := svc.Redeem(ctx, auth.Principal{TenantID: other.ID, UserID: otherOwner.ID, Role: auth.Admin}, otherCode.Code); err != nil {
		t.Fatalf("the other tenant's redeem during the lock: %v", err)
	}
	clock = clock.Add(plan.RedeemLockout.Base)
	if _, err := svc.Redeem(ctx, p, right.Code); err != nil {
		t.Fatalf("right code after the lock: %v", err)
	}
	st, err := svc.Status(ctx, ten.ID)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	want := map[plan.Feature]string{plan.Campaigns: "", plan.Reports: "code", plan.Interactive: "code"}
	for _, fs := range st.Features {
		if fs.Source != want[fs.Feature] || fs.Unlocked != (want[fs.Feature] != "") {
			t.Fatalf("Status = %+v, want %v", st, want)
		}
	}

	// Gating off: everything is open and nothing is read.
	open := plan.NewService(s.Plans, s.Tenants, s.Attempts, false)
	if err := open.Require(ctx, other.ID, plan.Reports); err != nil {
		t.Fatalf("Require with gating off: %v", err)
	}
}

func mustNormalize(t *testing.T, code string) string {
	t.Helper()
	n, ok := plan.NormalizeCode(code)
	if !ok {
		t.Fatalf("NormalizeCode(%q) failed", code)
	}
	return n
}

func lowerNoDash(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '-' {
			continue
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
