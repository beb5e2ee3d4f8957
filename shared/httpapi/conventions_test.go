package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/waqtor/waqtor/docs"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/notification"
)

func TestOpenAPIMatchesRoutes(t *testing.T) {
	var spec struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(docs.OpenAPI, &spec); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.1") {
		t.Fatalf("openapi version %q, want 3.1.x", spec.OpenAPI)
	}
	var documented []string
	for path, ops := range spec.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	routes := newEnv(t, httpapi.Config{}).srv.Routes()
	sort.Strings(documented)
	sort.Strings(routes)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is missing from docs/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("docs/openapi.yaml names %s, which is not a route", d)
		}
	}
}

func TestBadInputGetsPreciseErrors(t *testing.T) {
	e := newEnv(t, httpapi.Config{MaxBodyBytes: 1024})
	k := e.ownerKey
	cases := []struct {
		name, method, path, cred string
		body                     any
		headers                  []string
		status                   int
		code, mention            string
	}{
		{"malformed JSON", "POST", "/api/keys", k, `{"name": "x",`, nil, 400, "bad_request", "malformed JSON"},
		{"syntax error", "POST", "/api/keys", k, `{"name" "x"}`, nil, 400, "bad_request", "byte"},
		{"empty body", "POST", "/api/keys", k, "", nil, 400, "bad_request", "empty"},
		{"two values", "POST", "/api/keys", k, `{"name":"a","scopes":["*"]} {}`, nil, 400, "bad_request", "exactly one"},
		{"not an object", "POST", "/api/keys", k, `[1,2]`, nil, 400, "bad_request", "object"},
		{"unknown field", "POST", "/api/keys", k, `{"name":"a","scopes":["*"],"admin":true}`, nil, 422, "validation_failed", "admin"},
		{"wrong type", "POST", "/api/keys", k, `{"name":42,"scopes":["*"]}`, nil, 422, "validation_failed", "name"},
		{"missing fields", "POST", "/api/keys", k, `{}`, nil, 422, "validation_failed", "name"},
		{"unknown scope", "POST", "/api/keys", k, `{"name":"a","scopes":["root"]}`, nil, 422, "validation_failed", "root"},
		{"too large", "POST", "/api/keys", k, `{"name":"` + strings.Repeat("x", 2000) + `"}`, nil, 413, "payload_too_large", "1024"},
		{"not JSON", "POST", "/api/keys", k, `name=a`, []string{"Content-Type: application/x-www-form-urlencoded"}, 415, "unsupported_media_type", "application/json"},
		{"no credentials", "GET", "/api/me", "", nil, nil, 401, "unauthorized", "X-API-Key"},
		{"bad key", "GET", "/api/me", "wq_live_" + strings.Repeat("A", 43), nil, nil, 401, "unauthorized", "invalid API key"},
		{"bad token", "GET", "/api/me", "not.a.token", nil, nil, 401, "unauthorized", "invalid token"},
		{"basic auth", "GET", "/api/me", "", nil, []string{"Authorization: Basic Zm9vOmJhcg=="}, 401, "unauthorized", "Bearer"},
		{"unknown route", "GET", "/api/nothing-here", k, nil, nil, 404, "not_found", "/api/nothing-here"},
		{"unknown key", "GET", "/api/keys/key_01JD5V6Q6ZQ8X4C1Y9H2K3M4N5", k, nil, nil, 404, "not_found", "API key"},
		{"wrong method", "PUT", "/api/keys", k, `{}`, nil, 405, "method_not_allowed", "GET"},
		{"bad limit", "GET", "/api/activity?limit=1000", k, nil, nil, 422, "validation_failed", "limit"},
		{"limit not a number", "GET", "/api/activity?limit=ten", k, nil, nil, 422, "validation_failed", "limit"},
		{"signup closed", "POST", "/api/auth/signup", "", `{}`, nil, 403, "forbidden", "signup"},
		{"login missing password", "POST", "/api/auth/login", "", `{"email":"a@b.example"}`, nil, 422, "validation_failed", "password"},
		{"login wrong password", "POST", "/api/auth/login", "", `{"email":"owner@a.example","password":"wrong-password"}`, nil, 401, "unauthorized", "invalid email or password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(e.events.types())
			r := e.call(t, c.method, c.path, c.cred, c.body, c.headers...)
			want(t, r, c.status, c.code)
			if !strings.Contains(string(r.body), c.mention) {
				t.Errorf("error %s does not mention %q", r.body, c.mention)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if c.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if c.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if got := len(e.events.types()); got != before {
				t.Errorf("a refused request published %d events", got-before)
			}
		})
	}
	// Nothing was created by any of the refused requests.
	r := e.call(t, "GET", "/api/keys", k, nil)
	want(t, r, 200, "")
	if n := len(r.json(t)["data"].([]any)); n != 1 {
		t.Fatalf("%d keys after refused requests, want only the bootstrap key", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	body := `{"name":"ci","scopes":["messages:send"]}`
	first := e.call(t, "POST", "/api/keys", e.ownerKey, body, "Idempotency-Key: abc-1")
	want(t, first, 201, "")
	again := e.call(t, "POST", "/api/keys", e.ownerKey, body, "Idempotency-Key: abc-1")
	want(t, again, 201, "")
	if string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %s (replayed=%q), want the first response %s", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	// The same request re-serialised (other key order, other whitespace) is the same request.
	reordered := e.call(t, "POST", "/api/keys", e.ownerKey, "{ \"scopes\": [\"messages:send\"],\n \"name\": \"ci\" }", "Idempotency-Key: abc-1")
	want(t, reordered, 201, "")
	if string(reordered.body) != string(first.body) {
		t.Fatalf("reordered replay = %s, want the first response %s", reordered.body, first.body)
	}
	other := e.call(t, "POST", "/api/keys", e.ownerKey, `{"name":"other","scopes":["messages:send"]}`, "Idempotency-Key: abc-1")
	want(t, other, 422, "idempotency_key_reused")
	if d := other.json(t)["error"].(map[string]any)["details"].(map[string]any); fmt.Sprint(d["differs"]) != "[body]" {
		t.Fatalf("details = %v, want differs [body]", d)
	}
	keys := e.call(t, "GET", "/api/keys", e.ownerKey, nil).json(t)["data"].([]any)
	if len(keys) != 2 {
		t.Fatalf("%d keys, want 2 (bootstrap + one idempotent create)", len(keys))
	}
	// An error response is kept too: the retry sees the same 422 and still creates nothing.
	bad := e.call(t, "POST", "/api/keys", e.ownerKey, `{"name":""}`, "Idempotency-Key: abc-2")
	want(t, bad, 422, "validation_failed")
	badAgain := e.call(t, "POST", "/api/keys", e.ownerKey, `{"name":""}`, "Idempotency-Key: abc-2")
	if string(badAgain.body) != string(bad.body) {
		t.Fatalf("replayed error differs: %s vs %s", badAgain.body, bad.body)
	}
	// The same key on another path is a reuse too, naming the path (and the body, which differs as well).
	users := e.call(t, "POST", "/api/users", e.ownerKey, body, "Idempotency-Key: abc-1")
	want(t, users, 422, "idempotency_key_reused")
	if d := users.json(t)["error"].(map[string]any)["details"].(map[string]any); fmt.Sprint(d["differs"]) != "[path]" {
		t.Fatalf("details = %v, want differs [path]", d)
	}
}

// TestIdempotencyKeyPerCaller is issue 8 item 2: a key with only keys:write replayed the owner's POST /api/keys
// with the same Idempotency-Key and received the owner's new "*" key in plain text. Records are per caller: the
// replay is the limited key's own request.
func TestIdempotencyKeyPerCaller(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	made := e.call(t, "POST", "/api/keys", e.ownerKey, `{"name":"limited","scopes":["keys:write"]}`)
	want(t, made, 201, "")
	limited := made.json(t)["key"].(string)

	body := `{"name":"root","scopes":["*"]}`
	owners := e.call(t, "POST", "/api/keys", e.ownerKey, body, "Idempotency-Key: shared-key")
	want(t, owners, 201, "")
	secret := owners.json(t)["key"].(string)

	stolen := e.call(t, "POST", "/api/keys", limited, body, "Idempotency-Key: shared-key")
	if strings.Contains(string(stolen.body), secret) || stolen.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the keys:write key got the owner's response: %d %s (replayed=%q)", stolen.status, stolen.body,
			stolen.header.Get("Idempotent-Replayed"))
	}
	// Its own request: a key cannot grant scopes it lacks.
	want(t, stolen, 403, "forbidden")
	// The owner's dashboard login is another caller too (the owner key's user, but not the key).
	token := e.login(t, e.email, e.password)
	mine := e.call(t, "POST", "/api/keys", token, `{"name":"mine","scopes":["messages:send"]}`, "Idempotency-Key: shared-key")
	want(t, mine, 201, "")
	if strings.Contains(string(mine.body), secret) || mine.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("the owner's login got the owner key's response: %s", mine.body)
	}
	// The owner key's retry still replays its own response.
	again := e.call(t, "POST", "/api/keys", e.ownerKey, body, "Idempotency-Key: shared-key")
	if again.status != 201 || string(again.body) != string(owners.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("owner's retry = %d %s, want the replay of %s", again.status, again.body, owners.body)
	}
}

