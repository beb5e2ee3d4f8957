package storetest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/id"
)

// RunBranding runs the contract suite of branding.Store and, over the same adapter, the rules of branding.Service;
// newStore must return a store over a fresh, empty database each call.
func RunBranding(t *testing.T, newStore func(t *testing.T) branding.Store) {
	t.Run("settings and logo", func(t *testing.T) { testBrandingStore(t, newStore(t)) })
	t.Run("logo before settings", func(t *testing.T) { testBrandingLogoFirst(t, newStore(t)) })
	t.Run("service rules", func(t *testing.T) { testBrandingService(t, newStore(t)) })
}

// pngLogo is a 1×1 PNG.
var pngLogo = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func testBrandingStore(t *testing.T, s branding.Store) {
	ten, other := id.New("ten"), id.New("ten")
	if _, err := s.GetBranding(ctx, ten); !errors.Is(err, branding.ErrNotSet) {
		t.Fatalf("GetBranding of a tenant that never set one = %v, want ErrNotSet", err)
	}
	if _, err := s.GetLogo(ctx, ten); !errors.Is(err, branding.ErrNoLogo) {
		t.Fatalf("GetLogo of a tenant that never set one = %v, want ErrNoLogo", err)
	}
	if err := s.DeleteLogo(ctx, ten, now); err != nil {
		t.Fatalf("DeleteLogo of a missing logo: %v", err)
	}
	at := now.Add(time.Second)
	if err := s.PutSettings(ctx, ten, branding.Settings{AppName: "Shop ✓", LogoText: "متجر", ShowLogoText: false}, at); err != nil {
		t.Fatalf("PutSettings: %v", err)
	}
	b, err := s.GetBranding(ctx, ten)
	if err != nil || b.AppName != "Shop ✓" || b.LogoText != "متجر" || b.ShowLogoText || b.Logo != nil ||
		!b.UpdatedAt.Equal(at) || b.TenantID != ten {
		t.Fatalf("GetBranding after PutSettings = %+v, %v", b, err)
	}
	if _, err := s.GetBranding(ctx, other); !errors.Is(err, branding.ErrNotSet) {
		t.Fatalf("GetBranding of another tenant = %v, want ErrNotSet", err)
	}

	// The logo keeps the settings; the settings keep the logo.
	logoAt := now.Add(2 * time.Second)
	l := branding.Logo{LogoInfo: branding.LogoInfo{Mime: "image/png", Size: len(pngLogo), SHA256: "abc", UpdatedAt: logoAt}, Data: pngLogo}
	if err := s.PutLogo(ctx, ten, l); err != nil {
		t.Fatalf("PutLogo: %v", err)
	}
	b, err = s.GetBranding(ctx, ten)
	if err != nil || b.AppName != "Shop ✓" || b.ShowLogoText || b.Logo == nil || *b.Logo != l.LogoInfo || !b.UpdatedAt.Equal(logoAt) {
		t.Fatalf("GetBranding after PutLogo = %+v (logo %+v), %v; want the settings kept and the logo %+v", b, b.Logo, err, l.LogoInfo)
	}
	got, err := s.GetLogo(ctx, ten)
	if err != nil || !bytes.Equal(got.Data, pngLogo) || got.LogoInfo != l.LogoInfo {
		t.Fatalf("GetLogo = %+v, %v", got.LogoInfo, err)
	}
	if _, err := s.GetLogo(ctx, other); !errors.Is(err, branding.ErrNoLogo) {
		t.Fatalf("GetLogo of another tenant = %v, want ErrNoLogo", err)
	}
	at = now.Add(3 * time.Second)
	if err := s.PutSettings(ctx, ten, branding.Settings{AppName: "Shop 2", ShowLogoText: true}, at); err != nil {
		t.Fatalf("PutSettings again: %v", err)
	}
	if b, err = s.GetBranding(ctx, ten); err != nil || b.AppName != "Shop 2" || b.LogoText != "" || !b.ShowLogoText ||
		b.Logo == nil || b.Logo.SHA256 != "abc" {
		t.Fatalf("GetBranding after the second PutSettings = %+v, %v; want the logo kept", b, err)
	}

	// A new logo replaces the old one.
	jpeg := append([]byte("\xff\xd8\xff\xe0"), bytes.Repeat([]byte{7}, 100)...)
	l2 := branding.Logo{LogoInfo: branding.LogoInfo{Mime: "image/jpeg", Size: len(jpeg), SHA256: "def", UpdatedAt: now.Add(4 * time.Second)}, Data: jpeg}
	if err := s.PutLogo(ctx, ten, l2); err != nil {
		t.Fatalf("PutLogo again: %v", err)
	}
	if got, err := s.GetLogo(ctx, ten); err != nil || !bytes.Equal(got.Data, jpeg) || got.Mime != "image/jpeg" {
		t.Fatalf("GetLogo after a second PutLogo = %+v, %v", got.LogoInfo, err)
	}

	del := now.Add(5 * time.Second)
	if err := s.DeleteLogo(ctx, ten, del); err != nil {
		t.Fatalf("DeleteLogo: %v", err)
	}
	if _, err := s.GetLogo(ctx, ten); !errors.Is(err, branding.ErrNoLogo) {
		t.Fatalf("GetLogo after DeleteLogo = %v, want ErrNoLogo", err)
	}
	if b, err = s.GetBranding(ctx, ten); err != nil || b.Logo != nil || b.AppName != "Shop 2" || !b.UpdatedAt.Equal(del) {
		t.Fatalf("GetBranding after DeleteLogo = %+v, %v; want no logo, the settings kept", b, err)
	}
}

