package tenant

import (
	"errors"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

// TestKeepFixed: whatever a change does, the user's identity (ID, tenant, email, creation) keeps its value and the
// rest changes; a failing change fails. The stores save what they are given, so this is the rule.
func TestKeepFixed(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := t0.Add(time.Hour)
	stored := User{ID: "usr_1", TenantID: "ten_a", Email: "a@a.example", Name: "A", Role: auth.Member, PasswordHash: "h",
		CreatedAt: t0, UpdatedAt: t0}
	u := stored
	err := keepFixed(func(u *User) error {
		u.ID, u.TenantID, u.Email, u.CreatedAt = "usr_2", "ten_b", "hijack@a.example", later
		u.Name, u.Role, u.PasswordHash, u.Disabled, u.UpdatedAt, u.TokenVersion = "B", auth.Admin, "h2", true, later, 3
		return nil
	})(&u)
	if err != nil {
		t.Fatal(err)
	}
	want := stored
	want.Name, want.Role, want.PasswordHash, want.Disabled, want.UpdatedAt, want.TokenVersion = "B", auth.Admin, "h2", true, later, 3
	if u != want {
		t.Fatalf("after the change:\n got %+v\nwant %+v", u, want)
	}
	boom := errors.New("boom")
	if err := keepFixed(func(*User) error { return boom })(&u); !errors.Is(err, boom) {
		t.Fatalf("a failing change = %v, want boom", err)
	}
}
