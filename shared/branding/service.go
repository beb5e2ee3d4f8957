package branding

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

// Limits of the text fields (in characters) and of the logo (in bytes).
const (
	MaxAppName  = 60
	MaxLogoText = 40
	MaxLogoSize = 256 << 10
)

// AllowedTypes are the logo formats, detected from the bytes (never the declared type). SVG is refused: it can
// carry script.
var AllowedTypes = []string{"image/png", "image/jpeg", "image/webp", "image/gif"}

// Service applies the branding rules: who may change it, what is a valid name, text and logo.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Get returns the caller's tenant's branding, Default when never set.
func (s *Service) Get(ctx context.Context, p auth.Principal) (Branding, error) {
	b, err := s.Store.GetBranding(ctx, p.TenantID)
	if errors.Is(err, ErrNotSet) {
		return Default(p.TenantID), nil
	}
	return b, err
}

// ValidateSettings checks the text fields, naming every bad one: the app name is required, both are single lines
// without control characters, within MaxAppName and MaxLogoText characters. It returns them trimmed.
func ValidateSettings(in Settings) (Settings, error) {
	var f apperr.Fields
	in.AppName, in.LogoText = strings.TrimSpace(in.AppName), strings.TrimSpace(in.LogoText)
	text := func(field, v string, max int, required bool) {
		switch {
		case required && v == "":
			f.Add(field, "is required")
		case utf8.RuneCountInString(v) > max:
			f.Add(field, "must be at most %d characters, got %d", max, utf8.RuneCountInString(v))
		case strings.ContainsFunc(v, unicode.IsControl):
			f.Add(field, "must be one line without control characters")
		}
	}
	text("appName", in.AppName, MaxAppName, true)
	text("logoText", in.LogoText, MaxLogoText, false)
	if err := f.Err(); err != nil {
		return Settings{}, err
	}
	return in, nil
}

// Update replaces the text fields and returns the branding now stored.
func (s *Service) Update(ctx context.Context, p auth.Principal, in Settings) (Branding, error) {
	in, err := ValidateSettings(in)
	if err != nil {
		return Branding{}, err
	}
	if err := s.Store.PutSettings(ctx, p.TenantID, in, s.now()); err != nil {
		return Branding{}, err
	}
	return s.Get(ctx, p)
}

// CheckLogo checks a logo's bytes: not empty, at most MaxLogoSize, and one of AllowedTypes by its content. It
// returns the detected type.
func CheckLogo(data []byte) (string, error) {
	if len(data) == 0 {
		return "", apperr.Field("file", "is empty")
	}
	if len(data) > MaxLogoSize {
		return "", apperr.New(apperr.TooLarge, "a logo may be at most %d bytes; this one is %d bytes", MaxLogoSize, len(data)).
			WithDetails(map[string]any{"limit": MaxLogoSize, "size": len(data)})
	}
	mt := http.DetectContentType(data)
	if !slices.Contains(AllowedTypes, mt) {
		return "", apperr.Field("file", fmt.Sprintf("must be a PNG, JPEG, WebP or GIF image; its content is %s", mt))
	}
	return mt, nil
}

// SetLogo checks and stores a logo and returns the branding now stored.
func (s *Service) SetLogo(ctx context.Context, p auth.Principal, data []byte) (Branding, error) {
	mt, err := CheckLogo(data)
	if err != nil {
		return Branding{}, err
	}
	sum := sha256.Sum256(data)
	l := Logo{LogoInfo: LogoInfo{Mime: mt, Size: len(data), SHA256: hex.EncodeToString(sum[:]), UpdatedAt: s.now()}, Data: data}
	if err := s.Store.PutLogo(ctx, p.TenantID, l); err != nil {
		return Branding{}, err
	}
	return s.Get(ctx, p)
}

// Logo returns the caller's tenant's logo, or ErrNoLogo.
func (s *Service) Logo(ctx context.Context, p auth.Principal) (Logo, error) {
	return s.Store.GetLogo(ctx, p.TenantID)
}

// DeleteLogo removes the logo and returns the branding now stored.
func (s *Service) DeleteLogo(ctx context.Context, p auth.Principal) (Branding, error) {
	if err := s.Store.DeleteLogo(ctx, p.TenantID, s.now()); err != nil {
		return Branding{}, err
	}
	return s.Get(ctx, p)
}