func testBrandingLogoFirst(t *testing.T, s branding.Store) {
	ten := id.New("ten")
	l := branding.Logo{LogoInfo: branding.LogoInfo{Mime: "image/png", Size: len(pngLogo), SHA256: "abc", UpdatedAt: now}, Data: pngLogo}
	if err := s.PutLogo(ctx, ten, l); err != nil {
		t.Fatalf("PutLogo: %v", err)
	}
	d := branding.Default(ten)
	b, err := s.GetBranding(ctx, ten)
	if err != nil || b.AppName != d.AppName || b.LogoText != d.LogoText || b.ShowLogoText != d.ShowLogoText || b.Logo == nil {
		t.Fatalf("GetBranding after only PutLogo = %+v, %v; want the defaults with the logo", b, err)
	}
}

func testBrandingService(t *testing.T, s branding.Store) {
	svc := &branding.Service{Store: s, Now: func() time.Time { return now }}
	ten := id.New("ten")
	owner := auth.Principal{TenantID: ten, UserID: "usr_o", Role: auth.Owner, Scopes: auth.RoleScopes(auth.Owner)}
	member := auth.Principal{TenantID: ten, UserID: "usr_m", Role: auth.Member, Scopes: auth.RoleScopes(auth.Member)}

	if b, err := svc.Get(ctx, member); err != nil || b.AppName != branding.DefaultAppName || !b.ShowLogoText || b.Logo != nil {
		t.Fatalf("Get of a tenant that never set one = %+v, %v; want the defaults", b, err)
	}
	// Who may change it (settings:write, which members lack) is the route table's to check: TestBrandingAPI and
	// TestRoutesRefuseCallersWithoutTheirScope in shared/httpapi.
	// Every bad field is named at once, and nothing changes.
	_, err := svc.Update(ctx, owner, branding.Settings{AppName: "  ", LogoText: "a\nb"})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Validation {
		t.Fatalf("Update with a blank name and a two-line text = %v, want validation_failed", err)
	}
	if f := ae.Details.(map[string]any)["fields"].([]apperr.FieldError); len(f) != 2 || f[0].Field != "appName" || f[1].Field != "logoText" {
		t.Fatalf("field errors = %+v, want appName and logoText", f)
	}
	if _, err := s.GetBranding(ctx, ten); !errors.Is(err, branding.ErrNotSet) {
		t.Fatalf("a refused Update stored something: %v", err)
	}
	b, err := svc.Update(ctx, owner, branding.Settings{AppName: "  Shop  ", LogoText: "S", ShowLogoText: true})
	if err != nil || b.AppName != "Shop" || b.LogoText != "S" {
		t.Fatalf("Update by the owner = %+v, %v; want the trimmed name", b, err)
	}

	// Logos: the type comes from the bytes, SVG and oversized files are refused.
	if _, err := svc.SetLogo(ctx, owner, []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)); !apperr.Is(err, apperr.Validation) {
		t.Fatalf("SetLogo(SVG) = %v, want validation_failed", err)
	}
	big := append(append([]byte{}, pngLogo...), make([]byte, branding.MaxLogoSize)...)
	if _, err := svc.SetLogo(ctx, owner, big); !apperr.Is(err, apperr.TooLarge) {
		t.Fatalf("SetLogo(%d bytes) = %v, want payload_too_large", len(big), err)
	}
	if _, err := s.GetLogo(ctx, ten); !errors.Is(err, branding.ErrNoLogo) {
		t.Fatalf("a refused SetLogo stored a logo: %v", err)
	}
	b, err = svc.SetLogo(ctx, owner, pngLogo)
	if err != nil || b.Logo == nil || b.Logo.Mime != "image/png" || b.Logo.Size != len(pngLogo) || len(b.Logo.SHA256) != 64 {
		t.Fatalf("SetLogo(PNG) = %+v, %v", b, err)
	}
	if l, err := svc.Logo(ctx, member); err != nil || !bytes.Equal(l.Data, pngLogo) {
		t.Fatalf("Logo read by a member = %v", err)
	}
	other := auth.Principal{TenantID: id.New("ten"), UserID: "usr_x", Role: auth.Owner, Scopes: auth.RoleScopes(auth.Owner)}
	if _, err := svc.Logo(ctx, other); !errors.Is(err, branding.ErrNoLogo) {
		t.Fatalf("Logo read by another tenant = %v, want ErrNoLogo", err)
	}
	if b, err = svc.DeleteLogo(ctx, owner); err != nil || b.Logo != nil || b.AppName != "Shop" {
		t.Fatalf("DeleteLogo by the owner = %+v, %v", b, err)
	}
}
