package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

func TestMain(m *testing.M) {
	auth.PasswordCost = bcrypt.MinCost // hashing speed is not under test here
	os.Exit(m.Run())
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	url      string
	srv      *httpapi.Server
	ownerKey string
	email    string
	password string
	clock    *clock
	events   *recorded
	notes    notification.Store
}

// recorded is a publisher for these unit tests: it keeps the events and feeds the activity log synchronously.
type recorded struct {
	mu     sync.Mutex
	events []event.Envelope
	store  activity.Store
}

func (r *recorded) Publish(ctx context.Context, evs ...event.Envelope) error {
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			return err
		}
		if err := activity.Handler(r.store)(ctx, e.Bus("000000000000", "local")); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.mu.Unlock()
	return nil
}

func (r *recorded) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

func newEnv(t testing.TB, cfg httpapi.Config) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Now()}
	// A real JSON logger (to nowhere), so benchmarks pay what production pays per log line.
	log := logging.New(io.Discard, "json", "info")
	rec := &recorded{store: sqlite.NewActivityStore(db)}
	tenants := tenant.NewService(sqlite.NewTenantStore(db), rec, log)
	tenants.Now, tenants.Attempts = clk.Now, sqlite.NewLoginAttemptStore(db)
	notes := sqlite.NewNotificationStore(db)
	tenants.Notifier = &notification.Center{Store: notes, Preferences: notes, Users: tenant.NotificationUsers(sqlite.NewTenantStore(db)),
		Sessions: sqlite.NewSessionStore(db), Events: event.PublisherFunc(func(context.Context, ...event.Envelope) error { return nil })}
	avatars, err := localdisk.NewMediaStore(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	tenants.Avatars = avatars
	keys := apikey.NewService(sqlite.NewKeyStore(db), sqlite.NewTenantStore(db), rec, log)
	tokens, err := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := setup.FirstStart(context.Background(), tenants, keys, setup.Input{Email: "owner@a.example"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(httpapi.Deps{Tenants: tenants, Keys: keys, Tokens: tokens, Idempotency: sqlite.NewIdempotencyStore(db),
		Activity: sqlite.NewActivityStore(db), Notifications: &notification.Service{Store: notes, Preferences: notes, Now: clk.Now}, Log: log, Now: clk.Now,
		Webhooks: &webhook.Service{Store: sqlite.NewWebhookStore(db), Guard: egress.Guard{Resolver: noDNS{}}, Now: clk.Now},
		Branding: &branding.Service{Store: sqlite.NewBrandingStore(db), Now: clk.Now}}, cfg)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{url: hs.URL, srv: srv, ownerKey: first.APIKey, email: first.Email, password: first.Password, clock: clk,
		events: rec, notes: notes}
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (r resp) errCode(t *testing.T) string {
	t.Helper()
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %s", r.body)
	}
	return e["code"].(string)
}

// call sends a request; cred is an API key or a token ("" for none). headers are "Name: value" strings.
func (e *env) call(t *testing.T, method, path, cred string, body any, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasPrefix(cred, "wq_") {
		req.Header.Set("X-API-Key", cred)
	} else if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

func want(t *testing.T, r resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.errCode(t); got != code {
			t.Fatalf("error code %q, want %q: %s", got, code, r.body)
		}
	}
}

func (e *env) login(t *testing.T, email, password string) string {
	t.Helper()
	r := e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": password})
	want(t, r, 200, "")
	return r.json(t)["token"].(string)
}
