package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// TenantStore is tenant.Store on SQLite.
type TenantStore struct{ db *DB }

var _ tenant.Store = (*TenantStore)(nil)

// NewTenantStore returns the tenant store of db.
func NewTenantStore(db *DB) *TenantStore { return &TenantStore{db: db} }

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (s *TenantStore) CreateTenant(ctx context.Context, t tenant.Tenant, owner tenant.User) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, plan, created_at) VALUES (?, ?, ?, ?)`,
			t.ID, t.Name, t.Plan, fmtTime(t.CreatedAt)); err != nil {
			return fmt.Errorf("insert tenant: %w", err)
		}
		return insertUser(ctx, tx, owner)
	})
}

func insertUser(ctx context.Context, tx *sql.Tx, u tenant.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.TenantID, u.Email, u.Name, string(u.Role), u.PasswordHash, u.Disabled,
		fmtTime(u.CreatedAt), fmtTime(u.UpdatedAt), u.TokenVersion, u.Phone, u.Gravatar, fmtTimePtr(u.AvatarUpdatedAt))
	if isUniqueViolation(err) && strings.Contains(err.Error(), "users.email") {
		return tenant.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (s *TenantStore) GetTenant(ctx context.Context, tenantID string) (tenant.Tenant, error) {
	var t tenant.Tenant
	var created string
	err := s.db.readRow(ctx, `SELECT id, name, plan, created_at FROM tenants WHERE id = ?`, tenantID).
		Scan(&t.ID, &t.Name, &t.Plan, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.Tenant{}, tenant.ErrTenantNotFound
	}
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("get tenant: %w", err)
	}
	t.CreatedAt = parseTime(created)
	return t, nil
}

// SetTenantPlan updates the plan column only.
func (s *TenantStore) SetTenantPlan(ctx context.Context, tenantID, plan string) (tenant.Tenant, error) {
	res, err := s.db.W.ExecContext(ctx, `UPDATE tenants SET plan = ? WHERE id = ?`, plan, tenantID)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("set tenant plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tenant.Tenant{}, tenant.ErrTenantNotFound
	}
	return s.GetTenant(ctx, tenantID)
}

func (s *TenantStore) CountTenants(ctx context.Context) (int, error) {
	var n int
	if err := s.db.readRow(ctx, `SELECT COUNT(*) FROM tenants`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tenants: %w", err)
	}
	return n, nil
}

func (s *TenantStore) CreateUser(ctx context.Context, u tenant.User) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = ?`, u.TenantID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return tenant.ErrTenantNotFound
		}
		return insertUser(ctx, tx, u)
	})
}

const userCols = `id, tenant_id, email, name, role, password_hash, disabled, created_at, updated_at, token_version,
	phone, gravatar, avatar_updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (tenant.User, error) {
	var u tenant.User
	var role, created, updated string
	var avatar sql.NullString
	if err := r.Scan(&u.ID, &u.TenantID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.Disabled, &created, &updated, &u.TokenVersion,
		&u.Phone, &u.Gravatar, &avatar); err != nil {
		return tenant.User{}, err
	}
	u.Role, u.CreatedAt, u.UpdatedAt = auth.Role(role), parseTime(created), parseTime(updated)
	u.AvatarUpdatedAt = parseTimePtr(avatar)
	return u, nil
}

func (s *TenantStore) GetUser(ctx context.Context, tenantID, userID string) (tenant.User, error) {
	return oneUser(s.db.readRow(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = ? AND id = ?`, tenantID, userID))
}

func oneUser(row *sql.Row) (tenant.User, error) {
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.User{}, tenant.ErrUserNotFound
	}
	if err != nil {
		return tenant.User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

func (s *TenantStore) FindUserByEmail(ctx context.Context, email string) (tenant.User, error) {
	return oneUser(s.db.readRow(ctx, `SELECT `+userCols+` FROM users WHERE email = ?`, email))
}

func (s *TenantStore) ListUsers(ctx context.Context, tenantID string) ([]tenant.User, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = ? ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	users := []tenant.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

func (s *TenantStore) UpdateUser(ctx context.Context, tenantID, userID string, fn func(*tenant.User) error) (tenant.User, error) {
	var out tenant.User
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := oneUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = ? AND id = ?`, tenantID, userID))
		if err != nil {
			return err
		}
		orig := u
		if err := fn(&u); err != nil {
			return err
		}
		if u.ID != orig.ID || u.TenantID != orig.TenantID || u.Email != orig.Email {
			return moved("user")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, role = ?, password_hash = ?, disabled = ?, updated_at = ?,
			token_version = ?, phone = ?, gravatar = ?, avatar_updated_at = ? WHERE tenant_id = ? AND id = ?`,
			u.Name, string(u.Role), u.PasswordHash, u.Disabled, fmtTime(u.UpdatedAt), u.TokenVersion, u.Phone, u.Gravatar,
			fmtTimePtr(u.AvatarUpdatedAt), tenantID, userID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		out = u
		return nil
	})
	return out, err
}

func (s *TenantStore) DeleteUser(ctx context.Context, tenantID, userID string) error {
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM users WHERE tenant_id = ? AND id = ?`, tenantID, userID)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tenant.ErrUserNotFound
	}
	return nil
}

func (s *TenantStore) ChangeEmail(ctx context.Context, tenantID, userID, email string, at time.Time) (tenant.User, error) {
	var out tenant.User
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := oneUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE tenant_id = ? AND id = ?`, tenantID, userID))
		if err != nil {
			return err
		}
		if u.Email == email {
			out = u
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
			email, fmtTime(at), tenantID, userID)
		if isUniqueViolation(err) && strings.Contains(err.Error(), "users.email") {
			return tenant.ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("change email: %w", err)
		}
		u.Email, u.UpdatedAt = email, at
		out = u
		return nil
	})
	return out, err
}