func TestRateLimitPerKey(t *testing.T) {
	e := newEnv(t, httpapi.Config{RatePerSecond: 1, RateBurst: 3})
	for i := range 3 {
		want(t, e.call(t, "GET", "/api/me", e.ownerKey, nil), 200, fmt.Sprint(i)[:0])
	}
	r := e.call(t, "GET", "/api/me", e.ownerKey, nil)
	want(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After = %q, want 1", r.header.Get("Retry-After"))
	}
	// Another principal has its own bucket.
	tok := e.login(t, e.email, e.password)
	want(t, e.call(t, "GET", "/api/me", tok, nil), 200, "")
	e.clock.Add(time.Second)
	want(t, e.call(t, "GET", "/api/me", e.ownerKey, nil), 200, "")
}

func TestLoginIsRateLimitedPerAddress(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	for i := range 10 {
		// A different address each time, so the per-account lockout (TestLoginLockout) stays out of the way.
		want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": fmt.Sprintf("nobody%d@a.example", i), "password": "wrong-password"}), 401, "unauthorized")
	}
	r := e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": e.email, "password": e.password})
	want(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	tok := e.login(t, e.email, e.password)
	me := e.call(t, "GET", "/api/me", tok, nil)
	want(t, me, 200, "")
	m := me.json(t)
	if m["auth"].(map[string]any)["type"] != "token" || m["user"].(map[string]any)["email"] != e.email {
		t.Fatalf("/api/me with a token = %s", me.body)
	}
	if strings.Contains(string(me.body), "password") || strings.Contains(string(me.body), "$2a$") {
		t.Fatalf("/api/me leaks the password hash: %s", me.body)
	}
	// API keys cannot refresh; tokens can.
	want(t, e.call(t, "POST", "/api/auth/refresh", e.ownerKey, nil), 403, "forbidden")
	want(t, e.call(t, "POST", "/api/auth/refresh", tok, nil), 200, "")
	// Expired tokens are refused.
	e.clock.Add(time.Hour + time.Second)
	r := e.call(t, "GET", "/api/me", tok, nil)
	want(t, r, 401, "unauthorized")
	if !strings.Contains(string(r.body), "expired") {
		t.Fatalf("expired token error does not say so: %s", r.body)
	}
}

func TestUserManagementAndRoles(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	owner := e.ownerKey
	created := e.call(t, "POST", "/api/users", owner, map[string]string{"email": "Member@A.example", "password": "velvet-otter-42", "role": "member", "name": "Mia"})
	want(t, created, 201, "")
	member := created.json(t)
	if member["email"] != "member@a.example" {
		t.Fatalf("email not normalised: %v", member["email"])
	}
	want(t, e.call(t, "POST", "/api/users", owner, map[string]string{"email": "member@a.example", "password": "velvet-otter-42", "role": "member"}), 409, "conflict")

	mtok := e.login(t, "member@a.example", "velvet-otter-42")
	// Members cannot manage keys or users, but can rename themselves.
	want(t, e.call(t, "POST", "/api/keys", mtok, `{"name":"m","scopes":["messages:send"]}`), 403, "forbidden")
	want(t, e.call(t, "POST", "/api/users", mtok, map[string]string{"email": "x@a.example", "password": "sturdy-lantern-42", "role": "owner"}), 403, "forbidden")
	mid := member["id"].(string)
	want(t, e.call(t, "PATCH", "/api/users/"+mid, mtok, `{"name":"Mia B."}`), 200, "")
	want(t, e.call(t, "PATCH", "/api/users/"+mid, mtok, `{"role":"admin"}`), 403, "forbidden")

	// An admin cannot create or touch owners.
	want(t, e.call(t, "PATCH", "/api/users/"+mid, owner, `{"role":"admin"}`), 200, "")
	atok := e.login(t, "member@a.example", "velvet-otter-42")
	want(t, e.call(t, "POST", "/api/users", atok, map[string]string{"email": "o2@a.example", "password": "sturdy-lantern-42", "role": "owner"}), 403, "forbidden")
	me := e.call(t, "GET", "/api/me", owner, nil).json(t)
	users := e.call(t, "GET", "/api/users", atok, nil).json(t)["data"].([]any)
	ownerID := users[0].(map[string]any)["id"].(string)
	want(t, e.call(t, "PATCH", "/api/users/"+ownerID, atok, `{"disabled":true}`), 403, "forbidden")
	want(t, e.call(t, "DELETE", "/api/users/"+ownerID, atok, nil), 403, "forbidden")
	_ = me

	// The last owner cannot be removed or demoted.
	otok := e.login(t, e.email, e.password)
	want(t, e.call(t, "PATCH", "/api/users/"+ownerID, otok, `{"role":"member"}`), 409, "conflict")
	want(t, e.call(t, "DELETE", "/api/users/"+ownerID, otok, nil), 409, "conflict")
	if got := e.call(t, "GET", "/api/users/"+ownerID, otok, nil).json(t)["role"]; got != "owner" {
		t.Fatalf("owner role after refused demotion = %v", got)
	}

	// Disabling and deleting a user cuts their token at once.
	want(t, e.call(t, "PATCH", "/api/users/"+mid, owner, `{"disabled":true}`), 200, "")
	want(t, e.call(t, "GET", "/api/me", atok, nil), 401, "unauthorized")
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "member@a.example", "password": "velvet-otter-42"}), 401, "unauthorized")
	want(t, e.call(t, "DELETE", "/api/users/"+mid, owner, nil), 204, "")
	want(t, e.call(t, "GET", "/api/users/"+mid, owner, nil), 404, "not_found")
}

