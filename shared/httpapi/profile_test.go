package httpapi_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/httpapi"
)

func pngImage(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 15, G: 118, B: 110, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fieldOf returns the first field named in a validation error.
func fieldOf(t *testing.T, r resp) string {
	t.Helper()
	e := r.json(t)["error"].(map[string]any)
	fields, _ := e["details"].(map[string]any)["fields"].([]any)
	if len(fields) == 0 {
		t.Fatalf("no fields in %s", r.body)
	}
	return fields[0].(map[string]any)["field"].(string)
}

func TestAvatarIsStoredCheckedByContentAndServedToWhoMaySeeIt(t *testing.T) {
	// Bodies up to 4 MiB reach the handler, so the 1 MiB rule below is the avatar's own.
	e := newEnv(t, httpapi.Config{MaxBodyBytes: 4 << 20})
	owner := e.login(t, e.email, e.password)
	ownerID := e.ownerID(t)
	memberID := e.addUser(t, e.ownerKey, "member@a.example", "member")
	member := e.login(t, "member@a.example", userPassword)
	img := pngImage(t)

	// The declared type is ignored: the bytes decide (a PNG sent as octet-stream is a PNG).
	r := e.call(t, "PUT", "/api/users/"+memberID+"/avatar", member, img, "Content-Type: application/octet-stream")
	want(t, r, 200, "")
	if r.json(t)["avatarUpdatedAt"] == nil {
		t.Fatalf("no avatarUpdatedAt after upload: %s", r.body)
	}
	r = e.call(t, "GET", "/api/users/"+memberID+"/avatar", member, nil)
	want(t, r, 200, "")
	if !bytes.Equal(r.body, img) || r.header.Get("Content-Type") != "image/png" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("avatar = %d bytes, %q, nosniff %q", len(r.body), r.header.Get("Content-Type"), r.header.Get("X-Content-Type-Options"))
	}
	// The owner (users:read) sees it too, and /api/me shows it is there.
	want(t, e.call(t, "GET", "/api/users/"+memberID+"/avatar", owner, nil), 200, "")
	if me := e.call(t, "GET", "/api/me", member, nil).json(t)["user"].(map[string]any); me["avatarUpdatedAt"] == nil {
		t.Fatalf("/api/me user without avatarUpdatedAt: %v", me)
	}

	// Script dressed as an image, a text file, an empty body: refused on the field, nothing changes.
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	for name, body := range map[string]string{"svg": svg, "text": "hello", "empty": ""} {
		r = e.call(t, "PUT", "/api/users/"+memberID+"/avatar", member, body, "Content-Type: image/png")
		want(t, r, 422, "validation_failed")
		if f := fieldOf(t, r); f != "file" {
			t.Fatalf("%s: field %q, want file", name, f)
		}
	}
	if r = e.call(t, "GET", "/api/users/"+memberID+"/avatar", member, nil); !bytes.Equal(r.body, img) {
		t.Fatal("a refused upload changed the avatar")
	}
	// Over 1 MiB: 413.
	big := append(append([]byte{}, img...), make([]byte, 1<<20)...)
	want(t, e.call(t, "PUT", "/api/users/"+memberID+"/avatar", member, big, "Content-Type: image/png"), 413, "payload_too_large")

	// A member may not change someone else's avatar; an owner may change the member's.
	want(t, e.call(t, "PUT", "/api/users/"+ownerID+"/avatar", member, img, "Content-Type: image/png"), 403, "forbidden")
	want(t, e.call(t, "DELETE", "/api/users/"+ownerID+"/avatar", member, nil), 403, "forbidden")
	// No avatar yet for the owner: 404.
	want(t, e.call(t, "GET", "/api/users/"+ownerID+"/avatar", owner, nil), 404, "not_found")

	// Delete: gone, and deleting again succeeds.
	want(t, e.call(t, "DELETE", "/api/users/"+memberID+"/avatar", owner, nil), 200, "")
	want(t, e.call(t, "GET", "/api/users/"+memberID+"/avatar", member, nil), 404, "not_found")
	want(t, e.call(t, "DELETE", "/api/users/"+memberID+"/avatar", member, nil), 200, "")
}

