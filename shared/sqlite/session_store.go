package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

// SessionStore is session.Store on SQLite (tables sessions and session_replies of
// migrations/0004_sessions_messages.sql, with next_retry_at from 0011_session_retry.sql). Writes that decide the default run in one transaction on the single
// writer, so concurrent creates and deletes cannot leave a tenant with two defaults or none.
type SessionStore struct{ db *DB }

var _ session.Store = (*SessionStore)(nil)

// NewSessionStore returns the session store of db.
func NewSessionStore(db *DB) *SessionStore { return &SessionStore{db: db} }

const sessionColumns = `tenant_id, id, name, is_default, status, reason, until, account, qr, qr_expires_at,
	pairing_code, created_at, updated_at, next_retry_at`

// accountRow is the stored account: session.Account with the device JID its JSON form hides.
type accountRow struct {
	Phone        string `json:"phone"`
	LID          string `json:"lid,omitempty"`
	DeviceJID    string `json:"deviceJid,omitempty"`
	PushName     string `json:"pushName,omitempty"`
	Platform     string `json:"platform,omitempty"`
	BusinessName string `json:"businessName,omitempty"`
}

func encodeAccount(a *session.Account) (sql.NullString, error) {
	if a == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(accountRow(*a))
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode account: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func scanSession(r rowScanner) (session.Session, error) {
	var s session.Session
	var until, account, qrExpires, nextRetry sql.NullString
	var created, updated string
	if err := r.Scan(&s.TenantID, &s.ID, &s.Name, &s.Default, &s.Status, &s.Reason, &until, &account, &s.QR,
		&qrExpires, &s.PairingCode, &created, &updated, &nextRetry); err != nil {
		return session.Session{}, err
	}
	if account.Valid {
		var a accountRow
		if err := json.Unmarshal([]byte(account.String), &a); err != nil {
			return session.Session{}, fmt.Errorf("decode account of session %s: %w", s.ID, err)
		}
		acct := session.Account(a)
		s.Account = &acct
	}
	s.Until, s.QRExpiresAt, s.NextRetryAt = parseTimePtr(until), parseTimePtr(qrExpires), parseTimePtr(nextRetry)
	s.CreatedAt, s.UpdatedAt = parseTime(created), parseTime(updated)
	return s, nil
}

// CreateSession inserts s, as the tenant's default if it has no session yet.
func (st *SessionStore) CreateSession(ctx context.Context, s session.Session) (session.Session, error) {
	account, err := encodeAccount(s.Account)
	if err != nil {
		return session.Session{}, err
	}
	err = st.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM sessions WHERE tenant_id = ?)`,
			s.TenantID).Scan(&s.Default); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, id) DO NOTHING`,
			s.TenantID, s.ID, s.Name, s.Default, s.Status, s.Reason, fmtTimePtr(s.Until), account, s.QR,
			fmtTimePtr(s.QRExpiresAt), s.PairingCode, fmtTime(s.CreatedAt), fmtTime(s.UpdatedAt), fmtTimePtr(s.NextRetryAt))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return session.ErrExists
		}
		return nil
	})
	if errors.Is(err, session.ErrExists) {
		return session.Session{}, err
	}
	if err != nil {
		return session.Session{}, fmt.Errorf("create session: %w", err)
	}
	return s, nil
}

