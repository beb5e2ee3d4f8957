package standalone

import (
	"context"
	"path/filepath"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// IssueAccessCode issues an access code in the standalone database of cfg.DataDir: the operator's
// `access-code issue` command. It may run while WaQtor serves from the same directory (SQLite allows a second
// process; the code is usable at once).
func IssueAccessCode(ctx context.Context, cfg config.Config, in plan.IssueInput) (plan.Issued, error) {
	return withPlans(ctx, cfg, func(s *plan.Service) (plan.Issued, error) { return s.Issue(ctx, in) })
}

// SetTenantPlan sets a tenant's plan in the standalone database of cfg.DataDir: the operator's `plan set` command.
// Like IssueAccessCode it may run beside a serving WaQtor; gated requests follow at once.
func SetTenantPlan(ctx context.Context, cfg config.Config, in plan.SetPlanInput) (plan.PlanChanged, error) {
	return withPlans(ctx, cfg, func(s *plan.Service) (plan.PlanChanged, error) { return s.SetPlan(ctx, in) })
}

// withPlans runs fn with the plan service over the standalone database, opened for this call only.
func withPlans[T any](ctx context.Context, cfg config.Config, fn func(*plan.Service) (T, error)) (T, error) {
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "waqtor.db"))
	if err != nil {
		var zero T
		return zero, err
	}
	defer db.Close()
	return fn(plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), nil, cfg.PremiumGating))
}
