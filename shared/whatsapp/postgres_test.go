package whatsapp_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/wasim"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

const pgWait = 15 * time.Second

// whatsmeow's sqlstore on Postgres (the AWS device store) end to end: a real client pairs against wasim and its
// device lands in Postgres; a second client, from a container opened again on the same database, logs in with
// the stored keys (no QR code) and sends a text the contact's phone receives and decrypts.
func TestPostgresDeviceStore(t *testing.T) {
	dsn := awstest.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*pgWait)
	defer cancel()
	srv := wasim.New(t)
	alice, bob := srv.Phone("15550004100"), srv.Phone("15550004200")

	first := pgOpen(t, ctx, dsn)
	cli, evts := pgClient(t, srv, first.NewDevice())
	if err := cli.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	qr := pgNext[*events.QR](t, evts)
	jid, err := alice.Scan(qr.Codes[0])
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	pgNext[*events.Connected](t, evts)
	cli.Disconnect()
	if err := first.Close(); err != nil {
		t.Fatalf("close the first container: %v", err)
	}

	// The device, its identity and the prekeys it uploaded are rows of Postgres.
	db, err := sql.Open(whatsapp.PostgresDialect, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var devices, prekeys int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM whatsmeow_device WHERE jid = $1", jid.String()).Scan(&devices); err != nil || devices != 1 {
		t.Fatalf("whatsmeow_device rows for %s: %d, %v; want 1", jid, devices, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM whatsmeow_pre_keys WHERE jid = $1 AND uploaded", jid.String()).Scan(&prekeys); err != nil || prekeys == 0 {
		t.Fatalf("uploaded prekeys of %s: %d, %v; want some", jid, prekeys, err)
	}

	second := pgOpen(t, ctx, dsn)
	dev, err := second.GetDevice(ctx, jid)
	if err != nil || dev == nil {
		t.Fatalf("get device %s from the reopened container: %v (nil: %t)", jid, err, dev == nil)
	}
	again, evts2 := pgClient(t, srv, dev)
	if err := again.Connect(); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	pgNext[*events.Connected](t, evts2)
	for len(evts2) > 0 {
		if qr, ok := (<-evts2).(*events.QR); ok {
			t.Fatalf("the stored device showed a QR code: %v", qr)
		}
	}
	resp, err := again.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("from postgres")})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	got, err := bob.NextMessage(ctx)
	if err != nil {
		t.Fatalf("bob waiting: %v", err)
	}
	if got.Text() != "from postgres" || got.ID != resp.ID || got.From.User != alice.LID().User || got.From.Device != jid.Device {
		t.Fatalf("bob got %q id %s from %s; want %q id %s from alice's companion %s", got.Text(), got.ID, got.From, "from postgres", resp.ID, jid)
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

func TestPostgresDSN(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		want    string // "" when an error is expected
		wantErr error
	}{
		{"RDS generated", `{"username":"waqtor","password":"p@ss:w/rd","engine":"postgres","host":"db.abc.eu-west-1.rds.amazonaws.com","port":5432,"dbname":"waqtor","dbInstanceIdentifier":"x"}`,
			"postgres://waqtor:p%40ss%3Aw%2Frd@db.abc.eu-west-1.rds.amazonaws.com:5432/waqtor?sslmode=require", nil},
		{"defaults", `{"username":"u","password":"p","host":"h"}`, "postgres://u:p@h:5432/postgres?sslmode=require", nil},
		{"not JSON", `user=u`, "", whatsapp.ErrDeviceDBSecret},
		{"no password", `{"username":"u","host":"h"}`, "", whatsapp.ErrDeviceDBSecret},
		{"bad port", `{"username":"u","password":"p","host":"h","port":70000}`, "", whatsapp.ErrDeviceDBSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := whatsapp.PostgresDSN([]byte(tt.secret))
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			if tt.want == "" {
				return
			}
			// pgx reads it back to the same parts, password included, with TLS required.
			cfg, err := pgx.ParseConfig(got)
			if err != nil {
				t.Fatalf("pgx cannot parse %q: %v", got, err)
			}
			if cfg.TLSConfig == nil || len(cfg.Fallbacks) != 0 {
				t.Errorf("%q: TLS %v, fallbacks %d; want TLS required with no plain fallback", got, cfg.TLSConfig != nil, len(cfg.Fallbacks))
			}
			if tt.name == "RDS generated" && (cfg.Password != "p@ss:w/rd" || cfg.User != "waqtor" || cfg.Database != "waqtor" || cfg.Port != 5432) {
				t.Errorf("parsed back as %s@%s:%d/%s password %q", cfg.User, cfg.Host, cfg.Port, cfg.Database, cfg.Password)
			}
		})
	}
}

// pgOpen opens a device store container on Postgres (running whatsmeow's migrations), closed in t.Cleanup.
func pgOpen(t *testing.T, ctx context.Context, dsn string) *sqlstore.Container {
	t.Helper()
	c, err := sqlstore.New(ctx, whatsapp.PostgresDialect, dsn, waLog.Noop)
	if err != nil {
		t.Fatalf("open the device store on postgres: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// pgClient makes a whatsmeow client of dev that talks to srv, and collects its events.
func pgClient(t *testing.T, srv *wasim.Server, dev *store.Device) (*whatsmeow.Client, chan any) {
	t.Helper()
	cli := whatsmeow.NewClient(dev, waLog.Noop)
	srv.Configure(cli)
	t.Cleanup(cli.Disconnect)
	ch := make(chan any, 64)
	cli.AddEventHandler(func(evt any) {
		select {
		case ch <- evt:
		default:
		}
	})
	return cli, ch
}

// pgNext waits for the first event of type T, failing on a deadline or on an event that ends the session.
func pgNext[T any](t *testing.T, ch chan any) T {
	t.Helper()
	deadline := time.After(pgWait)
	for {
		select {
		case evt := <-ch:
			switch e := evt.(type) {
			case T:
				return e
			case *events.PairError, *events.LoggedOut, *events.ConnectFailure, *events.StreamError, *events.TemporaryBan:
				t.Fatalf("waiting for %T: got %#v", *new(T), e)
			}
		case <-deadline:
			t.Fatalf("no %T within %s", *new(T), pgWait)
		}
	}
}
