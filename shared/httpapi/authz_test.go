package httpapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
)

// userPassword is the password of every user addUser creates (it passes the password policy).
const userPassword = "violet harbor lantern 42"

// addUser creates a user with cred and returns its ID.
func (e *env) addUser(t *testing.T, cred, email, role string) string {
	t.Helper()
	r := e.call(t, "POST", "/api/users", cred, map[string]string{"email": email, "password": userPassword, "role": role})
	want(t, r, 201, "")
	return r.json(t)["id"].(string)
}

// addKey creates an API key with cred and returns its plaintext and ID.
func (e *env) addKey(t *testing.T, cred, name string, scopes ...string) (string, string) {
	t.Helper()
	r := e.call(t, "POST", "/api/keys", cred, map[string]any{"name": name, "scopes": scopes})
	want(t, r, 201, "")
	m := r.json(t)
	return m["key"].(string), m["id"].(string)
}

func (e *env) ownerID(t *testing.T) string {
	t.Helper()
	return e.call(t, "GET", "/api/users", e.ownerKey, nil).json(t)["data"].([]any)[0].(map[string]any)["id"].(string)
}

func scopesOf(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, s := range r.json(t)["auth"].(map[string]any)["scopes"].([]any) {
		out = append(out, s.(string))
	}
	return out
}

