// Package standalone runs all of WaQtor in one process on one machine: SQLite for state and queues, the
// in-process event router with the deployed routing table, every route and queue consumer (the audit log, the
// webhook fan-out and deliverer), and the HTTP API.
package standalone

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/dashboard"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/runtime/restapi"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/webhook"
	"github.com/waqtor/waqtor/shared/wshub"
)

// Run starts standalone WaQtor and blocks until ctx is cancelled, then drains: the HTTP server finishes in-flight
// requests, the router finishes running handlers and returns unstarted messages, and the database closes.
// The first-start banner (owner login and API key, shown once) goes to stdout; logs go to log.
func Run(ctx context.Context, cfg config.Config, stdout io.Writer, log *slog.Logger) error {
	if err := privateDataDir(cfg.DataDir); err != nil {
		return err
	}
	// One process per data directory: standalone's sessions, queues and database have a single owner.
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	// Listen first: every SSRF guard built below must know the product's own address (config.Config.Listeners).
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen on %s (WAQTOR_METRICS_ADDR; off to disable): %w", cfg.MetricsAddr, err)
		}
		defer metricsLn.Close()
	}
	for _, l := range []net.Listener{ln, metricsLn} {
		if l == nil {
			continue
		}
		if ap, err := netip.ParseAddrPort(l.Addr().String()); err == nil {
			cfg.Listeners = append(cfg.Listeners, ap)
		}
	}
	db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "waqtor.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		return err
	}
	defer q.Close()
	rt, err := eventbus.New(q, routing.Standalone(), eventbus.Options{Logger: log, ShutdownGrace: cfg.ShutdownTimeout})
	if err != nil {
		return err
	}
	files, err := localdisk.NewMediaStore(filepath.Join(cfg.DataDir, "media"))
	if err != nil {
		return err
	}
	// Webhook secrets and header values are encrypted with keys kept in their own file, apart from the database;
	// what an earlier version stored in plain text, or an older key sealed, is sealed with the current key now.
	ring, err := crypt.OpenKeyFile(cfg.SecretsKeyFile)
	if err != nil {
		return err
	}
	if n, err := webhook.Reseal(ctx, sqlite.NewWebhookStore(db), ring); err != nil {
		return err
	} else if n > 0 {
		log.InfoContext(ctx, "sealed webhook secrets with the current key", "webhooks", n, "key", ring.CurrentID())
	}
	stores := NewStores(db, files, ring)
	// Every queue's consumer (shared/consumers) runs on the bus, registered below once the session runner exists.
	deps := ConsumerDeps(db, q, ring, cfg, log)
	// The live feed (/ws) is tapped onto the bus: every event the router accepts reaches the hub in process.
	hub := wshub.New(wshub.Config{Tickets: realtime.NewTickets(stores.Tickets), OriginPatterns: originHosts(cfg.DashboardOrigins),
		Log: log.With("component", "wshub")})
	bus := hub.Publisher(rt)

	secret, err := tokenSecret(cfg)
	if err != nil {
		return err
	}
	svc, err := app.NewServices(stores, bus, app.Outbound{Queue: q, Sender: deps.Sender}, secret, cfg, log)
	if err != nil {
		return err
	}
	first, err := setup.FirstStart(ctx, svc.Tenants, svc.Keys, setup.Input{TenantName: cfg.BootstrapTenant,
		Email: cfg.BootstrapEmail, Password: cfg.BootstrapPassword, APIKey: cfg.BootstrapAPIKey})
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var draining atomic.Bool
	ready := func(ctx context.Context) error {
		if draining.Load() {
			return errors.New("shutting down")
		}
		return db.R.PingContext(ctx)
	}
	devices, world, closeWA, err := openWhatsApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeWA()
	// The notification center: the notifications consumer, and what the session runner and the webhook deliverer
	// raise their signals with.
	center := app.NotificationCenter(stores, bus, log)
	host, err := sessionrunner.New(sessionrunner.Config{Sessions: stores.Sessions, Messages: stores.Messages, Devices: devices,
		Events: bus, Queue: q, Files: files, Notifier: center,
		Log: log.With("component", "session-host")})
	if err != nil {
		return err
	}
	// This process is the only consumer: whatever a killed predecessor had in flight comes back at once.
	if n, err := q.ReleaseInFlight(ctx, session.SendsQueue, session.ControlQueue); err != nil {
		return err
	} else if n > 0 {
		log.InfoContext(ctx, "released session commands a previous process left in flight", "count", n)
	}
	deps.Sessions = host
	// Consumers publish onto the bus the hub is tapped onto, so notification.created reaches the live feed.
	deps.Events = bus
	deps.NotificationRules = center
	if err := Consume(rt, deps); err != nil {
		return err
	}
	api := restapi.New(stores, svc, cfg, log, reg, ready, world)

	// The live feed at /ws; the dashboard at / (dashboard/dist), the API under /api/ and its other paths.
	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	mux.Handle("/", dashboard.Handler(cfg.DashboardDir, api))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	// Metrics on their own listener (loopback by default), not on the API's (there only to WAQTOR_METRICS_TOKEN).
	// Its address, like ln's, is one of this process's own.
	metricsSrv := &http.Server{ReadHeaderTimeout: 10 * time.Second, ErrorLog: srv.ErrorLog}
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", api.MetricsHandler())
		metricsSrv.Handler = mux
	}
	printBanner(stdout, ln.Addr().String(), first)
	started := []any{"addr", ln.Addr().String(), "data_dir", cfg.DataDir, "version", app.Version}
	if metricsLn != nil {
		started = append(started, "metrics_addr", metricsLn.Addr().String())
	}
	log.InfoContext(ctx, "waqtor standalone started", started...)

	runCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return rt.Run(gctx) })
	g.Go(func() error { return host.Run(gctx) })
	g.Go(func() error {
		media.SweepUploadsEvery(gctx, files, time.Hour, media.LogSweep(gctx, log))
		return nil
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})

	if metricsLn != nil {
		g.Go(func() error {
			if err := metricsSrv.Serve(metricsLn); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("metrics server: %w", err)
			}
			return nil
		})
	}

	select {
	case <-ctx.Done():
	case <-gctx.Done():
	}
	draining.Store(true)
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	shutErr := errors.Join(srv.Shutdown(shutCtx), metricsSrv.Shutdown(shutCtx))
	shutErr = errors.Join(shutErr, hub.Shutdown(shutCtx)) // the server does not track hijacked connections
	stopWorkers()
	err = g.Wait()
	if err := errors.Join(err, shutErr); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// privateDataDir creates the data dir, or tightens an existing one, so that only its owner can list or enter it
// (0700). The files in it are made 0600 by whoever writes them (sqlite.PrivateFile for the databases).
func privateDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// originHosts are the hosts of the dashboard origins, which may open the live feed from a browser.
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

// tokenSecret is WAQTOR_TOKEN_SECRET, or a secret generated once and kept in the data dir.
func tokenSecret(cfg config.Config) ([]byte, error) {
	if cfg.TokenSecret != "" {
		return []byte(cfg.TokenSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "token-secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("token secret: %w", err)
		}
		return []byte(strings.TrimSpace(string(b))), nil
	}
	raw := make([]byte, 48)
	rand.Read(raw)
	s := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write token secret: %w", err)
	}
	return []byte(s), nil
}

func printBanner(w io.Writer, addr string, first setup.Result) {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	fmt.Fprintf(w, "WaQtor is running on http://%s\n", net.JoinHostPort(host, port))
	first.Print(w)
}
