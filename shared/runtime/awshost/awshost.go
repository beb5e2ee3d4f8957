// Package awshost runs the session host on AWS, as the ECS service: the WhatsApp device store on Postgres (RDS,
// credentials from Secrets Manager, which ECS passes as variables), the session commands from SQS, events to
// EventBridge, records in DynamoDB and media in S3. It is apart from awsfunction so that the Lambda functions, which
// use awsfunction, never link whatsmeow.
package awshost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/sync/errgroup"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// Run runs the session host until ctx ends, then drains: running commands finish (up to the shutdown timeout),
// every WhatsApp connection closes, and the health endpoint answers 503 meanwhile. /healthz and /readyz on
// cfg.Addr serve the container health check.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) error {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	rt, err := awsapp.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if rt.Stores.Media == nil {
		return errors.New("the session host needs WAQTOR_MEDIA_BUCKET (incoming media are stored there)")
	}
	dialect, dsn, err := deviceStore(ctx, rt.Runtime, cfg)
	if err != nil {
		return err
	}
	devices, err := whatsapp.Open(ctx, whatsapp.Options{Dialect: dialect, DSN: dsn, HTTPClient: o.whatsapp,
		Logger: log.With("component", "whatsapp")})
	if err != nil {
		return err
	}
	defer devices.Close()
	q, err := sqs.NewQueue(rt.SQS(), cfg.QueuePrefix, queue.Catalog...)
	if err != nil {
		return err
	}
	// After the router stopped: its last long polls give back what SQS handed them.
	defer q.Close()
	var leases session.LeaseStore = dynamo.NewLeaseStore(rt.DynamoDB, cfg.Table)
	if o.leases != nil {
		leases = o.leases(leases)
	}
	hostID := HostID()
	host, err := sessionrunner.New(sessionrunner.Config{Sessions: rt.Stores.Sessions, Messages: rt.Stores.Messages, Devices: devices,
		Events: rt.Publisher, Queue: q, Files: rt.Stores.Media, Notifier: app.NotificationCenter(rt.Stores, rt.Publisher, log),
		Log: log.With("component", "session-host"), Leases: leases, HostID: hostID, LeaseTTL: cfg.SessionLeaseTTL})
	if err != nil {
		return err
	}
	// The session queues' consumer receives nothing while this host only waits for sessions another host holds.
	r, err := eventbus.New(host.Gate(q), nil, eventbus.Options{Logger: log, ShutdownGrace: cfg.ShutdownTimeout})
	if err != nil {
		return err
	}
	// The host runs the registry's session host consumers (shared/consumers), each with its AWS concurrency.
	for _, c := range consumers.On(consumers.SessionHost) {
		if err := r.Consume(c, consumers.Deps{Sessions: host}, c.AWSConcurrency); err != nil {
			return err
		}
	}

	var draining atomic.Bool
	mux := http.NewServeMux()
	health := func(w http.ResponseWriter, _ *http.Request) {
		if draining.Load() {
			http.Error(w, `{"status":"draining"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"ok","version":%q}`, app.Version)
	}
	mux.HandleFunc("GET /healthz", health)
	mux.HandleFunc("GET /readyz", health)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.InfoContext(ctx, "waqtor session host (AWS) started", "addr", ln.Addr().String(), "version", app.Version,
		"host_id", hostID)

	runCtx, stop := context.WithCancel(context.Background())
	defer stop()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return r.Run(gctx) })
	// The host outlives the router: running commands finish on connected sessions, and only then does every
	// session disconnect and release its lease for the successor.
	hostCtx, stopHost := context.WithCancel(context.Background())
	defer stopHost()
	hostDone := make(chan error, 1)
	go func() {
		err := host.Run(hostCtx)
		if err != nil {
			stop()
		}
		hostDone <- err
	}()
	// Expired uploads (POST /api/media) go within the hour; the bucket's lifecycle rule is the backstop.
	g.Go(func() error {
		media.SweepUploadsEvery(gctx, rt.Stores.Media, time.Hour, media.LogSweep(gctx, log))
		return nil
	})
	// The health server runs until the drain is over (answering 503 meanwhile), so it is not in g, whose Wait
	// is the drain; a failure to serve ends the run like a failure of g.
	var serveErr error
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			serveErr = fmt.Errorf("health server: %w", err)
			stop()
		}
	}()
	select {
	case <-ctx.Done():
	case <-gctx.Done():
	}
	draining.Store(true)
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	stop()
	err = g.Wait()
	stopHost()
	err = errors.Join(err, <-hostDone)
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(err, srv.Shutdown(shutCtx))
	<-served
	return errors.Join(err, serveErr)
}

// Option tunes Run.
type Option func(*options)

type options struct {
	whatsapp *http.Client
	leases   func(session.LeaseStore) session.LeaseStore
}

// WithLeaseStore wraps the sessions' lease store: tests cut a host off from it to play a partition.
func WithLeaseStore(wrap func(session.LeaseStore) session.LeaseStore) Option {
	return func(o *options) { o.leases = wrap }
}

// HostID is this process's identity as a holder of session leases: the ECS task's container ID (from the task
// metadata endpoint's URL, no request made) or the host name, and a random suffix, so that every process, a
// restart in the same place included, is a new holder.
func HostID() string {
	where := path.Base(os.Getenv("ECS_CONTAINER_METADATA_URI_V4"))
	if where == "." || where == "/" {
		where, _ = os.Hostname()
	}
	if where == "" {
		where = "host"
	}
	return where + "/" + rand.Text()[:10]
}

// WithWhatsApp points every WhatsApp connection (and media transfer) at another server through hc: tests pass a
// shared/wasim server's HTTPClient. Without it the host connects to WhatsApp.
func WithWhatsApp(hc *http.Client) Option { return func(o *options) { o.whatsapp = hc } }

// deviceStore is the Postgres device store: from the WAQTOR_DEVICE_DB_* variables (as ECS passes the database's
// secret), or from the secret WAQTOR_DEVICE_DB_SECRET names, read here; TLS required either way. Without either
// (for trying the AWS mode on one machine) it is a SQLite file in the data directory.
func deviceStore(ctx context.Context, rt *awsfunction.Runtime, cfg config.Config) (dialect, dsn string, err error) {
	switch {
	case cfg.DeviceDB.Set():
		d := cfg.DeviceDB
		dsn, err = whatsapp.DBCredentials{Username: d.User, Password: d.Password, Host: d.Host, Port: d.Port, DBName: d.Name}.DSN()
		if err != nil {
			return "", "", fmt.Errorf("the device database (WAQTOR_DEVICE_DB_*): %w", err)
		}
		return whatsapp.PostgresDialect, dsn, nil
	case cfg.DeviceDBSecret != "":
		out, err := secretsmanager.NewFromConfig(rt.AWS).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(cfg.DeviceDBSecret)})
		if err != nil {
			return "", "", fmt.Errorf("read the device database secret: %w", err)
		}
		dsn, err = whatsapp.PostgresDSN([]byte(aws.ToString(out.SecretString)))
		if err != nil {
			return "", "", err
		}
		return whatsapp.PostgresDialect, dsn, nil
	default:
		return "sqlite", filepath.Join(cfg.DataDir, "whatsapp.db"), nil
	}
}