func (st *SessionStore) GetSession(ctx context.Context, tenantID, id string) (session.Session, error) {
	return st.one(ctx, "get session", `SELECT `+sessionColumns+` FROM sessions WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

func (st *SessionStore) DefaultSession(ctx context.Context, tenantID string) (session.Session, error) {
	return st.one(ctx, "get default session", `SELECT `+sessionColumns+` FROM sessions WHERE tenant_id = ? AND is_default = 1`, tenantID)
}

func (st *SessionStore) one(ctx context.Context, what, query string, args ...any) (session.Session, error) {
	s, err := scanSession(st.db.readRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return session.Session{}, session.ErrNotFound
	}
	if err != nil {
		return session.Session{}, fmt.Errorf("%s: %w", what, err)
	}
	return s, nil
}

// ListSessions returns the tenant's sessions oldest first.
func (st *SessionStore) ListSessions(ctx context.Context, tenantID string) ([]session.Session, error) {
	return st.list(ctx, "list sessions", `SELECT `+sessionColumns+` FROM sessions WHERE tenant_id = ? ORDER BY created_at, id`, tenantID)
}

// ListAll returns every session, by tenant and oldest first.
func (st *SessionStore) ListAll(ctx context.Context) ([]session.Session, error) {
	return st.list(ctx, "list all sessions", `SELECT `+sessionColumns+` FROM sessions ORDER BY tenant_id, created_at, id`)
}

func (st *SessionStore) list(ctx context.Context, what, query string, args ...any) ([]session.Session, error) {
	rows, err := st.db.readRows(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []session.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// UpdateStatus reads the session, applies c with session.ApplyChange and writes it back in one transaction.
func (st *SessionStore) UpdateStatus(ctx context.Context, tenantID, id string, c session.Change, at time.Time) (session.Session, error) {
	var s session.Session
	err := st.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE tenant_id = ? AND id = ?`, tenantID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return session.ErrNotFound
		}
		if err != nil {
			return err
		}
		s.ApplyChange(c, at)
		account, err := encodeAccount(s.Account)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET status = ?, reason = ?, until = ?, account = ?, qr = ?,
			qr_expires_at = ?, pairing_code = ?, updated_at = ?, next_retry_at = ? WHERE tenant_id = ? AND id = ?`,
			s.Status, s.Reason, fmtTimePtr(s.Until), account, s.QR, fmtTimePtr(s.QRExpiresAt), s.PairingCode,
			fmtTime(s.UpdatedAt), fmtTimePtr(s.NextRetryAt), tenantID, id)
		return err
	})
	if errors.Is(err, session.ErrNotFound) {
		return session.Session{}, err
	}
	if err != nil {
		return session.Session{}, fmt.Errorf("update session status: %w", err)
	}
	return s, nil
}

// DeleteSession deletes the session and, if it was the default, makes the oldest remaining session the default.
func (st *SessionStore) DeleteSession(ctx context.Context, tenantID, id string) error {
	err := st.db.Tx(ctx, func(tx *sql.Tx) error {
		var wasDefault bool
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND id = ? RETURNING is_default`,
			tenantID, id).Scan(&wasDefault)
		if errors.Is(err, sql.ErrNoRows) {
			return session.ErrNotFound
		}
		if err != nil || !wasDefault {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET is_default = 1 WHERE tenant_id = ? AND id =
			(SELECT id FROM sessions WHERE tenant_id = ? ORDER BY created_at, id LIMIT 1)`, tenantID, tenantID)
		return err
	})
	if errors.Is(err, session.ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PutReply stores (or replaces) the reply and deletes a bounded batch of expired ones.
func (st *SessionStore) PutReply(ctx context.Context, tenantID, requestID string, body []byte, expires time.Time) error {
	return st.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_replies (tenant_id, request_id, body, expires_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, request_id) DO UPDATE SET body = excluded.body,
			expires_at = excluded.expires_at`, tenantID, requestID, body, fmtTime(expires)); err != nil {
			return fmt.Errorf("put reply: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM session_replies WHERE rowid IN
			(SELECT rowid FROM session_replies WHERE expires_at <= ? LIMIT 100)`, fmtTime(st.db.Now())); err != nil {
			return fmt.Errorf("expire replies: %w", err)
		}
		return nil
	})
}

// GetReply returns a reply that has not expired, else session.ErrNoReply.
func (st *SessionStore) GetReply(ctx context.Context, tenantID, requestID string) ([]byte, error) {
	var body []byte
	err := st.db.readRow(ctx, `SELECT body FROM session_replies WHERE tenant_id = ? AND request_id = ? AND expires_at > ?`,
		tenantID, requestID, fmtTime(st.db.Now())).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNoReply
	}
	if err != nil {
		return nil, fmt.Errorf("get reply: %w", err)
	}
	return body, nil
}
