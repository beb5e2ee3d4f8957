package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/tenant"
)

// LoginAttemptStore is tenant.AttemptStore on SQLite (table login_attempts, migration 0006).
type LoginAttemptStore struct{ db *DB }

var _ tenant.AttemptStore = (*LoginAttemptStore)(nil)

// NewLoginAttemptStore returns the login attempt store of db.
func NewLoginAttemptStore(db *DB) *LoginAttemptStore { return &LoginAttemptStore{db: db} }

const attemptCols = `key, failures, locks, locked_until, last_failure, expires_at`

func scanAttempts(r rowScanner) (tenant.LoginAttempts, error) {
	var a tenant.LoginAttempts
	var locked, last, expires string
	if err := r.Scan(&a.Key, &a.Failures, &a.Locks, &locked, &last, &expires); err != nil {
		return tenant.LoginAttempts{}, err
	}
	a.LockedUntil, a.LastFailure, a.ExpiresAt = parseZeroTime(locked), parseZeroTime(last), parseTime(expires)
	return a, nil
}

// parseZeroTime is parseTime that reads "" as the zero time.
func parseZeroTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	return parseTime(s)
}

func fmtZeroTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

// live returns the record scanned from row, or ErrNoLoginAttempts if there is none or it has expired.
func (s *LoginAttemptStore) live(row *sql.Row) (tenant.LoginAttempts, error) {
	a, err := scanAttempts(row)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.LoginAttempts{}, tenant.ErrNoLoginAttempts
	}
	if err != nil {
		return tenant.LoginAttempts{}, fmt.Errorf("get login attempts: %w", err)
	}
	if !a.ExpiresAt.After(s.db.Now()) {
		return tenant.LoginAttempts{}, tenant.ErrNoLoginAttempts
	}
	return a, nil
}

func (s *LoginAttemptStore) GetLoginAttempts(ctx context.Context, key string) (tenant.LoginAttempts, error) {
	return s.live(s.db.readRow(ctx, `SELECT `+attemptCols+` FROM login_attempts WHERE key = ?`, key))
}

// UpdateLoginAttempts reads, applies fn and writes in one write transaction, which SQLite serialises.
func (s *LoginAttemptStore) UpdateLoginAttempts(ctx context.Context, key string, fn func(*tenant.LoginAttempts) error) (tenant.LoginAttempts, error) {
	var out tenant.LoginAttempts
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		a, err := s.live(tx.QueryRowContext(ctx, `SELECT `+attemptCols+` FROM login_attempts WHERE key = ?`, key))
		if errors.Is(err, tenant.ErrNoLoginAttempts) {
			a, err = tenant.LoginAttempts{Key: key}, nil
		}
		if err != nil {
			return err
		}
		if err := fn(&a); err != nil {
			return err
		}
		a.Key = key
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO login_attempts (`+attemptCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
			a.Key, a.Failures, a.Locks, fmtZeroTime(a.LockedUntil), fmtZeroTime(a.LastFailure), fmtTime(a.ExpiresAt)); err != nil {
			return fmt.Errorf("save login attempts: %w", err)
		}
		// Expired records go while we hold the write lock anyway; bounded so a request stays quick.
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE rowid IN
			(SELECT rowid FROM login_attempts WHERE expires_at <= ? LIMIT 100)`, fmtTime(s.db.Now())); err != nil {
			return fmt.Errorf("expire login attempts: %w", err)
		}
		out = a
		return nil
	})
	return out, err
}

func (s *LoginAttemptStore) DeleteLoginAttempts(ctx context.Context, key string) error {
	if _, err := s.db.W.ExecContext(ctx, `DELETE FROM login_attempts WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete login attempts: %w", err)
	}
	return nil
}
