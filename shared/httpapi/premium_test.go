package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/report"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

const operatorToken = "operator-token-0123456789abcdef0123456789"

// premiumEnv is an API over SQLite with the message, plan and report services, a ready session, and gating on or
// off.
type premiumEnv struct {
	*env
	messages *sqlite.MessageStore
	tenantID string
}

func newPremiumEnv(t *testing.T, gating bool) *premiumEnv {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	clk := &clock{t: time.Now()}
	log := logging.New(io.Discard, "json", "info")
	rec := &recorded{store: sqlite.NewActivityStore(db)}
	tenants := tenant.NewService(sqlite.NewTenantStore(db), rec, log)
	tenants.Now = clk.Now
	keys := apikey.NewService(sqlite.NewKeyStore(db), sqlite.NewTenantStore(db), rec, log)
	tokens, err := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := setup.FirstStart(ctx, tenants, keys, setup.Input{Email: "owner@a.example"})
	if err != nil {
		t.Fatal(err)
	}
	sessions := sqlite.NewSessionStore(db)
	if _, err := sessions.CreateSession(ctx, session.Session{ID: "ses_1", TenantID: first.TenantID, Status: session.Ready,
		CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
		t.Fatal(err)
	}
	msgs := sqlite.NewMessageStore(db)
	plans := plan.NewService(sqlite.NewPlanStore(db), sqlite.NewTenantStore(db), sqlite.NewLoginAttemptStore(db), gating)
	plans.Now = clk.Now
	srv := httpapi.New(httpapi.Deps{Tenants: tenants, Keys: keys, Tokens: tokens, Idempotency: sqlite.NewIdempotencyStore(db),
		Activity: sqlite.NewActivityStore(db), Notifications: &notification.Service{Store: sqlite.NewNotificationStore(db)},
		Webhooks: &webhook.Service{Store: sqlite.NewWebhookStore(db), Now: clk.Now},
		Sessions: &session.Service{Store: sessions, Queue: q, Now: clk.Now},
		Messages: &message.Service{Messages: msgs, Sessions: sessions, Queue: q, Now: clk.Now, Log: log, Gate: plans},
		Plans:    plans,
		Reports:  &report.Service{MessageStore: msgs, DeliveryStore: sqlite.NewWebhookStore(db), Gate: plans, Now: clk.Now},
		Log:      log, Now: clk.Now}, httpapi.Config{OperatorToken: operatorToken, AuthBurst: 1000, AuthRatePerMinute: 6000})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &premiumEnv{env: &env{url: hs.URL, srv: srv, ownerKey: first.APIKey, email: first.Email, password: first.Password,
		clock: clk, events: rec}, messages: msgs, tenantID: first.TenantID}
}

func (e *premiumEnv) issue(t *testing.T, feature, ttl string) string {
	t.Helper()
	r := e.call(t, "POST", "/api/operator/access-codes", operatorToken, map[string]string{"tenantId": e.tenantID, "feature": feature, "ttl": ttl})
	want(t, r, 201, "")
	return r.json(t)["code"].(string)
}

var poll = map[string]any{"chatId": "491701234567", "question": "Lunch?", "options": []string{"Pizza", "Salad"}}

func lockedFeature(t *testing.T, r resp, feature string) {
	t.Helper()
	want(t, r, 403, "feature_locked")
	if got := r.json(t)["error"].(map[string]any)["details"].(map[string]any)["feature"]; got != feature {
		t.Fatalf("feature_locked names %v, want %s: %s", got, feature, r.body)
	}
}

func TestPremiumFeaturesLockedUntilACodeIsRedeemed(t *testing.T) {
	e := newPremiumEnv(t, true)
	token := e.login(t, e.email, e.password)

	// Locked: the reports, and the interactive sends — a locked tenant hears feature_locked before field errors.
	lockedFeature(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), "reports")
	lockedFeature(t, e.call(t, "GET", "/api/reports/webhooks", token, nil), "reports")
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), "interactive")
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, map[string]any{}), "interactive")
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-button", e.ownerKey, map[string]any{"chatId": "491701234567", "text": "Hi",
		"buttons": []map[string]string{{"text": "Yes"}}}), "interactive")
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-list", e.ownerKey, map[string]any{}), "interactive")
	// Not premium: plain text still goes.
	want(t, e.call(t, "POST", "/api/messages/send-text", e.ownerKey, map[string]any{"chatId": "491701234567", "text": "hello"}), 202, "")
	st := e.call(t, "GET", "/api/plan", e.ownerKey, nil).json(t)
	if st["gating"] != true || st["plan"] != "free" || fmt.Sprint(st["features"]) != "[map[feature:campaigns unlocked:false] map[feature:reports unlocked:false] map[feature:interactive unlocked:false]]" {
		t.Fatalf("GET /api/plan = %v", st)
	}

	// Redeem needs a dashboard login of an owner or admin: not an API key, not a member.
	code := e.issue(t, "reports", "1h")
	want(t, e.call(t, "POST", "/api/plan/redeem", e.ownerKey, map[string]string{"code": code}), 403, "forbidden")
	e.addUser(t, e.ownerKey, "member@a.example", "member")
	member := e.login(t, "member@a.example", userPassword)
	want(t, e.call(t, "POST", "/api/plan/redeem", member, map[string]string{"code": code}), 403, "forbidden")
	r := e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": "12"})
	want(t, r, 422, "validation_failed")
	if !strings.Contains(string(r.body), `"field":"code"`) {
		t.Fatalf("a malformed code does not name the field: %s", r.body)
	}

	// The right code unlocks reports (and only reports); the report is computed from the stored messages.
	r = e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": strings.ToLower(code)})
	want(t, r, 200, "")
	if r.json(t)["unlocked"] != "reports" {
		t.Fatalf("redeem answered %s", r.body)
	}
	r = e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil)
	want(t, r, 200, "")
	rep := r.json(t)
	days := rep["days"].([]any)
	if len(days) != 7 || rep["outbound"] != float64(1) || rep["funnel"].(map[string]any)["pending"] != float64(1) {
		t.Fatalf("message report = %s", r.body)
	}
	today := days[6].(map[string]any)
	if today["date"] != e.clock.Now().UTC().Format("2006-01-02") || today["outbound"].(map[string]any)["pending"] != float64(1) {
		t.Fatalf("today's row = %v", today)
	}
	want(t, e.call(t, "GET", "/api/reports/webhooks", e.ownerKey, nil), 200, "")
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), "interactive")

	// A code works once.
	r = e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": code})
	want(t, r, 409, "conflict")

	// An expired code is refused.
	late := e.issue(t, "interactive", "1m")
	e.clock.Add(2 * time.Minute)
	r = e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": late})
	want(t, r, 422, "validation_failed")
	if !strings.Contains(string(r.body), "expired") {
		t.Fatalf("an expired code: %s", r.body)
	}
	lockedFeature(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), "interactive")

	// Wrong codes are limited: the fifth pauses redeeming, even of a right code, with Retry-After.
	right := e.issue(t, "interactive", "24h")
	for i := 1; i <= 4; i++ {
		want(t, e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": plan.NewCode()}), 422, "validation_failed")
	}
	r = e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": plan.NewCode()})
	want(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") != "900" {
		t.Fatalf("Retry-After = %q, want 900 (15 min)", r.header.Get("Retry-After"))
	}
	want(t, e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": right}), 429, "rate_limited")
	e.clock.Add(15 * time.Minute)
	token = e.login(t, e.email, e.password)
	want(t, e.call(t, "POST", "/api/plan/redeem", token, map[string]string{"code": right}), 200, "")
	want(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), 202, "")
}