func TestKeysLifecycleAndActivity(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	r := e.call(t, "POST", "/api/keys", e.ownerKey, `{"name":"sender","scopes":["messages:send"]}`)
	want(t, r, 201, "")
	k := r.json(t)
	plain, id := k["key"].(string), k["id"].(string)
	if !strings.HasPrefix(plain, "wq_live_") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("created key = %s", r.body)
	}
	// The plaintext is never shown again.
	for _, path := range []string{"/api/keys", "/api/keys/" + id} {
		if b := e.call(t, "GET", path, e.ownerKey, nil).body; strings.Contains(string(b), plain) || strings.Contains(string(b), `"hash"`) {
			t.Fatalf("%s shows the key or its hash: %s", path, b)
		}
	}
	// A narrow key can call /api/me but not list keys.
	me := e.call(t, "GET", "/api/me", plain, nil)
	want(t, me, 200, "")
	if me.json(t)["auth"].(map[string]any)["keyId"] != id {
		t.Fatalf("/api/me keyId = %s", me.body)
	}
	want(t, e.call(t, "GET", "/api/keys", plain, nil), 403, "forbidden")
	if lu := e.call(t, "GET", "/api/keys/"+id, e.ownerKey, nil).json(t)["lastUsedAt"]; lu == nil {
		t.Fatal("lastUsedAt not recorded")
	}
	want(t, e.call(t, "PATCH", "/api/keys/"+id, e.ownerKey, `{"name":"renamed"}`), 200, "")
	rev := e.call(t, "DELETE", "/api/keys/"+id, e.ownerKey, nil)
	want(t, rev, 200, "")
	if rev.json(t)["revokedAt"] == nil {
		t.Fatalf("revoked key has no revokedAt: %s", rev.body)
	}
	want(t, e.call(t, "GET", "/api/me", plain, nil), 401, "unauthorized")
	want(t, e.call(t, "PATCH", "/api/keys/"+id, e.ownerKey, `{"name":"again"}`), 409, "conflict")

	act := e.call(t, "GET", "/api/activity?limit=10", e.ownerKey, nil)
	want(t, act, 200, "")
	var types []string
	for _, a := range act.json(t)["data"].([]any) {
		types = append(types, a.(map[string]any)["type"].(string))
	}
	wantTypes := []string{"apikey.revoked", "apikey.created", "apikey.created", "user.created"}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("activity = %v, want %v", types, wantTypes)
	}
	if strings.Contains(string(act.body), plain) {
		t.Fatal("activity holds the key")
	}
}

