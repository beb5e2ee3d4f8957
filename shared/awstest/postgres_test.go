package awstest_test

import (
	"context"
	"database/sql"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/waqtor/waqtor/shared/awstest"
)

// Each call is a fresh, empty server of its own on 127.0.0.1 that takes SQL, and its Cleanup stops it.
func TestPostgres(t *testing.T) {
	awstest.ToolsDir(t) // skips under -short, like the servers it starts
	var hosts []string
	for i := range 2 {
		t.Run("server", func(t *testing.T) {
			start := time.Now()
			dsn := awstest.Postgres(t)
			t.Logf("started in %s", time.Since(start))
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if u.Hostname() != "127.0.0.1" || u.Port() == "" {
				t.Fatalf("DSN %s: want 127.0.0.1 and a port", dsn)
			}
			hosts = append(hosts, u.Host)
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var version string
			if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err != nil || version[:3] != "17." {
				t.Fatalf("server_version: %q, %v; want 17.x", version, err)
			}
			// Fresh: the table of the first server does not exist in the second.
			if _, err := db.ExecContext(ctx, "CREATE TABLE devices (jid text PRIMARY KEY, n int)"); err != nil {
				t.Fatalf("server %d: create table: %v", i, err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO devices VALUES ($1, $2), ($3, $4)", "a", 1, "b", 2); err != nil {
				t.Fatal(err)
			}
			var sum int
			if err := db.QueryRowContext(ctx, "SELECT sum(n) FROM devices").Scan(&sum); err != nil || sum != 3 {
				t.Fatalf("sum: %d, %v; want 3", sum, err)
			}
		})
	}
	if len(hosts) != 2 || hosts[0] == hosts[1] {
		t.Fatalf("servers at %v: want two different ports", hosts)
	}
	for _, h := range hosts {
		if conn, err := net.DialTimeout("tcp", h, time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after its test ended", h)
		}
	}
}

// The TLS server refuses unencrypted connections, as RDS with rds.force_ssl does, and encrypts the ones its DSN
// makes.
func TestPostgresTLS(t *testing.T) {
	dsn := awstest.PostgresTLS(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if mode := u.Query().Get("sslmode"); mode != "require" {
		t.Fatalf("DSN %s: sslmode %q, want require", dsn, mode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cases := []struct {
		sslmode string
		wantSSL bool // else: refused
	}{
		{"require", true},
		{"disable", false},
	}
	for _, c := range cases {
		t.Run(c.sslmode, func(t *testing.T) {
			q := u.Query()
			q.Set("sslmode", c.sslmode)
			v := *u
			v.RawQuery = q.Encode()
			db, err := sql.Open("pgx", v.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var ssl bool
			err = db.QueryRowContext(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl)
			switch {
			case c.wantSSL && (err != nil || !ssl):
				t.Fatalf("ssl %v, %v; want an encrypted connection", ssl, err)
			case !c.wantSSL && err == nil:
				t.Fatalf("an unencrypted connection was accepted (ssl %v)", ssl)
			case !c.wantSSL && !strings.Contains(err.Error(), "no pg_hba.conf entry"):
				t.Fatalf("refused with %v; want no pg_hba.conf entry", err)
			}
		})
	}
}
