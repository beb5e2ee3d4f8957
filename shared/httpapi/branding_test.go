package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/httpapi"
)

// onePixelPNG is a 1×1 PNG.
var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestBrandingAPI(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	e.addUser(t, e.ownerKey, "member@a.example", "member")
	member := e.login(t, "member@a.example", userPassword)
	owner := e.login(t, e.email, e.password)

	// Never set: the defaults, readable by a member.
	r := e.call(t, "GET", "/api/tenant/branding", member, nil)
	want(t, r, 200, "")
	if m := r.json(t); m["appName"] != "WaQtor" || m["showLogoText"] != true || m["logo"] != nil {
		t.Fatalf("default branding = %v", m)
	}
	// A member may not change it.
	want(t, e.call(t, "PUT", "/api/tenant/branding", member, map[string]any{"appName": "Mine", "showLogoText": true}), 403, "forbidden")
	want(t, e.call(t, "PUT", "/api/tenant/branding/logo", member, onePixelPNG, "Content-Type: image/png"), 403, "forbidden")

	// Every bad field is named in one answer.
	r = e.call(t, "PUT", "/api/tenant/branding", owner, map[string]any{"appName": " ", "logoText": strings.Repeat("x", 41)})
	want(t, r, 422, "validation_failed")
	if got := fieldsOf(t, r); got != "showLogoText,appName,logoText" {
		t.Fatalf("fields = %s, want showLogoText,appName,logoText: %s", got, r.body)
	}
	r = e.call(t, "PUT", "/api/tenant/branding", owner, map[string]any{"appName": "Shop", "logoText": "S", "showLogoText": false})
	want(t, r, 200, "")
	if m := r.json(t); m["appName"] != "Shop" || m["logoText"] != "S" || m["showLogoText"] != false {
		t.Fatalf("branding after PUT = %v", m)
	}

	// Logos: an SVG (script) and a text file are refused by their content whatever their declared type.
	want(t, e.call(t, "PUT", "/api/tenant/branding/logo", owner, `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"Content-Type: image/png"), 422, "validation_failed")
	want(t, e.call(t, "PUT", "/api/tenant/branding/logo", owner, onePixelPNG, "Content-Type: application/json"), 415, "unsupported_media_type")
	want(t, e.call(t, "PUT", "/api/tenant/branding/logo", owner, append(append([]byte{}, onePixelPNG...), make([]byte, 256<<10)...),
		"Content-Type: image/png"), 413, "payload_too_large")
	want(t, e.call(t, "GET", "/api/tenant/branding/logo", member, nil), 404, "not_found")

	// As a multipart form, the way the dashboard sends it.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "logo.png")
	fw.Write(onePixelPNG)
	mw.Close()
	r = e.call(t, "PUT", "/api/tenant/branding/logo", owner, body.Bytes(), "Content-Type: "+mw.FormDataContentType())
	want(t, r, 200, "")
	logo, _ := r.json(t)["logo"].(map[string]any)
	url, _ := logo["url"].(string)
	if logo["mime"] != "image/png" || logo["size"] != float64(len(onePixelPNG)) || !strings.HasPrefix(url, "/api/tenant/branding/logo?v=") {
		t.Fatalf("logo = %v", logo)
	}
	r = e.call(t, "GET", url, member, nil)
	want(t, r, 200, "")
	if !bytes.Equal(r.body, onePixelPNG) || r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("logo served as %v (%d bytes)", r.header, len(r.body))
	}
	want(t, e.call(t, "GET", url, member, nil, "If-None-Match: "+r.header.Get("ETag")), 304, "")
	if m := e.call(t, "GET", "/api/tenant/branding", member, nil).json(t); m["appName"] != "Shop" || m["logo"] == nil {
		t.Fatalf("branding after the logo = %v, want the settings kept", m)
	}
	want(t, e.call(t, "DELETE", "/api/tenant/branding/logo", member, nil), 403, "forbidden")
	r = e.call(t, "DELETE", "/api/tenant/branding/logo", owner, nil)
	want(t, r, 200, "")
	if r.json(t)["logo"] != nil {
		t.Fatalf("branding after DELETE logo = %s", r.body)
	}
	want(t, e.call(t, "GET", url, member, nil), 404, "not_found")
}
