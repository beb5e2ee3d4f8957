package apikey

import (
	"errors"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

// TestKeepFixed: whatever a change does, what was fixed when the key was made keeps its value and the rest changes;
// a failing change fails. The stores save what they are given, so this is the rule.
func TestKeepFixed(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := t0.Add(time.Hour)
	stored := Key{ID: "key_1", TenantID: "ten_a", Name: "ci", Hint: "wq_ab", Hash: "h", Scopes: []auth.Scope{auth.ScopeAll},
		CreatedBy: "usr_1", Role: auth.Owner, CreatedAt: t0}
	k := stored
	err := keepFixed(func(k *Key) error {
		k.ID, k.TenantID, k.Hint, k.Hash, k.CreatedBy, k.CreatedAt = "key_2", "ten_b", "wq_zz", "other", "usr_2", later
		k.Name, k.Role, k.ExpiresAt, k.LastUsed, k.RevokedAt = "renamed", auth.Admin, &later, &later, &later
		return nil
	})(&k)
	if err != nil {
		t.Fatal(err)
	}
	want := stored
	want.Name, want.Role, want.ExpiresAt, want.LastUsed, want.RevokedAt = "renamed", auth.Admin, &later, &later, &later
	if k.ID != want.ID || k.TenantID != want.TenantID || k.Hint != want.Hint || k.Hash != want.Hash || k.CreatedBy != want.CreatedBy ||
		!k.CreatedAt.Equal(want.CreatedAt) || k.Name != want.Name || k.Role != want.Role || k.ExpiresAt != want.ExpiresAt ||
		k.LastUsed != want.LastUsed || k.RevokedAt != want.RevokedAt {
		t.Fatalf("after the change:\n got %+v\nwant %+v", k, want)
	}
	boom := errors.New("boom")
	if err := keepFixed(func(*Key) error { return boom })(&k); !errors.Is(err, boom) {
		t.Fatalf("a failing change = %v, want boom", err)
	}
}
