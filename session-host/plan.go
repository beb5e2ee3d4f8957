package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/tenant"
)

// setPlan is `plan set --tenant ID --plan free|premium`: it sets the tenant's plan and prints the change. Standalone
// writes to the database in WAQTOR_DATA_DIR, AWS to WAQTOR_TABLE (as `access-code issue`).
func setPlan(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan set", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tenantID := fs.String("tenant", "", "the tenant's ID (GET /api/me shows it as tenantId)")
	name := fs.String("plan", "", "free or premium")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("plan set: unexpected arguments %q", fs.Args())
	}
	in := plan.SetPlanInput{TenantID: *tenantID, Plan: *name}
	ch, err := withPlans(ctx, cfg, log, func(s *plan.Service) (plan.PlanChanged, error) { return s.SetPlan(ctx, in) })
	if errors.Is(err, tenant.ErrTenantNotFound) {
		return fmt.Errorf("plan set:\n--tenant: no tenant with this ID")
	}
	if err := flagErrors("plan set", err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tenant %s: plan %s (was %s)\n", ch.TenantID, ch.Plan, ch.PreviousPlan)
	if !ch.Gating {
		fmt.Fprintln(stdout, "premium gating is off (WAQTOR_PREMIUM_GATING): every tenant has every feature whatever its plan")
	}
	return nil
}
