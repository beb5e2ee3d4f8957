package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/branding"
)

// BrandingStore is branding.Store on SQLite (table brandings, migration 0013).
type BrandingStore struct{ db *DB }

var _ branding.Store = (*BrandingStore)(nil)

// NewBrandingStore returns the branding store of db.
func NewBrandingStore(db *DB) *BrandingStore { return &BrandingStore{db: db} }

func (s *BrandingStore) GetBranding(ctx context.Context, tenantID string) (branding.Branding, error) {
	var (
		b                             = branding.Branding{TenantID: tenantID}
		show, size                    int
		mt, sum, logoUpdated, updated string
	)
	err := s.db.readRow(ctx, `SELECT app_name, logo_text, show_logo_text, coalesce(length(logo), 0), logo_mime,
		logo_sha256, logo_updated_at, updated_at FROM brandings WHERE tenant_id = ?`, tenantID).
		Scan(&b.AppName, &b.LogoText, &show, &size, &mt, &sum, &logoUpdated, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return branding.Branding{}, branding.ErrNotSet
	}
	if err != nil {
		return branding.Branding{}, fmt.Errorf("get branding: %w", err)
	}
	b.ShowLogoText, b.UpdatedAt = show != 0, parseTime(updated)
	if size > 0 {
		b.Logo = &branding.LogoInfo{Mime: mt, Size: size, SHA256: sum, UpdatedAt: parseTime(logoUpdated)}
	}
	return b, nil
}

func (s *BrandingStore) PutSettings(ctx context.Context, tenantID string, in branding.Settings, now time.Time) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO brandings (tenant_id, app_name, logo_text, show_logo_text, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET app_name = excluded.app_name,
			logo_text = excluded.logo_text, show_logo_text = excluded.show_logo_text, updated_at = excluded.updated_at`,
			tenantID, in.AppName, in.LogoText, boolInt(in.ShowLogoText), fmtTime(now)); err != nil {
			return fmt.Errorf("put branding: %w", err)
		}
		return nil
	})
}

func (s *BrandingStore) PutLogo(ctx context.Context, tenantID string, l branding.Logo) error {
	d := branding.Default(tenantID)
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO brandings (tenant_id, app_name, logo_text, show_logo_text, logo, logo_mime,
			logo_sha256, logo_updated_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET
			logo = excluded.logo, logo_mime = excluded.logo_mime, logo_sha256 = excluded.logo_sha256,
			logo_updated_at = excluded.logo_updated_at, updated_at = excluded.updated_at`,
			tenantID, d.AppName, d.LogoText, boolInt(d.ShowLogoText), l.Data, l.Mime, l.SHA256, fmtTime(l.UpdatedAt),
			fmtTime(l.UpdatedAt)); err != nil {
			return fmt.Errorf("put logo: %w", err)
		}
		return nil
	})
}

func (s *BrandingStore) GetLogo(ctx context.Context, tenantID string) (branding.Logo, error) {
	var (
		l       branding.Logo
		updated string
	)
	err := s.db.readRow(ctx, `SELECT logo, logo_mime, logo_sha256, logo_updated_at FROM brandings
		WHERE tenant_id = ? AND logo IS NOT NULL`, tenantID).Scan(&l.Data, &l.Mime, &l.SHA256, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return branding.Logo{}, branding.ErrNoLogo
	}
	if err != nil {
		return branding.Logo{}, fmt.Errorf("get logo: %w", err)
	}
	l.Size, l.UpdatedAt = len(l.Data), parseTime(updated)
	return l, nil
}

func (s *BrandingStore) DeleteLogo(ctx context.Context, tenantID string, now time.Time) error {
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE brandings SET logo = NULL, logo_mime = '', logo_sha256 = '', logo_updated_at = '',
			updated_at = ? WHERE tenant_id = ? AND logo IS NOT NULL`, fmtTime(now), tenantID); err != nil {
			return fmt.Errorf("delete logo: %w", err)
		}
		return nil
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
