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
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "waqtor.db"))
	if err != nil {
		return plan.Issued{}, err
	}
	defer db.Close()
	return plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), nil, cfg.PremiumGating).Issue(ctx, in)
}
