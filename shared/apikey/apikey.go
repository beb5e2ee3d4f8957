// Package apikey holds API keys: random secrets shown once, stored as SHA-256 hashes, scoped, revocable and
// stamped with their last use.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

// Prefix starts every key, so leaked keys are recognisable (secret scanners) and distinguishable from tokens.
const Prefix = "wq_live_"

// Key is a stored API key. The plaintext is never stored; Hash is the hex SHA-256 of it.
type Key struct {
	ID        string       `json:"id"`
	TenantID  string       `json:"tenantId"`
	Name      string       `json:"name"`
	Hint      string       `json:"hint"` // the first characters of the key, to tell keys apart
	Hash      string       `json:"-"`
	Scopes    []auth.Scope `json:"scopes"`
	CreatedBy string       `json:"createdBy"`
	Role      auth.Role    `json:"-"` // the creator's role when the key was made (a record only: keys act with the creator's current role)
	CreatedAt time.Time    `json:"createdAt"`
	ExpiresAt *time.Time   `json:"expiresAt"`
	LastUsed  *time.Time   `json:"lastUsedAt"`
	RevokedAt *time.Time   `json:"revokedAt"`
}

// LogValue keeps logs to IDs.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("tenant", k.TenantID))
}

// Active reports whether the key can authenticate at t.
func (k Key) Active(t time.Time) bool {
	return k.RevokedAt == nil && (k.ExpiresAt == nil || t.Before(*k.ExpiresAt))
}

// Generate returns a new random key: Prefix + 43 base64url characters (256 bits).
func Generate() string {
	b := make([]byte, 32)
	rand.Read(b)
	return Prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the stored form of a plaintext key.
func Hash(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// LooksLikeKey reports whether s has the form of a WaQtor API key (any "wq_" key of 32 to 128 URL-safe characters).
func LooksLikeKey(s string) bool {
	if !strings.HasPrefix(s, "wq_") || len(s) < 32 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Creator is a key's creator as stored now, which decides what the key may do (Service.Authenticate).
type Creator struct {
	// Found is false when the key's tenant has no user with the key's CreatedBy (deleted).
	Found    bool
	Role     auth.Role
	Disabled bool
}

// Store persists keys. All methods but FindByHash take the tenant ID and never cross tenants.
type Store interface {
	CreateKey(ctx context.Context, k Key) error
	GetKey(ctx context.Context, tenantID, keyID string) (Key, error)
	// FindKeyByHash is the one cross-tenant lookup: authentication, where the key names its tenant. It returns the
	// key's creator as stored now along with the key (in one query where the store can), since every
	// authentication needs both.
	FindKeyByHash(ctx context.Context, hash string) (Key, Creator, error)
	// ListKeys returns the tenant's keys, revoked ones included, ordered by creation time.
	ListKeys(ctx context.Context, tenantID string) ([]Key, error)
	// UpdateKey applies fn to the stored key and saves it atomically; a change of its ID or tenant is refused.
	// Which fields may change is the service's rule (keepFixed), not the store's.
	UpdateKey(ctx context.Context, tenantID, keyID string, fn func(*Key) error) (Key, error)
	// TouchKey records a use; it never moves LastUsed backwards.
	TouchKey(ctx context.Context, tenantID, keyID string, at time.Time) error
}