func TestChangePasswordChecksTheCurrentOneAndEndsOtherTokens(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	e.addUser(t, e.ownerKey, "member@a.example", "member")
	tok := e.login(t, "member@a.example", userPassword)
	other := e.login(t, "member@a.example", userPassword)
	const newPassword = "copper meadow whistle 77"

	// An API key cannot change a password here.
	want(t, e.call(t, "POST", "/api/auth/password", e.ownerKey, map[string]string{"currentPassword": e.password, "newPassword": newPassword}), 403, "forbidden")
	// Wrong current password, a new password breaking the policy, a missing current one: field errors.
	r := e.call(t, "POST", "/api/auth/password", tok, map[string]string{"currentPassword": "wrong password here", "newPassword": newPassword})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "currentPassword" {
		t.Fatalf("wrong current password: field %q", f)
	}
	r = e.call(t, "POST", "/api/auth/password", tok, map[string]string{"currentPassword": userPassword, "newPassword": "short"})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "newPassword" {
		t.Fatalf("weak password: field %q", f)
	}
	r = e.call(t, "POST", "/api/auth/password", tok, map[string]string{"newPassword": newPassword})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "currentPassword" {
		t.Fatalf("no current password: field %q", f)
	}
	// Refused attempts changed nothing: the old password still logs in.
	e.login(t, "member@a.example", userPassword)

	r = e.call(t, "POST", "/api/auth/password", tok, map[string]string{"currentPassword": userPassword, "newPassword": newPassword})
	want(t, r, 200, "")
	fresh := r.json(t)["session"].(map[string]any)["token"].(string)
	if r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", r.header.Get("Cache-Control"))
	}
	// Every earlier token has ended; the fresh one works; the new password logs in, the old one does not.
	want(t, e.call(t, "GET", "/api/me", tok, nil), 401, "unauthorized")
	want(t, e.call(t, "GET", "/api/me", other, nil), 401, "unauthorized")
	want(t, e.call(t, "GET", "/api/me", fresh, nil), 200, "")
	e.login(t, "member@a.example", newPassword)
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "member@a.example", "password": userPassword}), 401, "unauthorized")
}

func TestWrongCurrentPasswordsLockLikeFailedLogins(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	e.addUser(t, e.ownerKey, "member@a.example", "member")
	tok := e.login(t, "member@a.example", userPassword)
	body := map[string]string{"currentPassword": "not it at all", "newPassword": "copper meadow whistle 77"}
	var r resp
	for range 5 {
		r = e.call(t, "POST", "/api/auth/password", tok, body)
	}
	want(t, r, 429, "account_locked")
	// While locked even the right current password is refused, and so is login.
	body["currentPassword"] = userPassword
	want(t, e.call(t, "POST", "/api/auth/password", tok, body), 429, "account_locked")
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "member@a.example", "password": userPassword}), 429, "account_locked")
	e.clock.Add(time.Minute)
	want(t, e.call(t, "POST", "/api/auth/password", tok, body), 200, "")
}

func TestProfileFieldsAndOwnActivity(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	ownerID := e.ownerID(t)
	memberID := e.addUser(t, e.ownerKey, "member@a.example", "member")
	member := e.login(t, "member@a.example", userPassword)

	r := e.call(t, "PATCH", "/api/users/"+memberID, member, map[string]any{"phone": "0555", "gravatar": true})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "phone" {
		t.Fatalf("field %q, want phone", f)
	}
	if u := e.call(t, "GET", "/api/users/"+memberID, member, nil).json(t); u["phone"] != "" || u["gravatar"] != false {
		t.Fatalf("a refused change changed the user: %v", u)
	}
	r = e.call(t, "PATCH", "/api/users/"+memberID, member, map[string]any{"phone": "+15551234567", "gravatar": true, "name": "Mia"})
	want(t, r, 200, "")
	if u := r.json(t); u["phone"] != "+15551234567" || u["gravatar"] != true || u["name"] != "Mia" {
		t.Fatalf("changed user = %v", u)
	}

	// The member (no activity:read) reads their own activity: their login and their change, no one else's.
	r = e.call(t, "GET", "/api/users/"+memberID+"/activity", member, nil)
	want(t, r, 200, "")
	var types []string
	for _, it := range r.json(t)["data"].([]any) {
		en := it.(map[string]any)
		if en["actorId"] != memberID {
			t.Fatalf("entry of another actor: %v", en)
		}
		types = append(types, en["type"].(string))
	}
	if got := strings.Join(types, ","); got != "user.updated,user.logged-in" {
		t.Fatalf("own activity = %s", got)
	}
	want(t, e.call(t, "GET", "/api/activity", member, nil), 403, "forbidden")
	want(t, e.call(t, "GET", "/api/users/"+ownerID+"/activity", member, nil), 403, "forbidden")
	want(t, e.call(t, "GET", "/api/users/"+memberID+"/activity?limit=0", member, nil), 422, "validation_failed")
	// The owner (activity:read) may read the member's.
	want(t, e.call(t, "GET", "/api/users/"+memberID+"/activity", e.ownerKey, nil), 200, "")
	want(t, e.call(t, "GET", "/api/users/usr_nobody/activity", e.ownerKey, nil), 404, "not_found")
}

