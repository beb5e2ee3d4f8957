// Package storetest is the ONE contract suite of the store ports (tenant, apikey, idempotency, activity). Every
// adapter (sqlite, dynamo) runs it, so the runtimes cannot drift.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/tenant"
)

// Stores is one adapter's set of stores over one fresh, empty database.
type Stores struct {
	Tenants     tenant.Store
	Keys        apikey.Store
	Idempotency idempotency.Store
	Activity    activity.Store
}

// Run runs the whole suite; newStores must return stores over a fresh, empty database each call.
func Run(t *testing.T, newStores func(t *testing.T) Stores) {
	t.Run("tenants", func(t *testing.T) { testTenants(t, newStores(t)) })
	t.Run("users", func(t *testing.T) { testUsers(t, newStores(t)) })
	t.Run("keys", func(t *testing.T) { testKeys(t, newStores(t)) })
	t.Run("idempotency", func(t *testing.T) { testIdempotency(t, newStores(t)) })
	t.Run("activity", func(t *testing.T) { testActivity(t, newStores(t)) })
}

var ctx = context.Background()

// now is a fixed instant with nanoseconds, so adapters must keep full precision.
var now = time.Date(2026, 11, 25, 10, 30, 15, 123456789, time.UTC)

func newTenant(t *testing.T, s Stores, email string) (tenant.Tenant, tenant.User) {
	t.Helper()
	ten := tenant.Tenant{ID: id.New("ten"), Name: "Acme " + email, Plan: "free", CreatedAt: now}
	owner := newUser(ten.ID, email, auth.Owner)
	if err := s.Tenants.CreateTenant(ctx, ten, owner); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return ten, owner
}

func newUser(tenantID, email string, role auth.Role) tenant.User {
	return tenant.User{ID: id.New("usr"), TenantID: tenantID, Email: email, Name: "Name of " + email, Role: role,
		PasswordHash: "$2a$04$hash-of-" + email, CreatedAt: now, UpdatedAt: now}
}

func wantCode(t *testing.T, what string, err error, code apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); err == nil || got != code {
		t.Fatalf("%s: got error %v (code %s), want code %s", what, err, got, code)
	}
}

func sameUser(t *testing.T, got, want tenant.User) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Email != want.Email || got.Name != want.Name ||
		got.Role != want.Role || got.PasswordHash != want.PasswordHash || got.Disabled != want.Disabled ||
		got.TokenVersion != want.TokenVersion || got.Phone != want.Phone || got.Gravatar != want.Gravatar ||
		(got.AvatarUpdatedAt == nil) != (want.AvatarUpdatedAt == nil) ||
		got.AvatarUpdatedAt != nil && !got.AvatarUpdatedAt.Equal(*want.AvatarUpdatedAt) ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("user:\n got %+v\nwant %+v", got, want)
	}
}

