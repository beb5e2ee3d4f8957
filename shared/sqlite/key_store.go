package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// KeyStore is apikey.Store on SQLite.
type KeyStore struct{ db *DB }

var _ apikey.Store = (*KeyStore)(nil)

// NewKeyStore returns the API key store of db.
func NewKeyStore(db *DB) *KeyStore { return &KeyStore{db: db} }

const keyCols = `id, tenant_id, name, hint, hash, scopes, created_by, role, created_at, expires_at, last_used, revoked_at`

func scanKey(r rowScanner) (apikey.Key, error) {
	var k apikey.Key
	var scopes, role, created string
	var expires, used, revoked sql.NullString
	if err := r.Scan(&k.ID, &k.TenantID, &k.Name, &k.Hint, &k.Hash, &scopes, &k.CreatedBy, &role, &created,
		&expires, &used, &revoked); err != nil {
		return apikey.Key{}, err
	}
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return apikey.Key{}, fmt.Errorf("scopes of key %s: %w", k.ID, err)
	}
	k.Role, k.CreatedAt = auth.Role(role), parseTime(created)
	k.ExpiresAt, k.LastUsed, k.RevokedAt = parseTimePtr(expires), parseTimePtr(used), parseTimePtr(revoked)
	return k, nil
}

func oneKey(row *sql.Row) (apikey.Key, error) {
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return apikey.Key{}, apikey.ErrNotFound
	}
	if err != nil {
		return apikey.Key{}, fmt.Errorf("get key: %w", err)
	}
	return k, nil
}

func (s *KeyStore) CreateKey(ctx context.Context, k apikey.Key) error {
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = ?`, k.TenantID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tenant.ErrTenantNotFound
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (`+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.TenantID, k.Name, k.Hint, k.Hash, string(scopes), k.CreatedBy, string(k.Role), fmtTime(k.CreatedAt),
			fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsed), fmtTimePtr(k.RevokedAt))
		if isUniqueViolation(err) {
			return apikey.ErrDuplicate
		}
		if err != nil {
			return fmt.Errorf("insert key: %w", err)
		}
		return nil
	})
}

func (s *KeyStore) GetKey(ctx context.Context, tenantID, keyID string) (apikey.Key, error) {
	return oneKey(s.db.readRow(ctx, `SELECT `+keyCols+` FROM api_keys WHERE tenant_id = ? AND id = ?`, tenantID, keyID))
}

// FindKeyByHash reads the key and its creator in one query.
func (s *KeyStore) FindKeyByHash(ctx context.Context, hash string) (apikey.Key, apikey.Creator, error) {
	var c apikey.Creator
	var role sql.NullString
	var disabled sql.NullBool
	k, err := scanKey(creatorScanner{s.db.readRow(ctx, `SELECT `+prefixed("k.", keyCols)+`, u.role, u.disabled
		FROM api_keys k LEFT JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by WHERE k.hash = ?`, hash),
		[]any{&role, &disabled}})
	if errors.Is(err, sql.ErrNoRows) {
		return apikey.Key{}, c, apikey.ErrNotFound
	}
	if err != nil {
		return apikey.Key{}, c, fmt.Errorf("find key: %w", err)
	}
	c.Found, c.Role, c.Disabled = role.Valid, auth.Role(role.String), disabled.Bool
	return k, c, nil
}

// creatorScanner scans a key row followed by extra columns.
type creatorScanner struct {
	row   rowScanner
	extra []any
}

func (c creatorScanner) Scan(dest ...any) error { return c.row.Scan(append(dest, c.extra...)...) }

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}

func (s *KeyStore) ListKeys(ctx context.Context, tenantID string) ([]apikey.Key, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	keys := []apikey.Key{}
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

func (s *KeyStore) UpdateKey(ctx context.Context, tenantID, keyID string, fn func(*apikey.Key) error) (apikey.Key, error) {
	var out apikey.Key
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		k, err := oneKey(tx.QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE tenant_id = ? AND id = ?`, tenantID, keyID))
		if err != nil {
			return err
		}
		orig := k
		if err := fn(&k); err != nil {
			return err
		}
		if k.ID != orig.ID || k.TenantID != orig.TenantID {
			return moved("key")
		}
		scopes, err := json.Marshal(k.Scopes)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET name = ?, scopes = ?, role = ?, expires_at = ?, last_used = ?, revoked_at = ?
			WHERE tenant_id = ? AND id = ?`, k.Name, string(scopes), string(k.Role), fmtTimePtr(k.ExpiresAt), fmtTimePtr(k.LastUsed),
			fmtTimePtr(k.RevokedAt), tenantID, keyID); err != nil {
			return fmt.Errorf("update key: %w", err)
		}
		out = k
		return nil
	})
	return out, err
}

func (s *KeyStore) TouchKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE api_keys SET last_used = ? WHERE tenant_id = ? AND id = ? AND (last_used IS NULL OR last_used < ?)`,
		fmtTime(at), tenantID, keyID, fmtTime(at))
	if err != nil {
		return fmt.Errorf("touch key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetKey(ctx, tenantID, keyID); err != nil {
			return err
		}
	}
	return nil
}