func TestCORSAndRequestID(t *testing.T) {
	e := newEnv(t, httpapi.Config{CORSOrigins: []string{"https://dash.example"}})
	r := e.call(t, "OPTIONS", "/api/keys", "", nil, "Origin: https://dash.example", "Access-Control-Request-Method: POST",
		"Access-Control-Request-Headers: content-type,idempotency-key")
	if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "https://dash.example" ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Fatalf("preflight = %d %v", r.status, r.header)
	}
	r = e.call(t, "GET", "/api/me", e.ownerKey, nil, "Origin: https://evil.example", "X-Request-Id: my-trace-1")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS allowed an unknown origin")
	}
	if r.header.Get("X-Request-Id") != "my-trace-1" {
		t.Fatalf("request ID not echoed: %q", r.header.Get("X-Request-Id"))
	}
	r = e.call(t, "GET", "/api/me", e.ownerKey, nil, "X-Request-Id: bad id with spaces")
	if id := r.header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") {
		t.Fatalf("unsafe request ID kept: %q", id)
	}
}

func TestOperationalEndpoints(t *testing.T) {
	e := newEnv(t, httpapi.Config{MetricsToken: "metrics-secret"})
	want(t, e.call(t, "GET", "/healthz", "", nil), 200, "")
	want(t, e.call(t, "GET", "/readyz", "", nil), 200, "")
	want(t, e.call(t, "GET", "/metrics", "", nil), 401, "unauthorized")
	m := e.call(t, "GET", "/metrics", "metrics-secret", nil)
	want(t, m, 200, "")
	if !strings.Contains(string(m.body), `waqtor_http_requests_total{route="GET /readyz",status="200"} 1`) {
		t.Fatalf("metrics lack the request counter:\n%s", m.body)
	}
	want(t, e.call(t, "GET", "/metrics", "wrong", nil), 401, "unauthorized")
	// No token: not served on the API at all (standalone serves them on its loopback listener).
	bare := newEnv(t, httpapi.Config{})
	want(t, bare.call(t, "GET", "/metrics", "", nil), 404, "not_found")
	spec := e.call(t, "GET", "/api/openapi.yaml", "", nil)
	if spec.status != 200 || string(spec.body) != string(docs.OpenAPI) {
		t.Fatal("/api/openapi.yaml does not serve docs/openapi.yaml")
	}
}

// The NotificationKind enum of docs/openapi.yaml is notification.Kinds, in order: what GET and PUT
// /api/notifications/preferences serve and take.
func TestOpenAPINotificationKindsAreTheKinds(t *testing.T) {
	var spec struct {
		Components struct {
			Schemas struct {
				NotificationKind struct {
					Enum []string `yaml:"enum"`
				} `yaml:"NotificationKind"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(docs.OpenAPI, &spec); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	var want []string
	for _, k := range notification.Kinds {
		want = append(want, string(k))
	}
	if got := spec.Components.Schemas.NotificationKind.Enum; !slices.Equal(got, want) {
		t.Errorf("openapi NotificationKind enum %v, want notification.Kinds %v", got, want)
	}
}
