package auth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

func TestTokenRoundTripAndTampering(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tokens, err := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	tok, exp, err := tokens.Issue("usr_1", "ten_1", auth.Admin, 3)
	if err != nil || !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("Issue = %v, %v", exp, err)
	}
	c, err := tokens.Verify(tok)
	if err != nil || c.Subject != "usr_1" || c.TenantID != "ten_1" || c.Role != auth.Admin || c.Version != 3 {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	parts := strings.Split(tok, ".")
	other, _ := auth.NewTokens([]byte("another-secret-another-secret-xx"), time.Hour, clock)
	forged, _, _ := other.Issue("usr_1", "ten_2", auth.Owner, 3)
	for name, bad := range map[string]string{
		"empty":           "",
		"two parts":       parts[0] + "." + parts[1],
		"payload swapped": parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2],
		"other secret":    forged,
		"alg none":        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"bit flipped":     tok[:len(tok)-2] + string(tok[len(tok)-2]^1) + tok[len(tok)-1:],
	} {
		if _, err := tokens.Verify(bad); err != auth.ErrTokenInvalid {
			t.Errorf("%s: Verify = %v, want ErrTokenInvalid", name, err)
		}
	}
	now = now.Add(time.Hour)
	if _, err := tokens.Verify(tok); err != auth.ErrTokenExpired {
		t.Fatalf("Verify after expiry = %v, want ErrTokenExpired", err)
	}
	if _, err := auth.NewTokens([]byte("short"), time.Hour, clock); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

func TestRolesAndScopes(t *testing.T) {
	member := auth.Principal{Role: auth.Member, Scopes: auth.RoleScopes(auth.Member)}
	for _, s := range []auth.Scope{auth.ScopeKeysWrite, auth.ScopeUsersWrite, auth.ScopeActivityRead} {
		if member.Can(s) {
			t.Errorf("member can %s", s)
		}
	}
	if !member.Can(auth.ScopeMessagesSend) || !member.Can(auth.ScopeUsersRead) {
		t.Error("member cannot use the product")
	}
	if member.CanGrant([]auth.Scope{auth.ScopeAll}) {
		t.Error("member can grant *")
	}
	owner := auth.Principal{Role: auth.Owner, Scopes: auth.RoleScopes(auth.Owner)}
	if !owner.CanGrant([]auth.Scope{auth.ScopeAll, auth.ScopeKeysWrite}) {
		t.Error("owner cannot grant *")
	}
	narrow := auth.Principal{Scopes: []auth.Scope{auth.ScopeMessagesSend, auth.ScopeKeysWrite}}
	if narrow.CanGrant([]auth.Scope{auth.ScopeMessagesRead}) || !narrow.CanGrant([]auth.Scope{auth.ScopeMessagesSend}) {
		t.Error("a key may grant exactly the scopes it holds")
	}
	if !auth.Owner.AtLeast(auth.Admin) || auth.Member.AtLeast(auth.Admin) || auth.Role("root").AtLeast(auth.Member) {
		t.Error("AtLeast ordering")
	}
}

func TestPasswords(t *testing.T) {
	auth.PasswordCost = 4
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if auth.CheckPassword(h, "correct horse battery") != nil || auth.CheckPassword(h, "wrong") == nil || auth.CheckPassword("", "x") == nil {
		t.Fatal("CheckPassword")
	}
	if auth.CheckPasswordPolicy("short", "") == "" || auth.CheckPasswordPolicy(strings.Repeat("x", 129), "") == "" || auth.CheckPasswordPolicy("long enough pw", "") != "" {
		t.Fatal("CheckPasswordPolicy")
	}
}

func TestKeyScopesFollowTheCreatorsRole(t *testing.T) {
	all := []auth.Scope{auth.ScopeAll}
	if got := auth.KeyScopes(all, auth.Admin); !slices.Equal(got, all) {
		t.Errorf("admin's * key = %v, want *", got)
	}
	if got := auth.KeyScopes(all, auth.Member); slices.Contains(got, auth.ScopeAll) || slices.Contains(got, auth.ScopeUsersWrite) ||
		!slices.Contains(got, auth.ScopeMessagesSend) {
		t.Errorf("member's * key = %v, want the member scopes", got)
	}
	mixed := []auth.Scope{auth.ScopeUsersWrite, auth.ScopeMessagesSend}
	if got := auth.KeyScopes(mixed, auth.Member); !slices.Equal(got, []auth.Scope{auth.ScopeMessagesSend}) {
		t.Errorf("member's mixed key = %v", got)
	}
	if got := auth.KeyScopes(mixed, auth.Role("root")); len(got) != 0 {
		t.Errorf("unknown role's key = %v, want nothing", got)
	}
	if got := auth.Lost(all, auth.KeyScopes(all, auth.Member)); !slices.Equal(got, []auth.Scope{auth.ScopeKeysWrite, auth.ScopeUsersWrite, auth.ScopeActivityRead, auth.ScopeSettingsWrite}) {
		t.Errorf("Lost(*, member) = %v", got)
	}
	if got := auth.Lost(mixed, mixed); len(got) != 0 {
		t.Errorf("Lost(x, x) = %v", got)
	}
}
