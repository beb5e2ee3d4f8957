package main_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
)

// `waqtor access-code issue` prints a code that the tenant can redeem once; bad flags are all named at once.
func TestAccessCodeIssueCommand(t *testing.T) {
	ctx := context.Background()
	dataDir, db, ten, owner := operatorDB(t)
	issue := func(args ...string) (string, error) {
		cmd := exec.Command(binary, append([]string{"access-code", "issue"}, args...)...)
		cmd.Env = append(os.Environ(), "WAQTOR_DATA_DIR="+dataDir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := issue("--feature", "gold", "--ttl", "1s")
	if err == nil || !strings.Contains(out, "--tenant: is required") || !strings.Contains(out, "--feature:") || !strings.Contains(out, "--ttl:") {
		t.Fatalf("bad flags: %v\n%s", err, out)
	}
	out, err = issue("--tenant", ten.ID, "--feature", "interactive", "--ttl", "2h")
	if err != nil {
		t.Fatalf("issue: %v\n%s", err, out)
	}
	code := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	if _, ok := plan.NormalizeCode(code); !ok || !strings.Contains(out, "interactive of tenant "+ten.ID) {
		t.Fatalf("issue printed %q", out)
	}
	svc := plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), sqlite.NewLoginAttemptStore(db), true)
	p := auth.Principal{TenantID: ten.ID, UserID: owner.ID, Role: auth.Owner}
	if g, err := svc.Redeem(ctx, p, code); err != nil || g.Feature != plan.Interactive {
		t.Fatalf("redeem the printed code: %+v, %v", g, err)
	}
	if err := svc.Require(ctx, ten.ID, plan.Interactive); err != nil {
		t.Fatalf("interactive after redeeming: %v", err)
	}
}

// operatorDB is a standalone data directory for the operator's commands, its database open, with one free tenant
// and its owner.
func operatorDB(t *testing.T) (dataDir string, db *sqlite.DB, ten tenant.Tenant, owner tenant.User) {
	t.Helper()
	dataDir = t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	ten = tenant.Tenant{ID: id.New("ten"), Name: "Acme", Plan: "free", CreatedAt: now}
	owner = tenant.User{ID: id.New("usr"), TenantID: ten.ID, Email: "o@acme.example", Role: auth.Owner, PasswordHash: "x",
		CreatedAt: now, UpdatedAt: now}
	if err := sqlite.NewTenantStore(db).CreateTenant(context.Background(), ten, owner); err != nil {
		t.Fatal(err)
	}
	return dataDir, db, ten, owner
}
