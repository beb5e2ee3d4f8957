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

// DBCredentials are what the device store's DSN is made of: on ECS the session host gets them as ECS secrets
// (WAQTOR_DEVICE_DB_* variables, shared/config), or it reads them from the secret RDS generates for the instance's
// master user (the JSON tags are that secret's fields).
type DBCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	DBName   string `json:"dbname"`
}

// PostgresDSN turns the device database secret (the JSON RDS generates) into a DSN for PostgresDialect, as
// DBCredentials.DSN does.
func PostgresDSN(secret []byte) (string, error) {
	var c DBCredentials
	if err := json.Unmarshal(secret, &c); err != nil {
		return "", fmt.Errorf("%w: %w", ErrDeviceDBSecret, err)
	}
	dsn, err := c.DSN()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrDeviceDBSecret, err)
	}
	return dsn, nil
}

// DSN is the DSN for PostgresDialect, TLS required (RDS for PostgreSQL 15 and later refuses unencrypted
// connections: rds.force_ssl is on). Without DBName the database is "postgres", without Port 5432. Its errors
// name the missing fields, never the password.
func (c DBCredentials) DSN() (string, error) {
	var errs []error
	if c.Username == "" {
		errs = append(errs, errors.New("no username"))
	}
	if c.Password == "" {
		errs = append(errs, errors.New("no password"))
	}
	if c.Host == "" {
		errs = append(errs, errors.New("no host"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d out of range", c.Port))
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	if c.Port == 0 {
		c.Port = 5432
	}
	if c.DBName == "" {
		c.DBName = "postgres"
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(c.Username, c.Password),
		Host:     net.JoinHostPort(c.Host, strconv.Itoa(c.Port)),
		Path:     "/" + c.DBName,
		RawQuery: url.Values{"sslmode": {"require"}}.Encode(),
	}
	return u.String(), nil
}
