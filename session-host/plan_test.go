package main_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// `waqtor plan set` changes a tenant's plan in the standalone database; gated features follow at once; bad flags
// are all named at once and change nothing.
func TestPlanSetCommand(t *testing.T) {
	ctx := context.Background()
	dataDir, db, ten, _ := operatorDB(t)
	set := func(args ...string) (string, error) {
		cmd := exec.Command(binary, append([]string{"plan", "set"}, args...)...)
		cmd.Env = append(os.Environ(), "WAQTOR_DATA_DIR="+dataDir, "WAQTOR_PREMIUM_GATING=on")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	svc := plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), sqlite.NewLoginAttemptStore(db), true)
	locked := func() bool { return apperr.CodeOf(svc.Require(ctx, ten.ID, plan.Reports)) == apperr.FeatureLocked }

	out, err := set("--plan", "gold")
	if err == nil || !strings.Contains(out, "--tenant: is required") || !strings.Contains(out, "--plan: must be one of free, premium") {
		t.Fatalf("bad flags: %v\n%s", err, out)
	}
	out, err = set("--tenant", "ten_nobody", "--plan", "premium")
	if err == nil || !strings.Contains(out, "--tenant: no tenant with this ID") {
		t.Fatalf("unknown tenant: %v\n%s", err, out)
	}
	if !locked() {
		t.Fatal("reports unlocked before the plan changed")
	}
	out, err = set("--tenant", ten.ID, "--plan", "premium")
	if err != nil || !strings.Contains(out, "tenant "+ten.ID+": plan premium (was free)") {
		t.Fatalf("plan set premium: %v\n%s", err, out)
	}
	if locked() {
		t.Fatal("reports still locked on premium")
	}
	if _, err := set("--tenant", ten.ID, "--plan", "free"); err != nil || !locked() {
		t.Fatalf("plan set free: %v; reports locked again: %v", err, locked())
	}
}
