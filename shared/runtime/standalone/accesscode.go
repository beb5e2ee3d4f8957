package standalone

import (
	"context"
	"path/filepath"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// OpenPlans opens the plan service over the standalone database of cfg.DataDir for the operator's commands
// (`access-code issue`, `plan set`); close releases the database. It may run while WaQtor serves from the same
// directory (SQLite allows a second process; a code or a plan change applies at once).
func OpenPlans(ctx context.Context, cfg config.Config) (s *plan.Service, close func() error, err error) {
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "waqtor.db"))
	if err != nil {
		return nil, nil, err
	}
	return plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), nil, cfg.PremiumGating), db.Close, nil
}
