package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/waqtor/waqtor/shared/plan"
)

// PlanStore is plan.Store on SQLite (tables access_codes and feature_grants, migration 0016).
type PlanStore struct{ db *DB }

var _ plan.Store = (*PlanStore)(nil)

// NewPlanStore returns the plan store of db.
func NewPlanStore(db *DB) *PlanStore { return &PlanStore{db: db} }

func (s *PlanStore) CreateAccessCode(ctx context.Context, c plan.AccessCode) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO access_codes (hash, id, tenant_id, feature, created_at, expires_at, redeemed_at, redeemed_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Hash, c.ID, c.TenantID, string(c.Feature), fmtTime(c.CreatedAt),
			fmtTime(c.ExpiresAt), fmtTimePtr(c.RedeemedAt), c.RedeemedBy)
		if isUniqueViolation(err) {
			return plan.ErrCodeExists
		}
		if err != nil {
			return fmt.Errorf("create access code: %w", err)
		}
		return nil
	})
}

func (s *PlanStore) GetAccessCode(ctx context.Context, hash string) (plan.AccessCode, error) {
	var c plan.AccessCode
	var feature, created, expires string
	var redeemed sql.NullString
	err := s.db.readRow(ctx, `SELECT hash, id, tenant_id, feature, created_at, expires_at, redeemed_at, redeemed_by
		FROM access_codes WHERE hash = ?`, hash).
		Scan(&c.Hash, &c.ID, &c.TenantID, &feature, &created, &expires, &redeemed, &c.RedeemedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return plan.AccessCode{}, plan.ErrCodeNotFound
	}
	if err != nil {
		return plan.AccessCode{}, fmt.Errorf("get access code: %w", err)
	}
	c.Feature, c.CreatedAt, c.ExpiresAt, c.RedeemedAt = plan.Feature(feature), parseTime(created), parseTime(expires), parseTimePtr(redeemed)
	return c, nil
}

// RedeemAccessCode marks the code redeemed with a conditional UPDATE (redeemed_at IS NULL) and stores the grant in
// the same transaction.
func (s *PlanStore) RedeemAccessCode(ctx context.Context, c plan.AccessCode, g plan.Grant) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_codes SET redeemed_at = ?, redeemed_by = ? WHERE hash = ? AND redeemed_at IS NULL`,
			fmtTimePtr(c.RedeemedAt), c.RedeemedBy, c.Hash)
		if err != nil {
			return fmt.Errorf("redeem access code: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("redeem access code: %w", err)
		} else if n == 0 {
			if _, err := s.GetAccessCode(ctx, c.Hash); errors.Is(err, plan.ErrCodeNotFound) {
				return err
			}
			return plan.ErrCodeUsed
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO feature_grants (tenant_id, feature, granted_at, code_id) VALUES (?, ?, ?, ?)
			ON CONFLICT (tenant_id, feature) DO UPDATE SET granted_at = excluded.granted_at, code_id = excluded.code_id`,
			g.TenantID, string(g.Feature), fmtTime(g.GrantedAt), g.CodeID); err != nil {
			return fmt.Errorf("store grant: %w", err)
		}
		return nil
	})
}

func (s *PlanStore) ListGrants(ctx context.Context, tenantID string) ([]plan.Grant, error) {
	rows, err := s.db.readRows(ctx, `SELECT tenant_id, feature, granted_at, code_id FROM feature_grants WHERE tenant_id = ? ORDER BY feature`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	defer rows.Close()
	out := []plan.Grant{}
	for rows.Next() {
		var g plan.Grant
		var feature, at string
		if err := rows.Scan(&g.TenantID, &feature, &at, &g.CodeID); err != nil {
			return nil, fmt.Errorf("list grants: %w", err)
		}
		g.Feature, g.GrantedAt = plan.Feature(feature), parseTime(at)
		out = append(out, g)
	}
	return out, rows.Err()
}
