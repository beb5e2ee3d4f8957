package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

// LeaseStore is session.LeaseStore on SQLite (table session_leases of migrations/0009_session_leases.sql). Each
// step is one transaction on the single writer, which applies the domain's rules to the row as read.
type LeaseStore struct{ db *DB }

var _ session.LeaseStore = (*LeaseStore)(nil)

// NewLeaseStore returns the lease store of db.
func NewLeaseStore(db *DB) *LeaseStore { return &LeaseStore{db: db} }

func getLease(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, tenantID, sessionID string) (session.Lease, error) {
	l := session.Lease{TenantID: tenantID, SessionID: sessionID}
	var exp string
	err := q.QueryRowContext(ctx, `SELECT holder, token, expires_at FROM session_leases WHERE tenant_id = ? AND session_id = ?`,
		tenantID, sessionID).Scan(&l.Holder, &l.Token, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("get lease: %w", err)
	}
	l.ExpiresAt = parseTime(exp)
	return l, nil
}

// GetLease reads the lease.
func (st *LeaseStore) GetLease(ctx context.Context, tenantID, sessionID string) (session.Lease, error) {
	return getLease(ctx, st.db.R, tenantID, sessionID)
}

// AcquireLease takes the lease if it is free.
func (st *LeaseStore) AcquireLease(ctx context.Context, tenantID, sessionID, holder string, now time.Time, ttl time.Duration) (session.Lease, error) {
	var out session.Lease
	err := st.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getLease(ctx, tx, tenantID, sessionID)
		if err != nil {
			return err
		}
		if !cur.FreeFor(holder, now) {
			out = cur
			return session.ErrLeaseHeld
		}
		out = cur.Acquired(holder, now, ttl)
		return st.put(ctx, tx, out)
	})
	return out, err
}

func (st *LeaseStore) put(ctx context.Context, tx *sql.Tx, l session.Lease) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO session_leases (tenant_id, session_id, holder, token, expires_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, session_id) DO UPDATE SET holder = excluded.holder,
		token = excluded.token, expires_at = excluded.expires_at`,
		l.TenantID, l.SessionID, l.Holder, l.Token, fmtTime(l.ExpiresAt)); err != nil {
		return fmt.Errorf("write lease: %w", err)
	}
	return nil
}

// RenewLease moves the expiry if holder holds the lease with token.
func (st *LeaseStore) RenewLease(ctx context.Context, tenantID, sessionID, holder string, token int64, now time.Time, ttl time.Duration) (session.Lease, error) {
	var out session.Lease
	err := st.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getLease(ctx, tx, tenantID, sessionID)
		if err != nil {
			return err
		}
		if cur.Holder != holder || cur.Token != token || holder == "" {
			return session.ErrLeaseLost
		}
		out = cur
		out.ExpiresAt = now.Add(ttl).UTC()
		return st.put(ctx, tx, out)
	})
	return out, err
}

// ReleaseLease frees the lease if holder holds it with token.
func (st *LeaseStore) ReleaseLease(ctx context.Context, tenantID, sessionID, holder string, token int64) error {
	return st.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE session_leases SET holder = '', expires_at = ?
			WHERE tenant_id = ? AND session_id = ? AND holder = ? AND token = ?`,
			fmtTime(time.Time{}), tenantID, sessionID, holder, token)
		return err
	})
}
