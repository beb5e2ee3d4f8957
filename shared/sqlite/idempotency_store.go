package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/waqtor/waqtor/shared/idempotency"
)

// IdempotencyStore is idempotency.Store on SQLite.
type IdempotencyStore struct{ db *DB }

var _ idempotency.Store = (*IdempotencyStore)(nil)

// NewIdempotencyStore returns the idempotency store of db.
func NewIdempotencyStore(db *DB) *IdempotencyStore { return &IdempotencyStore{db: db} }

func (s *IdempotencyStore) Begin(ctx context.Context, rec idempotency.Record) (idempotency.Record, bool, error) {
	var out idempotency.Record
	created := false
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var cur idempotency.Record
		var createdAt, expires string
		err := tx.QueryRowContext(ctx, `SELECT tenant_id, caller, key, method, path, body_hash, done, status, content_type, body,
			created_at, expires_at FROM idempotency WHERE tenant_id = ? AND caller = ? AND key = ?`, rec.TenantID, rec.Caller, rec.Key).
			Scan(&cur.TenantID, &cur.Caller, &cur.Key, &cur.Method, &cur.Path, &cur.BodyHash, &cur.Done, &cur.Status,
				&cur.ContentType, &cur.Body, &createdAt, &expires)
		switch {
		case err == nil:
			cur.CreatedAt, cur.ExpiresAt = parseTime(createdAt), parseTime(expires)
			if cur.ExpiresAt.After(s.db.Now()) {
				out = cur
				return nil
			}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("read idempotency record: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency
			(tenant_id, caller, key, method, path, body_hash, done, status, content_type, body, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, 0, 0, '', NULL, ?, ?)`,
			rec.TenantID, rec.Caller, rec.Key, rec.Method, rec.Path, rec.BodyHash, fmtTime(rec.CreatedAt), fmtTime(rec.ExpiresAt)); err != nil {
			return fmt.Errorf("insert idempotency record: %w", err)
		}
		// Expired records of any tenant go while we hold the write lock anyway; bounded so a request stays quick.
		if _, err := tx.ExecContext(ctx, `DELETE FROM idempotency WHERE rowid IN
			(SELECT rowid FROM idempotency WHERE expires_at < ? LIMIT 100)`, fmtTime(s.db.Now())); err != nil {
			return fmt.Errorf("expire idempotency records: %w", err)
		}
		rec.Done, rec.Status, rec.ContentType, rec.Body = false, 0, "", nil
		out, created = rec, true
		return nil
	})
	return out, created, err
}

func (s *IdempotencyStore) Complete(ctx context.Context, sc idempotency.Scope, status int, contentType string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	res, err := s.db.W.ExecContext(ctx, `UPDATE idempotency SET done = 1, status = ?, content_type = ?, body = ?
		WHERE tenant_id = ? AND caller = ? AND key = ?`, status, contentType, body, sc.TenantID, sc.Caller, sc.Key)
	if err != nil {
		return fmt.Errorf("complete idempotency record: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("complete idempotency record: no record for the key")
	}
	return nil
}

func (s *IdempotencyStore) Release(ctx context.Context, sc idempotency.Scope) error {
	if _, err := s.db.W.ExecContext(ctx, `DELETE FROM idempotency WHERE tenant_id = ? AND caller = ? AND key = ? AND done = 0`,
		sc.TenantID, sc.Caller, sc.Key); err != nil {
		return fmt.Errorf("release idempotency record: %w", err)
	}
	return nil
}
