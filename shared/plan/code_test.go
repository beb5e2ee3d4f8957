package plan_test

import (
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/plan"
)

func TestNewCodeIsRandomAndNormalizes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := plan.NewCode()
		if len(c) != plan.CodeLength+2 || c[4] != '-' || c[9] != '-' {
			t.Fatalf("NewCode() = %q, want XXXX-XXXX-XXXX", c)
		}
		n, ok := plan.NormalizeCode(c)
		if !ok || n != strings.ReplaceAll(c, "-", "") {
			t.Fatalf("NormalizeCode(%q) = %q, %v", c, n, ok)
		}
		if seen[n] {
			t.Fatalf("NewCode repeated %q in 1000 codes", n)
		}
		seen[n] = true
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"7k2m-9qxd-4htb", "7K2M9QXD4HTB", true},
		{" 7K2M 9QXD 4HTB ", "7K2M9QXD4HTB", true},
		{"IL0O-AAAA-BBBB", "1100AAAABBBB", true}, // look-alikes
		{"7K2M-9QXD-4HT", "", false},             // short
		{"7K2M-9QXD-4HTBX", "", false},           // long
		{"7K2M-9QXD-4HTU", "", false},            // U is not in the alphabet
		{"1234", "", false},                      // the seed's 4-digit code is not a code
	} {
		got, ok := plan.NormalizeCode(tc.in)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if plan.CodeHash("7K2M9QXD4HTB") == plan.CodeHash("7K2M9QXD4HTC") || len(plan.CodeHash("x")) != 64 {
		t.Fatal("CodeHash is not a SHA-256 hex digest of the code")
	}
}

func TestIncludes(t *testing.T) {
	for _, f := range plan.Features {
		if !plan.Includes(plan.Premium, f) || plan.Includes("free", f) {
			t.Errorf("Includes(%s): premium must include it, free must not", f)
		}
	}
	if plan.Includes(plan.Premium, "gold") {
		t.Error("Includes(premium, gold): not a feature")
	}
}
