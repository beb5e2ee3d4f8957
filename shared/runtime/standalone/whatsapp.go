package standalone

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/wasim"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// openWhatsApp opens the device store of standalone's sessions (data/whatsapp.db, 0600) and, in demo mode, starts the
// demo WhatsApp (its state in data/demo) that the sessions then connect to. close ends both.
func openWhatsApp(ctx context.Context, cfg config.Config, log *slog.Logger) (devs session.Devices, world demo.World, close func(), err error) {
	var hc *http.Client
	var d *wasim.Demo
	if cfg.Demo() {
		d, err = wasim.OpenDemo(filepath.Join(cfg.DataDir, "demo"), log.With("component", "demo-whatsapp"))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("start the demo whatsapp: %w", err)
		}
		hc = d.HTTPClient()
		world = d
		log.InfoContext(ctx, "demo mode: sessions connect to the built-in fake WhatsApp", "contacts", len(d.Contacts()))
	}
	dsn := filepath.Join(cfg.DataDir, "whatsapp.db")
	if err := sqlite.PrivateFile(dsn); err != nil {
		if d != nil {
			d.Close()
		}
		return nil, nil, nil, err
	}
	dv, err := whatsapp.Open(ctx, whatsapp.Options{Dialect: "sqlite", DSN: dsn,
		HTTPClient: hc, Logger: log.With("component", "whatsapp")})
	if err != nil {
		if d != nil {
			d.Close()
		}
		return nil, nil, nil, fmt.Errorf("open the whatsapp device store: %w", err)
	}
	return dv, world, func() {
		dv.Close()
		if d != nil {
			d.Close()
		}
	}, nil
}