func strs(v any) []string {
	out := []string{}
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// impact calls the key-impact preview and returns its keys by key ID.
func (e *env) impact(t *testing.T, cred, userID, query string) map[string]map[string]any {
	t.Helper()
	r := e.call(t, "GET", "/api/users/"+userID+"/key-impact?"+query, cred, nil)
	want(t, r, 200, "")
	out := map[string]map[string]any{}
	for _, k := range r.json(t)["keys"].([]any) {
		out[k.(map[string]any)["id"].(string)] = k.(map[string]any)
	}
	return out
}

// The scenario: an admin's "*" key kept creating admin users after the admin was demoted and deleted.
func TestKeyOfDemotedThenDeletedAdminIsRefused(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	adminID := e.addUser(t, e.ownerKey, "admin@a.example", "admin")
	atok := e.login(t, "admin@a.example", userPassword)
	key, _ := e.addKey(t, atok, "admin-all", "*")
	// While the admin is an admin, the key works fully.
	want(t, e.call(t, "POST", "/api/users", key, map[string]string{"email": "a1@a.example", "password": userPassword, "role": "admin"}), 201, "")

	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"role":"member"}`), 200, "")
	want(t, e.call(t, "POST", "/api/users", key, map[string]string{"email": "a2@a.example", "password": userPassword, "role": "admin"}), 403, "forbidden")
	if got := scopesOf(t, e.call(t, "GET", "/api/me", key, nil)); slices.Contains(got, "*") || slices.Contains(got, "users:write") {
		t.Fatalf("a demoted admin's * key still holds %v", got)
	}

	want(t, e.call(t, "DELETE", "/api/users/"+adminID, e.ownerKey, nil), 204, "")
	r := e.call(t, "POST", "/api/users", key, map[string]string{"email": "a3@a.example", "password": userPassword, "role": "admin"})
	want(t, r, 401, "key_owner_inactive")
	if !strings.Contains(string(r.body), "deleted") {
		t.Fatalf("the refusal does not say why: %s", r.body)
	}
	want(t, e.call(t, "GET", "/api/me", key, nil), 401, "key_owner_inactive")
	for _, email := range []string{"a2@a.example", "a3@a.example"} {
		if got := e.call(t, "GET", "/api/users", e.ownerKey, nil); strings.Contains(string(got.body), email) {
			t.Fatalf("user %s was created by a key that should have been refused", email)
		}
	}
}

func TestKeyNarrowsWithItsCreatorsRole(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	adminID := e.addUser(t, e.ownerKey, "admin@a.example", "admin")
	atok := e.login(t, "admin@a.example", userPassword)
	mixed, mixedID := e.addKey(t, atok, "mixed", "users:write", "messages:send", "keys:read")
	all, allID := e.addKey(t, atok, "all", "*")
	_, sendID := e.addKey(t, atok, "send", "messages:send")

	// The preview, before the change, names exactly the keys a demotion narrows and what they lose.
	imp := e.impact(t, e.ownerKey, adminID, "role=member")
	if len(imp) != 2 || imp[sendID] != nil {
		t.Fatalf("impact of role=member lists %v, want the mixed and * keys only", imp)
	}
	if m := imp[mixedID]; m["effect"] != "narrowed" || !slices.Equal(strs(m["lostScopes"]), []string{"users:write"}) ||
		!slices.Equal(strs(m["scopes"]), []string{"keys:read", "messages:send"}) {
		t.Fatalf("impact on the mixed key = %v", m)
	}
	if a := imp[allID]; a["effect"] != "narrowed" || !slices.Equal(strs(a["lostScopes"]), []string{"keys:write", "users:write", "activity:read", "settings:write"}) {
		t.Fatalf("impact on the * key = %v", a)
	}
	if len(e.impact(t, e.ownerKey, adminID, "role=owner")) != 0 {
		t.Fatal("a promotion is previewed as narrowing keys")
	}

	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"role":"member"}`), 200, "")
	me := e.call(t, "GET", "/api/me", mixed, nil)
	want(t, me, 200, "")
	if got := scopesOf(t, me); !slices.Equal(got, []string{"keys:read", "messages:send"}) {
		t.Fatalf("scopes of the mixed key after demotion = %v", got)
	}
	if got := me.json(t)["auth"].(map[string]any)["role"]; got != "member" {
		t.Fatalf("role of the key after demotion = %v, want the creator's current role", got)
	}
	want(t, e.call(t, "POST", "/api/users", mixed, map[string]string{"email": "x@a.example", "password": userPassword, "role": "member"}), 403, "forbidden")
	want(t, e.call(t, "GET", "/api/keys", mixed, nil), 200, "")
	want(t, e.call(t, "GET", "/api/activity", all, nil), 403, "forbidden")
	want(t, e.call(t, "POST", "/api/keys", all, `{"name":"child","scopes":["messages:send"]}`), 403, "forbidden")

	// The rule holds at every request: promoting the creator again gives the key its scopes back.
	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"role":"admin"}`), 200, "")
	want(t, e.call(t, "POST", "/api/users", mixed, map[string]string{"email": "x@a.example", "password": userPassword, "role": "member"}), 201, "")
}

func TestKeyStopsWhileItsCreatorIsDisabled(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	adminID := e.addUser(t, e.ownerKey, "admin@a.example", "admin")
	atok := e.login(t, "admin@a.example", userPassword)
	key, keyID := e.addKey(t, atok, "sender", "messages:send", "keys:read")
	_, revokedID := e.addKey(t, atok, "old", "keys:read")
	want(t, e.call(t, "DELETE", "/api/keys/"+revokedID, e.ownerKey, nil), 200, "")

	for _, action := range []string{"disable", "delete"} {
		imp := e.impact(t, e.ownerKey, adminID, "action="+action)
		if len(imp) != 1 || imp[keyID]["effect"] != "stopped" ||
			!slices.Equal(strs(imp[keyID]["lostScopes"]), []string{"keys:read", "messages:send"}) {
			t.Fatalf("impact of action=%s = %v, want the live key stopped", action, imp)
		}
	}
	// Bad previews name the bad field and change nothing.
	for q, field := range map[string]string{"": "role", "role=root": "role", "action=explode": "action", "role=member&action=delete": "action"} {
		r := e.call(t, "GET", "/api/users/"+adminID+"/key-impact?"+q, e.ownerKey, nil)
		want(t, r, 422, "validation_failed")
		if !strings.Contains(string(r.body), `"field":"`+field+`"`) {
			t.Fatalf("?%s: error does not name %s: %s", q, field, r.body)
		}
	}
	want(t, e.call(t, "GET", "/api/users/usr_nobody/key-impact?role=member", e.ownerKey, nil), 404, "not_found")
	narrow, _ := e.addKey(t, e.ownerKey, "narrow", "messages:send")
	want(t, e.call(t, "GET", "/api/users/"+adminID+"/key-impact?role=member", narrow, nil), 403, "forbidden")

	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"disabled":true}`), 200, "")
	r := e.call(t, "GET", "/api/me", key, nil)
	want(t, r, 401, "key_owner_inactive")
	if !strings.Contains(string(r.body), "disabled") {
		t.Fatalf("the refusal does not say why: %s", r.body)
	}
	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"disabled":false}`), 200, "")
	want(t, e.call(t, "GET", "/api/me", key, nil), 200, "")
}

func tokenRevoked(t *testing.T, r resp) {
	t.Helper()
	want(t, r, 401, "unauthorized")
	if !strings.Contains(string(r.body), "token_revoked") || !strings.Contains(string(r.body), "log in again") {
		t.Fatalf("a stale token's refusal does not say why: %s", r.body)
	}
}

// All tokens here are issued within the same second (the test clock stands still), so the rule cannot rest on
// issue times.
func TestPasswordChangeEndsTokensButKeepsTheChangingDevice(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	mid := e.addUser(t, e.ownerKey, "m@a.example", "member")
	laptop := e.login(t, "m@a.example", userPassword)
	phone := e.login(t, "m@a.example", userPassword)
	r := e.call(t, "PATCH", "/api/users/"+mid, laptop, `{"password":"quiet meadow compass 17","currentPassword":"`+userPassword+`"}`)
	want(t, r, 200, "")
	sess, ok := r.json(t)["session"].(map[string]any)
	if !ok || sess["token"] == "" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a password change answers no new token: %s", r.body)
	}
	tokenRevoked(t, e.call(t, "GET", "/api/me", laptop, nil))
	tokenRevoked(t, e.call(t, "GET", "/api/me", phone, nil))
	tokenRevoked(t, e.call(t, "POST", "/api/auth/refresh", phone, nil))
	want(t, e.call(t, "GET", "/api/me", sess["token"].(string), nil), 200, "")
	want(t, e.call(t, "GET", "/api/me", e.login(t, "m@a.example", "quiet meadow compass 17"), nil), 200, "")
	// A rename ends nothing and answers no token.
	r = e.call(t, "PATCH", "/api/users/"+mid, sess["token"].(string), `{"name":"M"}`)
	want(t, r, 200, "")
	if _, ok := r.json(t)["session"]; ok {
		t.Fatalf("a rename answered a token: %s", r.body)
	}
	want(t, e.call(t, "GET", "/api/me", sess["token"].(string), nil), 200, "")
}

func TestRoleChangeAndDisablingEndTokens(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	mid := e.addUser(t, e.ownerKey, "m@a.example", "member")
	tok := e.login(t, "m@a.example", userPassword)
	want(t, e.call(t, "PATCH", "/api/users/"+mid, e.ownerKey, `{"role":"admin"}`), 200, "")
	tokenRevoked(t, e.call(t, "GET", "/api/me", tok, nil))

	tok = e.login(t, "m@a.example", userPassword)
	want(t, e.call(t, "PATCH", "/api/users/"+mid, e.ownerKey, `{"disabled":true}`), 200, "")
	want(t, e.call(t, "PATCH", "/api/users/"+mid, e.ownerKey, `{"disabled":false}`), 200, "")
	tokenRevoked(t, e.call(t, "GET", "/api/me", tok, nil))

	// A refused change (the last owner's demotion) ends nothing.
	otok := e.login(t, e.email, e.password)
	want(t, e.call(t, "PATCH", "/api/users/"+e.ownerID(t), otok, `{"role":"member","password":"amber canyon whistle 9","currentPassword":"`+e.password+`"}`), 409, "conflict")
	want(t, e.call(t, "GET", "/api/me", otok, nil), 200, "")
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": e.email, "password": e.password}), 200, "")
}

func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	mid := e.addUser(t, e.ownerKey, "m@a.example", "member")
	a, b := e.login(t, "m@a.example", userPassword), e.login(t, "m@a.example", userPassword)
	want(t, e.call(t, "POST", "/api/auth/logout-all", e.ownerKey, nil), 403, "forbidden")
	want(t, e.call(t, "POST", "/api/auth/logout-all", a, nil), 200, "")
	tokenRevoked(t, e.call(t, "GET", "/api/me", a, nil))
	tokenRevoked(t, e.call(t, "GET", "/api/me", b, nil))
	c := e.login(t, "m@a.example", userPassword)
	want(t, e.call(t, "GET", "/api/me", c, nil), 200, "")

	// For another user: users:write (an owner's key here); a member may not; the owner's key keeps working.
	otok := e.login(t, e.email, e.password)
	want(t, e.call(t, "POST", "/api/users/"+e.ownerID(t)+"/logout-all", c, nil), 403, "forbidden")
	want(t, e.call(t, "GET", "/api/me", otok, nil), 200, "")
	want(t, e.call(t, "POST", "/api/users/"+mid+"/logout-all", e.ownerKey, nil), 200, "")
	tokenRevoked(t, e.call(t, "GET", "/api/me", c, nil))
	want(t, e.call(t, "GET", "/api/me", e.ownerKey, nil), 200, "")
	want(t, e.call(t, "POST", "/api/users/usr_nobody/logout-all", e.ownerKey, nil), 404, "not_found")
}

// A key with only messages:send used to read its creator's user record and read and change their notifications.
func TestNarrowKeyReachesOnlyItsScopes(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	ownerID := e.ownerID(t)
	tenantID := e.call(t, "GET", "/api/me", e.ownerKey, nil).json(t)["tenant"].(map[string]any)["id"].(string)
	n := notification.Notification{ID: id.New("ntf"), TenantID: tenantID, UserID: ownerID, Type: notification.Warning,
		Title: "Webhook disabled", Message: "it failed", CreatedAt: time.Now().UTC()}
	if _, err := e.notes.CreateNotification(context.Background(), n, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	send, _ := e.addKey(t, e.ownerKey, "sender", "messages:send")
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/users/" + ownerID, ""},
		{"PATCH", "/api/users/" + ownerID, `{"name":"pwned"}`},
		{"POST", "/api/users/" + ownerID + "/logout-all", ""},
		{"GET", "/api/notifications", ""},
		{"GET", "/api/notifications/count", ""},
		{"POST", "/api/notifications/mark-read/" + n.ID, ""},
		{"POST", "/api/notifications/mark-all-read", ""},
		{"DELETE", "/api/notifications/" + n.ID, ""},
		{"GET", "/api/notifications/preferences", ""},
		{"PUT", "/api/notifications/preferences", `{"muted":[]}`},
		{"GET", "/api/webhooks/events", ""},
		{"GET", "/api/dev/demo/contacts", ""},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := e.call(t, c.method, c.path, send, body)
		if r.status != 403 || r.errCode(t) != "forbidden" {
			t.Errorf("%s %s with a messages:send key = %d %s, want 403", c.method, c.path, r.status, r.body)
		}
	}
	want(t, e.call(t, "GET", "/api/me", send, nil), 200, "")
	if got := e.call(t, "GET", "/api/users/"+ownerID, e.ownerKey, nil).json(t)["name"]; got == "pwned" {
		t.Fatal("the narrow key renamed its creator")
	}

	// notifications:read and :write let a key act on its creator's notifications.
	reader, _ := e.addKey(t, e.ownerKey, "reader", "notifications:read")
	list := e.call(t, "GET", "/api/notifications?filter=unread", reader, nil)
	want(t, list, 200, "")
	if !strings.Contains(string(list.body), n.ID) {
		t.Fatalf("the notification is not listed: %s", list.body)
	}
	want(t, e.call(t, "POST", "/api/notifications/mark-all-read", reader, nil), 403, "forbidden")
	writer, _ := e.addKey(t, e.ownerKey, "writer", "notifications:write")
	want(t, e.call(t, "POST", "/api/notifications/mark-read/"+n.ID, writer, nil), 200, "")
	if got := e.call(t, "GET", "/api/notifications/count", reader, nil).json(t)["unread"]; got != float64(0) {
		t.Fatalf("unread after mark-read = %v", got)
	}

	// A dashboard user reads and changes their own record without users:read / users:write, not others'.
	mid := e.addUser(t, e.ownerKey, "m@a.example", "member")
	mtok := e.login(t, "m@a.example", userPassword)
	want(t, e.call(t, "GET", "/api/users/"+mid, mtok, nil), 200, "")
	want(t, e.call(t, "PATCH", "/api/users/"+mid, mtok, `{"name":"Mia"}`), 200, "")
	want(t, e.call(t, "PATCH", "/api/users/"+ownerID, mtok, `{"name":"x"}`), 403, "forbidden")
	want(t, e.call(t, "GET", "/api/notifications", mtok, nil), 200, "")
}

// Notification preferences are the caller's own: a user's for themself, a key's its creator's; unknown kinds are
// each named and change nothing.
func TestNotificationPreferencesAreTheCallersOwn(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	owner := e.login(t, e.email, e.password)
	e.addUser(t, e.ownerKey, "m@a.example", "member")
	member := e.login(t, "m@a.example", userPassword)
	muted := func(r resp) []any {
		t.Helper()
		want(t, r, 200, "")
		m, _ := r.json(t)["muted"].([]any)
		if kinds, _ := r.json(t)["kinds"].([]any); len(kinds) != len(notification.Kinds) {
			t.Fatalf("kinds %v, want every kind", r.json(t)["kinds"])
		}
		return m
	}
	if got := muted(e.call(t, "GET", "/api/notifications/preferences", owner, nil)); len(got) != 0 {
		t.Fatalf("preferences never set: muted %v", got)
	}
	if got := muted(e.call(t, "PUT", "/api/notifications/preferences", owner, `{"muted":["session.qr_waiting","session.banned"]}`)); len(got) != 2 || got[0] != "session.banned" {
		t.Fatalf("PUT answered muted %v, want session.banned, session.qr_waiting", got)
	}
	if got := muted(e.call(t, "GET", "/api/notifications/preferences", member, nil)); len(got) != 0 {
		t.Fatalf("the member sees muted %v: the owner's preferences", got)
	}
	if got := muted(e.call(t, "GET", "/api/notifications/preferences", e.ownerKey, nil)); len(got) != 2 {
		t.Fatalf("the owner's key reads muted %v, want its creator's two kinds", got)
	}
	reader, _ := e.addKey(t, e.ownerKey, "reader", "notifications:read")
	want(t, e.call(t, "PUT", "/api/notifications/preferences", reader, `{"muted":[]}`), 403, "forbidden")
	bad := e.call(t, "PUT", "/api/notifications/preferences", owner, `{"muted":["session.banned","nope","webhook.failing","x"]}`)
	want(t, bad, 422, "validation_failed")
	for _, f := range []string{`"muted[1]"`, `"muted[3]"`} {
		if !strings.Contains(string(bad.body), f) {
			t.Errorf("error %s does not name %s", bad.body, f)
		}
	}
	want(t, e.call(t, "PUT", "/api/notifications/preferences", owner, `{"muted":"session.banned"}`), 422, "validation_failed")
	if got := muted(e.call(t, "GET", "/api/notifications/preferences", owner, nil)); len(got) != 2 {
		t.Fatalf("refused PUTs changed the preferences: muted %v", got)
	}
}

// GET /api/keys says which keys their creator's current standing narrows (a demotion: the scopes lost) or stops
// (disabled or deleted); a key that works as set, and a revoked one, carry no effect.
func TestKeyListShowsNarrowedAndStoppedKeys(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	adminID := e.addUser(t, e.ownerKey, "admin@a.example", "admin")
	atok := e.login(t, "admin@a.example", userPassword)
	_, keyID := e.addKey(t, atok, "ci", "sessions:read", "keys:write")
	_, revokedID := e.addKey(t, atok, "old", "keys:write")
	want(t, e.call(t, "DELETE", "/api/keys/"+revokedID, e.ownerKey, nil), 200, "")
	listed := func() map[string]map[string]any {
		t.Helper()
		r := e.call(t, "GET", "/api/keys", e.ownerKey, nil)
		want(t, r, 200, "")
		out := map[string]map[string]any{}
		for _, k := range r.json(t)["data"].([]any) {
			out[k.(map[string]any)["id"].(string)] = k.(map[string]any)
		}
		return out
	}
	check := func(when, effect string, lost ...string) {
		t.Helper()
		got := listed()
		eff, _ := got[keyID]["effect"].(string)
		var gotLost []string
		if v, ok := got[keyID]["lostScopes"]; ok {
			gotLost = strs(v)
		}
		if eff != effect || !slices.Equal(gotLost, lost) {
			t.Fatalf("%s: key = %v, want effect %q losing %v", when, got[keyID], effect, lost)
		}
		if _, ok := got[revokedID]["effect"]; ok {
			t.Fatalf("%s: a revoked key has an effect: %v", when, got[revokedID])
		}
		for id, k := range got {
			if id != keyID && id != revokedID && k["effect"] != nil {
				t.Fatalf("%s: the owner's key has an effect: %v", when, k)
			}
		}
	}
	check("as admin", "")
	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"role":"member"}`), 200, "")
	check("demoted to member", "narrowed", "keys:write")
	if r := e.call(t, "GET", "/api/keys/"+keyID, e.ownerKey, nil); r.json(t)["effect"] != "narrowed" {
		t.Fatalf("GET /api/keys/{id} of a narrowed key: %s", r.body)
	}
	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"disabled":true}`), 200, "")
	check("disabled", "stopped", "keys:write", "sessions:read")
	want(t, e.call(t, "PATCH", "/api/users/"+adminID, e.ownerKey, `{"disabled":false,"role":"admin"}`), 200, "")
	check("enabled admin again", "")
	want(t, e.call(t, "DELETE", "/api/users/"+adminID, e.ownerKey, nil), 204, "")
	check("deleted", "stopped", "keys:write", "sessions:read")
}
