// Package whatsapp is the WhatsApp adapter: session.Devices and session.Client implemented with whatsmeow. It is
// the only package besides shared/wasim (the fake server) that imports whatsmeow.
//
// One Devices holds every linked device's keys in one whatsmeow sqlstore.Container (SQLite or Postgres); each
// Client wraps one whatsmeow.Client configured for at-least-once delivery (synchronous acks, the decrypted-event
// buffer, handler errors make WhatsApp redeliver). A supervisor maps every lifecycle event to a session.Status and
// a watchdog restarts connections that look connected but are dead.
package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/waqtor/waqtor/shared/session"
)

// Options configure Open. Zero values take the defaults.
type Options struct {
	// Dialect is "sqlite" (default; modernc, registered by this package) or "pgx"/"postgres" (the caller registers
	// the driver).
	Dialect string
	// DSN is the database: for SQLite a file path or a "file:" URI (foreign keys, busy timeout and WAL are added
	// when missing), for Postgres a connection string.
	DSN string
	// HTTPClient carries the pre-login and login websockets and media. Nil means the real WhatsApp; tests and the
	// demo mode pass wasim's Server.HTTPClient().
	HTTPClient *http.Client
	// Logger receives the adapter's, whatsmeow's and libsignal's logs (whatsmeow's info as debug). Nil discards.
	// libsignal's logger is process-wide: the first Open's Logger gets it.
	Logger *slog.Logger
	// DeviceName is shown in the phone's "Linked devices" list. Default "WaQtor". It is process-wide in
	// whatsmeow: the last Open wins.
	DeviceName string
	// QRIntervals is how long each QR code of a login is shown; the login fails with session.ErrLoginTimeout when
	// they run out. Default 60 s then 20 s five times, as WhatsApp does. Code pairing waits their sum.
	QRIntervals []time.Duration
	// PairReconnectTimeout bounds the wait, after the phone accepted the pairing, for WhatsApp's restart request
	// and the first login of the new device. Default 30 s.
	PairReconnectTimeout time.Duration
	// WatchdogKeepalive restarts a connection whose keepalive pings have failed for longer than this. Default 60 s.
	WatchdogKeepalive time.Duration
	// WatchdogSendFailures restarts a connection after this many consecutive sends timed out. Default 3.
	WatchdogSendFailures int
	// SendTimeout bounds the wait for WhatsApp's ack of one send. Default 75 s (whatsmeow's).
	SendTimeout time.Duration
}

func (o *Options) setDefaults() {
	if o.Dialect == "" {
		o.Dialect = "sqlite"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.DeviceName == "" {
		o.DeviceName = "WaQtor"
	}
	if len(o.QRIntervals) == 0 {
		o.QRIntervals = []time.Duration{60 * time.Second, 20 * time.Second, 20 * time.Second, 20 * time.Second,
			20 * time.Second, 20 * time.Second}
	}
	if o.PairReconnectTimeout <= 0 {
		o.PairReconnectTimeout = 30 * time.Second
	}
	if o.WatchdogKeepalive <= 0 {
		o.WatchdogKeepalive = 60 * time.Second
	}
	if o.WatchdogSendFailures <= 0 {
		o.WatchdogSendFailures = 3
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 75 * time.Second
	}
}

// Validate reports every problem of o at once.
func (o Options) Validate() error {
	var errs []error
	switch {
	case strings.HasPrefix(o.Dialect, "sqlite"), o.Dialect == "pgx", strings.HasPrefix(o.Dialect, "postgres"):
	default:
		errs = append(errs, fmt.Errorf("%w: dialect %q (want sqlite, pgx or postgres)", ErrBadOptions, o.Dialect))
	}
	if o.DSN == "" {
		errs = append(errs, fmt.Errorf("%w: DSN is required", ErrBadOptions))
	}
	for _, d := range o.QRIntervals {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%w: QR interval %s", ErrBadOptions, d))
			break
		}
	}
	return errors.Join(errs...)
}

// Devices is the device store: every linked device's keys in one sqlstore.Container.
type Devices struct {
	opts      Options
	container *sqlstore.Container
}

var _ session.Devices = (*Devices)(nil)

// Open opens (and migrates) the device store.
func Open(ctx context.Context, o Options) (*Devices, error) {
	o.setDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	dsn := o.DSN
	if strings.HasPrefix(o.Dialect, "sqlite") {
		dsn = sqliteDSN(dsn)
	}
	setSignalLogger(o.Logger)
	if store.DeviceProps.GetOs() != o.DeviceName { // process-wide: write only when it changes
		store.DeviceProps.Os = proto.String(o.DeviceName)
	}
	container, err := sqlstore.New(ctx, o.Dialect, dsn, newWALog(o.Logger, "store"))
	if err != nil {
		return nil, fmt.Errorf("open whatsapp device store: %w", err)
	}
	return &Devices{opts: o, container: container}, nil
}

// sqliteDSN adds the pragmas whatsmeow needs (foreign keys) and that keep concurrent sessions from failing with
// SQLITE_BUSY (busy timeout, WAL) to a file path or file: URI that lacks them.
func sqliteDSN(dsn string) string {
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	var add []string
	for _, p := range []struct{ name, pragma string }{
		{"foreign_keys", "_pragma=foreign_keys(1)"},
		{"busy_timeout", "_pragma=busy_timeout(5000)"},
		{"journal_mode", "_pragma=journal_mode(WAL)"},
		// Transactions take the write lock when they begin: a deferred one that reads and then writes cannot wait
		// for a concurrent writer (SQLite answers SQLITE_BUSY at once, busy timeout or not), and whatsmeow's
		// Signal store does exactly that when several sessions decrypt at the same time.
		{"_txlock", "_txlock=immediate"},
	} {
		if !strings.Contains(dsn, p.name) {
			add = append(add, p.pragma)
		}
	}
	if len(add) == 0 {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + strings.Join(add, "&")
}

// New returns a client for a fresh, unpaired device; its keys are stored once pairing succeeds.
func (d *Devices) New(context.Context) (session.Client, error) {
	return newClient(d, d.container.NewDevice()), nil
}

// Open returns the client of a paired device; session.ErrDeviceNotFound when its keys are gone (logged out).
func (d *Devices) Open(ctx context.Context, deviceJID string) (session.Client, error) {
	jid, err := types.ParseJID(deviceJID)
	if err != nil || jid.Server != types.DefaultUserServer {
		return nil, fmt.Errorf("%w: device %q", ErrBadAddress, deviceJID)
	}
	dev, err := d.container.GetDevice(ctx, jid)
	if err != nil {
		return nil, fmt.Errorf("load device %s: %w", jid, err)
	}
	if dev == nil {
		return nil, fmt.Errorf("%s: %w", jid, session.ErrDeviceNotFound)
	}
	return newClient(d, dev), nil
}

// Close closes the database. Disconnect the clients first.
func (d *Devices) Close() error { return d.container.Close() }