func TestOperatorEndpointNeedsTheOperatorToken(t *testing.T) {
	e := newPremiumEnv(t, true)
	body := map[string]string{"tenantId": e.tenantID, "feature": "reports"}
	want(t, e.call(t, "POST", "/api/operator/access-codes", "", body), 401, "unauthorized")
	want(t, e.call(t, "POST", "/api/operator/access-codes", "wrong-"+operatorToken, body), 401, "unauthorized")
	want(t, e.call(t, "POST", "/api/operator/access-codes", e.ownerKey, body), 401, "unauthorized")
	want(t, e.call(t, "POST", "/api/operator/access-codes", e.login(t, e.email, e.password), body), 401, "unauthorized")
	r := e.call(t, "POST", "/api/operator/access-codes", operatorToken, map[string]string{"feature": "gold", "ttl": "forever"})
	want(t, r, 422, "validation_failed")
	for _, f := range []string{`"field":"tenantId"`, `"field":"feature"`, `"field":"ttl"`} {
		if !strings.Contains(string(r.body), f) {
			t.Fatalf("the error does not name %s: %s", f, r.body)
		}
	}
	r = e.call(t, "POST", "/api/operator/access-codes", operatorToken, map[string]string{"feature": "gold", "ttl": "1000h"})
	if !strings.Contains(string(r.body), `"field":"ttl"`) || !strings.Contains(string(r.body), `"field":"tenantId"`) {
		t.Fatalf("a too long TTL is not refused with the other fields: %s", r.body)
	}
	r = e.call(t, "POST", "/api/operator/access-codes", operatorToken, body)
	want(t, r, 201, "")
	m := r.json(t)
	if _, ok := plan.NormalizeCode(m["code"].(string)); !ok || m["feature"] != "reports" || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("issued %s (Cache-Control %q)", r.body, r.header.Get("Cache-Control"))
	}

	// Without a configured operator token the endpoint does not exist.
	off := newEnv(t, httpapi.Config{})
	want(t, off.call(t, "POST", "/api/operator/access-codes", operatorToken, body), 404, "not_found")
}