func testTenants(t *testing.T, s Stores) {
	if n, err := s.Tenants.CountTenants(ctx); err != nil || n != 0 {
		t.Fatalf("CountTenants on empty store = %d, %v; want 0", n, err)
	}
	ten, owner := newTenant(t, s, "owner@a.example")
	got, err := s.Tenants.GetTenant(ctx, ten.ID)
	if err != nil || got.ID != ten.ID || got.Name != ten.Name || got.Plan != ten.Plan || !got.CreatedAt.Equal(now) {
		t.Fatalf("GetTenant = %+v, %v; want %+v", got, err, ten)
	}
	u, err := s.Tenants.GetUser(ctx, ten.ID, owner.ID)
	if err != nil {
		t.Fatalf("GetUser(owner): %v", err)
	}
	sameUser(t, u, owner)

	_, err = s.Tenants.GetTenant(ctx, id.New("ten"))
	wantCode(t, "GetTenant(missing)", err, apperr.NotFound)
	if !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("GetTenant(missing) = %v, want ErrTenantNotFound", err)
	}

	// A second tenant whose owner email is taken is not created at all.
	dup := tenant.Tenant{ID: id.New("ten"), Name: "Dup", Plan: "free", CreatedAt: now}
	err = s.Tenants.CreateTenant(ctx, dup, newUser(dup.ID, "owner@a.example", auth.Owner))
	if !errors.Is(err, tenant.ErrEmailTaken) {
		t.Fatalf("CreateTenant with taken email = %v, want ErrEmailTaken", err)
	}
	if _, err := s.Tenants.GetTenant(ctx, dup.ID); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("tenant of a failed CreateTenant exists: %v", err)
	}
	// SetTenantPlan changes the plan only; a missing tenant is ErrTenantNotFound and is not created.
	got, err = s.Tenants.SetTenantPlan(ctx, ten.ID, "premium")
	if err != nil || got.ID != ten.ID || got.Name != ten.Name || got.Plan != "premium" || !got.CreatedAt.Equal(now) {
		t.Fatalf("SetTenantPlan = %+v, %v; want %+v with plan premium", got, err, ten)
	}
	if got, err := s.Tenants.GetTenant(ctx, ten.ID); err != nil || got.Plan != "premium" || got.Name != ten.Name || !got.CreatedAt.Equal(now) {
		t.Fatalf("GetTenant after SetTenantPlan = %+v, %v", got, err)
	}
	missing := id.New("ten")
	if _, err := s.Tenants.SetTenantPlan(ctx, missing, "premium"); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("SetTenantPlan(missing) = %v, want ErrTenantNotFound", err)
	}
	if _, err := s.Tenants.GetTenant(ctx, missing); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("SetTenantPlan(missing) created the tenant: %v", err)
	}
	if n, err := s.Tenants.CountTenants(ctx); err != nil || n != 1 {
		t.Fatalf("CountTenants after SetTenantPlan(missing) = %d, %v; want 1", n, err)
	}
	newTenant(t, s, "owner@b.example")
	if n, err := s.Tenants.CountTenants(ctx); err != nil || n != 2 {
		t.Fatalf("CountTenants = %d, %v; want 2", n, err)
	}
}

