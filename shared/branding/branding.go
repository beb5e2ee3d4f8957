// Package branding holds a tenant's dashboard branding: the app name, the text beside the logo, whether that text
// shows, and the logo image. Any member of the tenant reads it; owners and admins (settings:write) change it. The
// store port is implemented by sqlite.BrandingStore and dynamo.BrandingStore.
package branding

import (
	"context"
	"time"
)

// DefaultAppName is the app name of a tenant that never set one.
const DefaultAppName = "WaQtor"

// Branding is a tenant's branding. Logo is nil when the tenant has no logo; its bytes are read with GetLogo.
type Branding struct {
	TenantID     string    `json:"-"`
	AppName      string    `json:"appName"`
	LogoText     string    `json:"logoText"`
	ShowLogoText bool      `json:"showLogoText"`
	Logo         *LogoInfo `json:"logo"`
	// UpdatedAt is when the settings or the logo last changed (zero when never set).
	UpdatedAt time.Time `json:"updatedAt"`
}

// Default is the branding of a tenant that never set any.
func Default(tenantID string) Branding {
	return Branding{TenantID: tenantID, AppName: DefaultAppName, ShowLogoText: true}
}

// LogoInfo describes the stored logo without its bytes.
type LogoInfo struct {
	// Mime is the type sniffed from the bytes (one of AllowedTypes).
	Mime string `json:"mime"`
	Size int    `json:"size"`
	// SHA256 is the hex digest of the bytes: the logo's version (ETag, cache-busting URL).
	SHA256    string    `json:"sha256"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Logo is the logo with its bytes.
type Logo struct {
	LogoInfo
	Data []byte
}

// Settings are the text fields of a branding, the part PUT /api/tenant/branding replaces.
type Settings struct {
	AppName      string
	LogoText     string
	ShowLogoText bool
}

// Store persists brandings, one per tenant. Every method takes the tenant ID and never crosses tenants.
type Store interface {
	// GetBranding returns the tenant's branding with its logo's info (not its bytes), or ErrNotSet when the tenant
	// never stored settings nor a logo.
	GetBranding(ctx context.Context, tenantID string) (Branding, error)
	// PutSettings stores the text fields at now, keeping the logo.
	PutSettings(ctx context.Context, tenantID string, s Settings, now time.Time) error
	// PutLogo stores the logo (replacing any), keeping the settings; a tenant with no settings yet gets the
	// defaults (Default).
	PutLogo(ctx context.Context, tenantID string, l Logo) error
	// GetLogo returns the logo with its bytes, or ErrNoLogo.
	GetLogo(ctx context.Context, tenantID string) (Logo, error)
	// DeleteLogo removes the logo at now; removing a missing logo is not an error.
	DeleteLogo(ctx context.Context, tenantID string, now time.Time) error
}