func TestGatingOffOpensEverything(t *testing.T) {
	e := newPremiumEnv(t, false)
	want(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), 200, "")
	want(t, e.call(t, "GET", "/api/reports/webhooks", e.ownerKey, nil), 200, "")
	want(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), 202, "")
	st := e.call(t, "GET", "/api/plan", e.ownerKey, nil).json(t)
	if st["gating"] != false || !strings.Contains(fmt.Sprint(st["features"]), "source:open unlocked:true") {
		t.Fatalf("GET /api/plan with gating off = %v", st)
	}
	r := e.call(t, "GET", "/api/reports/messages?from=2026-13-01&to=yesterday", e.ownerKey, nil)
	want(t, r, 422, "validation_failed")
	if !strings.Contains(string(r.body), `"field":"from"`) || !strings.Contains(string(r.body), `"field":"to"`) {
		t.Fatalf("bad dates: %s", r.body)
	}
	r = e.call(t, "GET", "/api/reports/messages?from=2026-01-01&to=2026-12-31", e.ownerKey, nil)
	want(t, r, 422, "validation_failed")
}

// TestOperatorSetsATenantsPlan: PUT /api/operator/tenants/{id}/plan needs the operator token; an unknown plan is
// 422 on plan, an unknown tenant 404; premium opens the gated features at once, free locks them again except what
// a redeemed code unlocked.
func TestOperatorSetsATenantsPlan(t *testing.T) {
	e := newPremiumEnv(t, true)
	path := "/api/operator/tenants/" + e.tenantID + "/plan"
	premium := map[string]string{"plan": "premium"}
	want(t, e.call(t, "PUT", path, "", premium), 401, "unauthorized")
	want(t, e.call(t, "PUT", path, e.ownerKey, premium), 401, "unauthorized")
	want(t, e.call(t, "PUT", path, e.login(t, e.email, e.password), premium), 401, "unauthorized")
	r := e.call(t, "PUT", path, operatorToken, map[string]string{"plan": "gold"})
	want(t, r, 422, "validation_failed")
	if f := fieldOf(t, r); f != "plan" || !strings.Contains(string(r.body), "must be one of free, premium") {
		t.Fatalf("unknown plan: %s", r.body)
	}
	want(t, e.call(t, "PUT", path, operatorToken, map[string]any{"plan": "premium", "extra": 1}), 422, "validation_failed")
	want(t, e.call(t, "PUT", "/api/operator/tenants/ten_nobody/plan", operatorToken, premium), 404, "not_found")
	lockedFeature(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), "reports")

	r = e.call(t, "PUT", path, operatorToken, premium)
	want(t, r, 200, "")
	if m := r.json(t); m["tenantId"] != e.tenantID || m["previousPlan"] != "free" || m["plan"] != "premium" ||
		!strings.Contains(fmt.Sprint(m["features"]), "feature:reports source:plan unlocked:true") {
		t.Fatalf("set premium answered %s", r.body)
	}
	want(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), 200, "")
	want(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), 202, "")
	if st := e.call(t, "GET", "/api/plan", e.ownerKey, nil).json(t); st["plan"] != "premium" {
		t.Fatalf("GET /api/plan after premium = %v", st)
	}

	// A code redeemed meanwhile keeps its feature when the plan goes back to free; the rest locks again.
	code := e.issue(t, "interactive", "1h")
	want(t, e.call(t, "POST", "/api/plan/redeem", e.login(t, e.email, e.password), map[string]string{"code": code}), 200, "")
	want(t, e.call(t, "PUT", path, operatorToken, map[string]string{"plan": "free"}), 200, "")
	lockedFeature(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), "reports")
	want(t, e.call(t, "POST", "/api/messages/send-poll", e.ownerKey, poll), 202, "")

	// Without a configured operator token the endpoint does not exist.
	off := newEnv(t, httpapi.Config{})
	want(t, off.call(t, "PUT", path, operatorToken, premium), 404, "not_found")
}