func TestChangeEmailChecksThePasswordAndMovesTheLogin(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	e.addUser(t, e.ownerKey, "member@a.example", "member")
	tok := e.login(t, "member@a.example", userPassword)

	want(t, e.call(t, "POST", "/api/auth/email", e.ownerKey, map[string]string{"email": "x@a.example", "currentPassword": e.password}), 403, "forbidden")
	r := e.call(t, "POST", "/api/auth/email", tok, map[string]string{"email": "not an email", "currentPassword": ""})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "email" {
		t.Fatalf("field %q, want email", f)
	}
	r = e.call(t, "POST", "/api/auth/email", tok, map[string]string{"email": "new@a.example", "currentPassword": "wrong password here"})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "currentPassword" {
		t.Fatalf("field %q, want currentPassword", f)
	}
	r = e.call(t, "POST", "/api/auth/email", tok, map[string]string{"email": e.email, "currentPassword": userPassword})
	want(t, r, 409, "conflict")
	if f := fieldOf(t, r); f != "email" {
		t.Fatalf("field %q, want email", f)
	}
	// Refused changes changed nothing.
	e.login(t, "member@a.example", userPassword)

	r = e.call(t, "POST", "/api/auth/email", tok, map[string]string{"email": " New@A.example ", "currentPassword": userPassword})
	want(t, r, 200, "")
	if got := r.json(t)["email"]; got != "new@a.example" {
		t.Fatalf("email = %v", got)
	}
	want(t, e.call(t, "GET", "/api/me", tok, nil), 200, "")
	e.login(t, "new@a.example", userPassword)
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "member@a.example", "password": userPassword}), 401, "unauthorized")
}

// TestOwnPasswordOverPatchNeedsTheCurrentOne: PATCH /api/users/{id} with password for the caller's own user needs
// currentPassword, checked like POST /api/auth/password (missing or wrong: 422 on currentPassword; wrong ones count
// toward the login lockout); an admin's reset of another user's password needs none; no API key sets a password.
func TestOwnPasswordOverPatchNeedsTheCurrentOne(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	ownerID := e.ownerID(t)
	memberID := e.addUser(t, e.ownerKey, "member@a.example", "member")
	member := e.login(t, "member@a.example", userPassword)
	const newPassword = "copper meadow whistle 77"
	path := "/api/users/" + memberID

	r := e.call(t, "PATCH", path, member, map[string]string{"password": newPassword})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "currentPassword" {
		t.Fatalf("no current password: field %q, want currentPassword: %s", f, r.body)
	}
	// Every bad field at once: a weak new password and the missing current one.
	r = e.call(t, "PATCH", path, member, map[string]string{"password": "short"})
	want(t, r, 422, "validation_failed")
	if !strings.Contains(string(r.body), `"field":"password"`) || !strings.Contains(string(r.body), `"field":"currentPassword"`) {
		t.Fatalf("both bad fields are not named: %s", r.body)
	}
	// A wrong current password is a field error and counts as a failed sign-in: the 5th locks, login included.
	for i := 1; i <= 5; i++ {
		r = e.call(t, "PATCH", path, member, map[string]string{"password": newPassword, "currentPassword": "not it at all"})
		if i < 5 {
			want(t, r, 422, "validation_failed")
			if f := fieldOf(t, r); f != "currentPassword" {
				t.Fatalf("wrong current password: field %q", f)
			}
		}
	}
	want(t, r, 429, "account_locked")
	ok := map[string]string{"password": newPassword, "currentPassword": userPassword}
	want(t, e.call(t, "PATCH", path, member, ok), 429, "account_locked")
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "member@a.example", "password": userPassword}), 429, "account_locked")
	e.clock.Add(time.Minute)
	// Nothing changed so far: the old password logs in; then the right current one changes it.
	member = e.login(t, "member@a.example", userPassword)
	r = e.call(t, "PATCH", path, member, ok)
	want(t, r, 200, "")
	e.login(t, "member@a.example", newPassword)

	// API keys set no password, not even their creator's; nothing changes.
	want(t, e.call(t, "PATCH", path, e.ownerKey, map[string]string{"password": "amber canyon whistle 9"}), 403, "forbidden")
	want(t, e.call(t, "PATCH", "/api/users/"+ownerID, e.ownerKey, map[string]string{"password": "amber canyon whistle 9",
		"currentPassword": e.password}), 403, "forbidden")
	e.login(t, "member@a.example", newPassword)
	e.login(t, e.email, e.password)

	// An owner (users:write) resets the member's password without knowing it: the admin's reset.
	owner := e.login(t, e.email, e.password)
	want(t, e.call(t, "PATCH", path, owner, map[string]string{"password": "amber canyon whistle 9"}), 200, "")
	member = e.login(t, "member@a.example", "amber canyon whistle 9")
	// The member cannot reset the owner's (no users:write).
	want(t, e.call(t, "PATCH", "/api/users/"+ownerID, member, map[string]string{"password": "amber canyon whistle 9"}), 403, "forbidden")
}