func testUsers(t *testing.T, s Stores) {
	a, ownerA := newTenant(t, s, "owner@a.example")
	b, ownerB := newTenant(t, s, "owner@b.example")

	member := newUser(a.ID, "member@a.example", auth.Member)
	member.CreatedAt, member.TokenVersion = now.Add(time.Second), 5
	if err := s.Tenants.CreateUser(ctx, member); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := s.Tenants.CreateUser(ctx, newUser(b.ID, "member@a.example", auth.Member)); !errors.Is(err, tenant.ErrEmailTaken) {
		t.Fatalf("CreateUser with an email of another tenant = %v, want ErrEmailTaken", err)
	}
	if err := s.Tenants.CreateUser(ctx, newUser(id.New("ten"), "x@c.example", auth.Member)); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("CreateUser in a missing tenant = %v, want ErrTenantNotFound", err)
	}

	users, err := s.Tenants.ListUsers(ctx, a.ID)
	if err != nil || len(users) != 2 || users[0].ID != ownerA.ID || users[1].ID != member.ID {
		t.Fatalf("ListUsers(a) = %v, %v; want [owner, member]", users, err)
	}
	users, err = s.Tenants.ListUsers(ctx, b.ID)
	if err != nil || len(users) != 1 || users[0].ID != ownerB.ID {
		t.Fatalf("ListUsers(b) = %v, %v; want [ownerB]", users, err)
	}
	if users, err := s.Tenants.ListUsers(ctx, id.New("ten")); err != nil || len(users) != 0 {
		t.Fatalf("ListUsers(unknown tenant) = %v, %v; want empty", users, err)
	}

	found, err := s.Tenants.FindUserByEmail(ctx, "member@a.example")
	if err != nil {
		t.Fatalf("FindUserByEmail: %v", err)
	}
	sameUser(t, found, member)
	_, err = s.Tenants.FindUserByEmail(ctx, "nobody@a.example")
	wantCode(t, "FindUserByEmail(missing)", err, apperr.NotFound)

	// Tenant isolation: B cannot see, change or delete A's users.
	_, err = s.Tenants.GetUser(ctx, b.ID, member.ID)
	wantCode(t, "GetUser across tenants", err, apperr.NotFound)
	_, err = s.Tenants.UpdateUser(ctx, b.ID, member.ID, func(u *tenant.User) error { u.Name = "pwned"; return nil })
	wantCode(t, "UpdateUser across tenants", err, apperr.NotFound)
	wantCode(t, "DeleteUser across tenants", s.Tenants.DeleteUser(ctx, b.ID, member.ID), apperr.NotFound)

	// Update: fn errors change nothing; a change that moves the user (ID, tenant, email: what it is found by) is
	// refused and changes nothing. Which other fields may change is the domain's rule (tenant's keepFixed).
	boom := errors.New("boom")
	if _, err := s.Tenants.UpdateUser(ctx, a.ID, member.ID, func(u *tenant.User) error { u.Name = "changed"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateUser with failing fn = %v, want boom", err)
	}
	for _, move := range []func(u *tenant.User){
		func(u *tenant.User) { u.Email = "hijack@a.example" },
		func(u *tenant.User) { u.TenantID = b.ID },
		func(u *tenant.User) { u.ID = "usr_other" },
	} {
		if _, err := s.Tenants.UpdateUser(ctx, a.ID, member.ID, func(u *tenant.User) error { u.Name = "moved"; move(u); return nil }); err == nil {
			t.Fatal("UpdateUser moving the user = nil error, want it refused")
		}
		if got, err := s.Tenants.GetUser(ctx, a.ID, member.ID); err != nil || got.Name != member.Name {
			t.Fatalf("user after a refused move = %+v, %v; want unchanged", got, err)
		}
	}
	later := now.Add(time.Hour)
	updated, err := s.Tenants.UpdateUser(ctx, a.ID, member.ID, func(u *tenant.User) error {
		u.Name, u.Role, u.Disabled, u.PasswordHash, u.UpdatedAt = "Renamed", auth.Admin, true, "new-hash", later
		u.TokenVersion += 2
		u.Phone, u.Gravatar, u.AvatarUpdatedAt = "+15551234567", true, &later
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want := member
	want.Name, want.Role, want.Disabled, want.PasswordHash, want.UpdatedAt = "Renamed", auth.Admin, true, "new-hash", later
	want.TokenVersion = member.TokenVersion + 2
	want.Phone, want.Gravatar, want.AvatarUpdatedAt = "+15551234567", true, &later
	sameUser(t, updated, want)
	got, err := s.Tenants.GetUser(ctx, a.ID, member.ID)
	if err != nil {
		t.Fatalf("GetUser after update: %v", err)
	}
	sameUser(t, got, want)
	if _, err := s.Tenants.FindUserByEmail(ctx, "hijack@a.example"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("email changed through UpdateUser: %v", err)
	}

	// ChangeEmail: the new email finds the user, the old one is free, a taken one is refused and changes nothing.
	if _, err := s.Tenants.ChangeEmail(ctx, a.ID, member.ID, ownerB.Email, later); !errors.Is(err, tenant.ErrEmailTaken) {
		t.Fatalf("ChangeEmail to another tenant's user's email = %v, want ErrEmailTaken", err)
	}
	if got, err := s.Tenants.GetUser(ctx, a.ID, member.ID); err != nil || got.Email != member.Email {
		t.Fatalf("a refused ChangeEmail changed the user: %+v, %v", got, err)
	}
	_, err = s.Tenants.ChangeEmail(ctx, b.ID, member.ID, "x@b.example", later)
	wantCode(t, "ChangeEmail across tenants", err, apperr.NotFound)
	moved := later.Add(time.Minute)
	changed, err := s.Tenants.ChangeEmail(ctx, a.ID, member.ID, "moved@a.example", moved)
	if err != nil || changed.Email != "moved@a.example" || !changed.UpdatedAt.Equal(moved) || changed.Name != "Renamed" {
		t.Fatalf("ChangeEmail = %+v, %v", changed, err)
	}
	if found, err := s.Tenants.FindUserByEmail(ctx, "moved@a.example"); err != nil || found.ID != member.ID || found.Phone != "+15551234567" {
		t.Fatalf("FindUserByEmail(new) = %+v, %v", found, err)
	}
	if _, err := s.Tenants.FindUserByEmail(ctx, "member@a.example"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("the old email still finds a user: %v", err)
	}
	if err := s.Tenants.CreateUser(ctx, newUser(b.ID, "member@a.example", auth.Member)); err != nil {
		t.Fatalf("the old email is not free after ChangeEmail: %v", err)
	}
	if same, err := s.Tenants.ChangeEmail(ctx, a.ID, member.ID, "moved@a.example", later); err != nil || !same.UpdatedAt.Equal(moved) {
		t.Fatalf("ChangeEmail to the same email = %+v, %v; want no change", same, err)
	}

	if err := s.Tenants.DeleteUser(ctx, a.ID, member.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = s.Tenants.GetUser(ctx, a.ID, member.ID)
	wantCode(t, "GetUser after delete", err, apperr.NotFound)
	wantCode(t, "DeleteUser twice", s.Tenants.DeleteUser(ctx, a.ID, member.ID), apperr.NotFound)
	_, err = s.Tenants.FindUserByEmail(ctx, "moved@a.example")
	wantCode(t, "FindUserByEmail after delete", err, apperr.NotFound)
	// The email is free again.
	if err := s.Tenants.CreateUser(ctx, newUser(b.ID, "moved@a.example", auth.Member)); err != nil {
		t.Fatalf("CreateUser with a freed email: %v", err)
	}
}

func newKey(tenantID, name string, created time.Time) (apikey.Key, string) {
	plain := apikey.Generate()
	exp := created.Add(48 * time.Hour)
	return apikey.Key{ID: id.New("key"), TenantID: tenantID, Name: name, Hint: plain[:12], Hash: apikey.Hash(plain),
		Scopes: []auth.Scope{auth.ScopeMessagesSend, auth.ScopeMessagesRead}, CreatedBy: "usr_creator", Role: auth.Admin,
		CreatedAt: created, ExpiresAt: &exp}, plain
}

func sameKey(t *testing.T, got, want apikey.Key) {
	t.Helper()
	eqPtr := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	if got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name || got.Hint != want.Hint ||
		got.Hash != want.Hash || !slices.Equal(got.Scopes, want.Scopes) || got.CreatedBy != want.CreatedBy ||
		got.Role != want.Role || !got.CreatedAt.Equal(want.CreatedAt) || !eqPtr(got.ExpiresAt, want.ExpiresAt) ||
		!eqPtr(got.LastUsed, want.LastUsed) || !eqPtr(got.RevokedAt, want.RevokedAt) {
		t.Fatalf("key:\n got %+v\nwant %+v", got, want)
	}
}

func testKeys(t *testing.T, s Stores) {
	a, _ := newTenant(t, s, "owner@a.example")
	b, ownerB := newTenant(t, s, "owner@b.example")
	c, _ := newTenant(t, s, "owner@c.example")
	testKeyCreator(t, s, c.ID, ownerB)
	k1, _ := newKey(a.ID, "first", now)
	k2, _ := newKey(a.ID, "second", now.Add(time.Second))
	kb, _ := newKey(b.ID, "b's", now)
	for _, k := range []apikey.Key{k1, k2, kb} {
		if err := s.Keys.CreateKey(ctx, k); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
	}
	dup := k1
	dup.ID = id.New("key")
	if err := s.Keys.CreateKey(ctx, dup); !errors.Is(err, apikey.ErrDuplicate) {
		t.Fatalf("CreateKey with a duplicate hash = %v, want ErrDuplicate", err)
	}
	orphan, _ := newKey(id.New("ten"), "orphan", now)
	wantCode(t, "CreateKey in a missing tenant", s.Keys.CreateKey(ctx, orphan), apperr.NotFound)

	got, err := s.Keys.GetKey(ctx, a.ID, k1.ID)
	if err != nil {
		t.Fatalf("GetKey: %v", err)
	}
	sameKey(t, got, k1)
	got, creator, err := s.Keys.FindKeyByHash(ctx, k2.Hash)
	if err != nil {
		t.Fatalf("FindKeyByHash: %v", err)
	}
	sameKey(t, got, k2)
	if creator != (apikey.Creator{}) {
		t.Fatalf("creator of a key whose creator does not exist = %+v, want not found", creator)
	}
	_, _, err = s.Keys.FindKeyByHash(ctx, apikey.Hash("wq_live_unknown_key_unknown_key_unknown"))
	wantCode(t, "FindKeyByHash(unknown)", err, apperr.NotFound)

	keys, err := s.Keys.ListKeys(ctx, a.ID)
	if err != nil || len(keys) != 2 || keys[0].ID != k1.ID || keys[1].ID != k2.ID {
		t.Fatalf("ListKeys(a) = %v, %v; want [k1, k2]", keys, err)
	}

	// Tenant isolation.
	_, err = s.Keys.GetKey(ctx, b.ID, k1.ID)
	wantCode(t, "GetKey across tenants", err, apperr.NotFound)
	_, err = s.Keys.UpdateKey(ctx, b.ID, k1.ID, func(k *apikey.Key) error { k.Name = "pwned"; return nil })
	wantCode(t, "UpdateKey across tenants", err, apperr.NotFound)
	wantCode(t, "TouchKey across tenants", s.Keys.TouchKey(ctx, b.ID, k1.ID, now), apperr.NotFound)

	// Update: fn error changes nothing; a change that moves the key (ID, tenant) is refused and changes nothing.
	// Which other fields may change is the domain's rule (apikey's keepFixed).
	boom := errors.New("boom")
	if _, err := s.Keys.UpdateKey(ctx, a.ID, k1.ID, func(k *apikey.Key) error { k.Name = "x"; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateKey with failing fn = %v", err)
	}
	for _, move := range []func(k *apikey.Key){func(k *apikey.Key) { k.TenantID = b.ID }, func(k *apikey.Key) { k.ID = "key_other" }} {
		if _, err := s.Keys.UpdateKey(ctx, a.ID, k1.ID, func(k *apikey.Key) error { k.Name = "moved"; move(k); return nil }); err == nil {
			t.Fatal("UpdateKey moving the key = nil error, want it refused")
		}
		if got, err := s.Keys.GetKey(ctx, a.ID, k1.ID); err != nil || got.Name != k1.Name {
			t.Fatalf("key after a refused move = %+v, %v; want unchanged", got, err)
		}
	}
	revoked := now.Add(time.Minute)
	updated, err := s.Keys.UpdateKey(ctx, a.ID, k1.ID, func(k *apikey.Key) error {
		k.Name, k.Scopes, k.RevokedAt = "renamed", []auth.Scope{auth.ScopeAll}, &revoked
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateKey: %v", err)
	}
	want := k1
	want.Name, want.Scopes, want.RevokedAt = "renamed", []auth.Scope{auth.ScopeAll}, &revoked
	sameKey(t, updated, want)
	got, _, _ = s.Keys.FindKeyByHash(ctx, k1.Hash)
	sameKey(t, got, want)

	// Touch records uses and never goes backwards.
	t1, t2 := now.Add(2*time.Minute), now.Add(3*time.Minute)
	for _, at := range []time.Time{t2, t1} {
		if err := s.Keys.TouchKey(ctx, a.ID, k2.ID, at); err != nil {
			t.Fatalf("TouchKey: %v", err)
		}
	}
	got, _ = s.Keys.GetKey(ctx, a.ID, k2.ID)
	if got.LastUsed == nil || !got.LastUsed.Equal(t2) {
		t.Fatalf("LastUsed = %v, want %v", got.LastUsed, t2)
	}
	wantCode(t, "TouchKey(missing)", s.Keys.TouchKey(ctx, a.ID, id.New("key"), now), apperr.NotFound)
}

// testKeyCreator: FindKeyByHash returns the key's creator as stored now, never a user of another tenant.
func testKeyCreator(t *testing.T, s Stores, tenantID string, otherTenantsUser tenant.User) {
	t.Helper()
	creator := newUser(tenantID, "creator@c.example", auth.Admin)
	if err := s.Tenants.CreateUser(ctx, creator); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	k, _ := newKey(tenantID, "creator's", now)
	k.CreatedBy = creator.ID
	foreign, _ := newKey(tenantID, "foreign creator", now)
	foreign.CreatedBy = otherTenantsUser.ID
	for _, key := range []apikey.Key{k, foreign} {
		if err := s.Keys.CreateKey(ctx, key); err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
	}
	check := func(what string, want apikey.Creator) {
		t.Helper()
		got, c, err := s.Keys.FindKeyByHash(ctx, k.Hash)
		if err != nil || got.ID != k.ID || c != want {
			t.Fatalf("%s: FindKeyByHash = %s, %+v, %v; want creator %+v", what, got.ID, c, err, want)
		}
	}
	check("new", apikey.Creator{Found: true, Role: auth.Admin})
	if _, err := s.Tenants.UpdateUser(ctx, tenantID, creator.ID, func(u *tenant.User) error {
		u.Role, u.Disabled = auth.Member, true
		return nil
	}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	check("demoted and disabled", apikey.Creator{Found: true, Role: auth.Member, Disabled: true})
	if err := s.Tenants.DeleteUser(ctx, tenantID, creator.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	check("deleted", apikey.Creator{})
	if _, c, err := s.Keys.FindKeyByHash(ctx, foreign.Hash); err != nil || c.Found {
		t.Fatalf("a key naming another tenant's user found its creator: %+v, %v", c, err)
	}
}

func testIdempotency(t *testing.T, s Stores) {
	sc := func(tenantID, caller, key string) idempotency.Scope {
		return idempotency.Scope{TenantID: tenantID, Caller: caller, Key: key}
	}
	fp := func(body string) idempotency.Fingerprint {
		return idempotency.NewFingerprint("POST", "/api/keys", "", []byte(body))
	}
	rec := func(scope idempotency.Scope, f idempotency.Fingerprint, expires time.Time) idempotency.Record {
		return idempotency.Record{Scope: scope, Fingerprint: f, CreatedAt: time.Now().UTC(), ExpiresAt: expires}
	}
	live := time.Now().Add(time.Hour)
	owner := sc("ten_a", "key_owner", "k1")
	got, created, err := s.Idempotency.Begin(ctx, rec(owner, fp("1"), live))
	if err != nil || !created || got.Fingerprint != fp("1") || got.Scope != owner || got.Done {
		t.Fatalf("Begin(new) = %+v, %v, %v; want created", got, created, err)
	}
	got, created, err = s.Idempotency.Begin(ctx, rec(owner, fp("2"), live))
	if err != nil || created || got.Fingerprint != fp("1") || got.Done {
		t.Fatalf("Begin(again, in progress) = %+v, %v, %v; want the first record, not done", got, created, err)
	}
	// Another tenant's identical key is independent, and so is another caller's of the same tenant (issue 8 item 2:
	// a key with keys:write replayed the owner's POST /api/keys and received the owner's new key).
	for _, other := range []idempotency.Scope{sc("ten_b", "key_owner", "k1"), sc("ten_a", "key_limited", "k1"),
		sc("ten_a", "usr_owner", "k1")} {
		if got, created, err := s.Idempotency.Begin(ctx, rec(other, fp("1"), live)); err != nil || !created || got.Scope != other {
			t.Fatalf("Begin(%+v) = %+v, %v, %v; want a new record of its own", other, got, created, err)
		}
	}
	body := []byte(`{"id":"key_1","secret":"<not escaped>"}`)
	if err := s.Idempotency.Complete(ctx, owner, 201, "application/json", body); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	got, created, err = s.Idempotency.Begin(ctx, rec(owner, fp("1"), live))
	if err != nil || created || !got.Done || got.Status != 201 || got.ContentType != "application/json" || string(got.Body) != string(body) ||
		got.Fingerprint != fp("1") {
		t.Fatalf("Begin(after complete) = %+v, %v, %v; want the stored response", got, created, err)
	}
	// The other callers' records of the same key did not receive the owner's response.
	if got, created, err := s.Idempotency.Begin(ctx, rec(sc("ten_a", "key_limited", "k1"), fp("1"), live)); err != nil || created || got.Done || len(got.Body) != 0 {
		t.Fatalf("Begin(other caller, after the owner completed) = %+v, %v, %v; want its own unfinished record", got, created, err)
	}
	if err := s.Idempotency.Complete(ctx, sc("ten_a", "key_nobody", "k1"), 201, "application/json", body); err == nil {
		t.Fatal("Complete of a scope that was never begun succeeded")
	}
	// Release forgets an unfinished record only, and only the caller's.
	k2 := sc("ten_a", "key_owner", "k2")
	if _, _, err := s.Idempotency.Begin(ctx, rec(k2, fp("h"), live)); err != nil {
		t.Fatal(err)
	}
	if err := s.Idempotency.Release(ctx, sc("ten_a", "key_limited", "k2")); err != nil {
		t.Fatalf("Release(other caller): %v", err)
	}
	if _, created, err := s.Idempotency.Begin(ctx, rec(k2, fp("h3"), live)); err != nil || created {
		t.Fatalf("Begin(after another caller's release) = %v, %v; want the record still there", created, err)
	}
	if err := s.Idempotency.Release(ctx, k2); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got, created, err := s.Idempotency.Begin(ctx, rec(k2, fp("h3"), live)); err != nil || !created || got.Fingerprint != fp("h3") {
		t.Fatalf("Begin(after release) = %+v, %v, %v; want created", got, created, err)
	}
	if err := s.Idempotency.Release(ctx, owner); err != nil {
		t.Fatalf("Release(done): %v", err)
	}
	if _, created, _ := s.Idempotency.Begin(ctx, rec(owner, fp("1"), live)); created {
		t.Fatal("Release removed a completed record")
	}
	// An expired record counts as absent.
	old := sc("ten_a", "key_owner", "old")
	if _, _, err := s.Idempotency.Begin(ctx, rec(old, fp("h"), time.Now().Add(-time.Second))); err != nil {
		t.Fatal(err)
	}
	if got, created, err := s.Idempotency.Begin(ctx, rec(old, fp("new"), live)); err != nil || !created || got.Fingerprint != fp("new") {
		t.Fatalf("Begin(over expired) = %+v, %v, %v; want created", got, created, err)
	}
}

func testActivity(t *testing.T, s Stores) {
	far := time.Now().Add(time.Hour)
	var ids []string
	for i := range 5 {
		e := activity.Entry{ID: event.NewID(), TenantID: "ten_a", Type: event.APIKeyCreated, ActorID: "usr_1",
			Time: now.Add(time.Duration(i) * time.Second), Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
		if err := s.Activity.Record(ctx, e, far); err != nil {
			t.Fatalf("Record: %v", err)
		}
		if err := s.Activity.Record(ctx, e, far); err != nil {
			t.Fatalf("Record twice: %v", err)
		}
		ids = append(ids, e.ID)
	}
	other := activity.Entry{ID: event.NewID(), TenantID: "ten_b", Type: event.UserCreated, Time: now, Data: json.RawMessage(`{}`)}
	if err := s.Activity.Record(ctx, other, far); err != nil {
		t.Fatal(err)
	}
	page, err := s.Activity.List(ctx, "ten_a", "", 3)
	if err != nil || len(page) != 3 || page[0].ID != ids[4] || page[2].ID != ids[2] {
		t.Fatalf("List page 1 = %v, %v; want the newest three", page, err)
	}
	if page[0].Type != event.APIKeyCreated || page[0].ActorID != "usr_1" || !page[0].Time.Equal(now.Add(4*time.Second)) ||
		string(page[0].Data) != `{"i":4}` || page[0].TenantID != "ten_a" {
		t.Fatalf("entry round trip = %+v", page[0])
	}
	page, err = s.Activity.List(ctx, "ten_a", page[2].ID, 3)
	if err != nil || len(page) != 2 || page[0].ID != ids[1] || page[1].ID != ids[0] {
		t.Fatalf("List page 2 = %v, %v; want the oldest two", page, err)
	}
	page, err = s.Activity.List(ctx, "ten_b", "", 100)
	if err != nil || len(page) != 1 || page[0].ID != other.ID {
		t.Fatalf("List(ten_b) = %v, %v", page, err)
	}
	_, err = s.Activity.List(ctx, "ten_a", "", 0)
	wantCode(t, "List(limit 0)", err, apperr.Validation)

	// ListByActor: only the actor's entries, newest first, paged the same way, never another tenant's.
	var mine []string
	for i := range 4 {
		e := activity.Entry{ID: event.NewID(), TenantID: "ten_a", Type: event.UserUpdated, ActorID: "usr_2",
			Time: now.Add(time.Duration(10+i) * time.Second), Data: json.RawMessage(`{}`)}
		if i%2 == 1 {
			e.ActorID = "usr_1"
		} else {
			mine = append(mine, e.ID)
		}
		if err := s.Activity.Record(ctx, e, far); err != nil {
			t.Fatal(err)
		}
	}
	theirs := activity.Entry{ID: event.NewID(), TenantID: "ten_b", Type: event.UserUpdated, ActorID: "usr_2", Time: now, Data: json.RawMessage(`{}`)}
	if err := s.Activity.Record(ctx, theirs, far); err != nil {
		t.Fatal(err)
	}
	page, err = s.Activity.ListByActor(ctx, "ten_a", "usr_2", "", 1)
	if err != nil || len(page) != 1 || page[0].ID != mine[1] || page[0].ActorID != "usr_2" {
		t.Fatalf("ListByActor page 1 = %v, %v; want the actor's newest", page, err)
	}
	page, err = s.Activity.ListByActor(ctx, "ten_a", "usr_2", page[0].ID, 10)
	if err != nil || len(page) != 1 || page[0].ID != mine[0] {
		t.Fatalf("ListByActor page 2 = %v, %v; want the actor's older one only", page, err)
	}
	page, err = s.Activity.ListByActor(ctx, "ten_a", "usr_1", "", 100)
	if err != nil || len(page) != 7 {
		t.Fatalf("ListByActor(usr_1) = %d entries, %v; want 7", len(page), err)
	}
	if page, err = s.Activity.ListByActor(ctx, "ten_a", "", "", 100); err != nil || len(page) != 0 {
		t.Fatalf("ListByActor(no actor) = %v, %v; want none", page, err)
	}
	_, err = s.Activity.ListByActor(ctx, "ten_a", "usr_2", "", 0)
	wantCode(t, "ListByActor(limit 0)", err, apperr.Validation)
}
