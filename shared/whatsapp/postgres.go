package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the database/sql driver "pgx"
)

// PostgresDialect is the database/sql driver (pgx) and the sqlstore dialect of the device store on Postgres, the
// AWS runtime's store: sqlstore.New(ctx, PostgresDialect, dsn, log). whatsmeow's dbutil reads "pgx" as Postgres.
const PostgresDialect = "pgx"

// ErrDeviceDBSecret: the device database secret (WAQTOR_DEVICE_DB_SECRET) is not the JSON RDS generates.
var ErrDeviceDBSecret = errors.New("whatsapp: malformed device database secret")

// dbSecret is the JSON of the secret RDS generates for an instance's master user (the host reads it from
// Secrets Manager at start).
type dbSecret struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	DBName   string `json:"dbname"`
}

// PostgresDSN turns the device database secret into a DSN for PostgresDialect, TLS required (RDS for
// PostgreSQL 15 and later refuses unencrypted connections: rds.force_ssl is on). Without dbname the database is
// "postgres", without port 5432.
func PostgresDSN(secret []byte) (string, error) {
	var s dbSecret
	if err := json.Unmarshal(secret, &s); err != nil {
		return "", fmt.Errorf("%w: %w", ErrDeviceDBSecret, err)
	}
	var errs []error
	if s.Username == "" {
		errs = append(errs, errors.New("no username"))
	}
	if s.Password == "" {
		errs = append(errs, errors.New("no password"))
	}
	if s.Host == "" {
		errs = append(errs, errors.New("no host"))
	}
	if s.Port < 0 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d out of range", s.Port))
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("%w: %w", ErrDeviceDBSecret, err)
	}
	if s.Port == 0 {
		s.Port = 5432
	}
	if s.DBName == "" {
		s.DBName = "postgres"
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(s.Username, s.Password),
		Host:     net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path:     "/" + s.DBName,
		RawQuery: url.Values{"sslmode": {"require"}}.Encode(),
	}
	return u.String(), nil
}
