// Package httpapi is WaQtor's REST API as one http.Handler: the same handler serves standalone (session-host) and
// on Lambda behind API Gateway. All routes are declared in routes.go; docs/openapi.yaml describes exactly them.
package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/report"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Config tunes the API. Zero values take the documented defaults (see setDefaults).
type Config struct {
	// MaxBodyBytes bounds request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxUploadBytes bounds send-media and POST /api/media bodies and fetched media URLs (default 100 MiB).
	MaxUploadBytes int64
	// UploadSlots is how many large uploads (bodies over LargeUploadBytes, or of unknown length) are read at once
	// (default 2); the others wait up to UploadWait (default 30 s), then get 503 with Retry-After.
	UploadSlots      int
	LargeUploadBytes int64 // default 4 MiB
	UploadWait       time.Duration
	// RatePerSecond and RateBurst size each principal's token bucket (default 20/s, burst 40).
	RatePerSecond float64
	RateBurst     int
	// AuthRatePerMinute and AuthBurst size each client address's bucket for login, signup and failed
	// authentication (default 10/min, burst 10).
	AuthRatePerMinute float64
	AuthBurst         int
	// CORSOrigins are the dashboard origins allowed to call the API from a browser.
	CORSOrigins []string
	// SignupOpen lets anyone create a tenant with POST /api/auth/signup.
	SignupOpen bool
	// TrustProxy takes the client address from X-Forwarded-For (behind a trusted load balancer only).
	TrustProxy bool
	// MetricsToken, when set, is required as a bearer token on GET /metrics; when empty, GET /metrics is 404
	// (metrics are then served only where MetricsHandler is mounted).
	MetricsToken string
	// Version is reported by /healthz.
	Version string
	// RealtimeURL is where the live feed's sockets connect: the ticket response's url is RealtimeURL?ticket=…
	// (default "/ws", the standalone hub on the API's own address; on AWS the WebSocket API's wss:// URL).
	RealtimeURL string
	// OperatorToken authenticates the operator endpoints (Authorization: Bearer <token>); empty: they answer 404.
	// It is the operator's, never a tenant's: no tenant key or login reaches those endpoints.
	OperatorToken string
}

func (c *Config) setDefaults() {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxUploadBytes == 0 {
		c.MaxUploadBytes = 100 << 20
	}
	if c.UploadSlots == 0 {
		c.UploadSlots = 2
	}
	if c.LargeUploadBytes == 0 {
		c.LargeUploadBytes = 4 << 20
	}
	if c.UploadWait == 0 {
		c.UploadWait = 30 * time.Second
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = 20
	}
	if c.RateBurst == 0 {
		c.RateBurst = 40
	}
	if c.AuthRatePerMinute == 0 {
		c.AuthRatePerMinute = 10
	}
	if c.AuthBurst == 0 {
		c.AuthBurst = 10
	}
	if c.Version == "" {
		c.Version = "dev"
	}
}

// Deps are the services the API serves.
type Deps struct {
	Tenants     *tenant.Service
	Keys        *apikey.Service
	Tokens      *auth.Tokens
	Idempotency idempotency.Store
	Activity    activity.Store
	// Webhooks and Notifications are the webhook and notification-center services.
	Webhooks      *webhook.Service
	Notifications *notification.Service
	// Sessions and Messages are the WhatsApp session and message services.
	Sessions *session.Service
	Messages *message.Service
	// Media serves stored media files (nil: not served).
	Media MediaFiles
	// FetchMedia downloads a media URL given to send-media into dst, at most max bytes, through the SSRF guard, and
	// returns the size and Content-Type (nil: URLs refused).
	FetchMedia func(ctx context.Context, url string, max int64, dst io.Writer) (int64, string, error)
	// Realtime issues the live feed's connect tickets (nil where the runtime has no live feed: the ticket route
	// answers 404).
	Realtime *realtime.Tickets
	// Plans decides premium features and redeems and issues access codes.
	Plans *plan.Service
	// Reports computes the tenant's reports.
	Reports *report.Service
	// Branding is the tenants' dashboard branding.
	Branding *branding.Service
	// Demo is demo mode's fake WhatsApp (nil outside demo mode: the /api/dev/demo endpoints answer 404).
	Demo demo.World
	// Ready reports whether the process can serve (database reachable, not draining).
	Ready func(ctx context.Context) error
	// Registry receives the API's metrics and is served on /metrics (nil: a new registry).
	Registry *prometheus.Registry
	Log      *slog.Logger
	Now      func() time.Time
}

// MediaFiles is the part of the media store the API uses: it reads message files and stores uploads.
type MediaFiles interface {
	Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mime string) error
	Open(ctx context.Context, tenantID, key string) (io.ReadCloser, media.Info, error)
	PresignGet(ctx context.Context, tenantID, key string, ttl time.Duration) (string, error)
}

// Server is the API handler.
type Server struct {
	Deps
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler
	limiter  *limiter
	authLim  *limiter
	metrics  *metrics
	gatherer prometheus.Gatherer
	slots    uploadSlots
}

// New builds the API handler.
func New(d Deps, cfg Config) *Server {
	cfg.setDefaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{Deps: d, cfg: cfg, log: d.Log, mux: http.NewServeMux(), gatherer: d.Registry}
	s.slots = make(uploadSlots, cfg.UploadSlots)
	s.limiter = newLimiter(cfg.RatePerSecond, cfg.RateBurst, d.Now)
	s.authLim = newLimiter(cfg.AuthRatePerMinute/60, cfg.AuthBurst, d.Now)
	s.metrics = newMetrics(d.Registry)
	s.routes()
	s.handler = s.withRequestID(s.withObserve(s.withRecover(s.withCORS(s.mux))))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// handlerFunc is a route handler: it writes a success response or returns the error to answer with.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// access says who may call a route. Every route declares one, and checkAccess refuses a table where a route
// reachable with credentials would need no scope and no explicit own-record rule.
type access int

const (
	public    access = iota // anyone, without credentials; no scope
	principal               // an API key or a dashboard token holding the route's scope (required)
	userOnly                // a dashboard token only (not an API key), acting on its own user; the scope, if set, too
	self                    // any authenticated caller, about its own identity only (GET /api/me); no scope
	selfOr                  // {id} is the caller's own user record (dashboard token), or the scope for anyone else
	operator                // the operator's token (Config.OperatorToken), never a tenant's credential; no scope
)

var accessNames = map[access]string{public: "public", principal: "principal", userOnly: "userOnly", self: "self", selfOr: "selfOr",
	operator: "operator"}

// route is one entry of the routing table in routes.go.
type route struct {
	Method  string
	Path    string
	Access  access
	Scope   auth.Scope // the required scope; see access for when it may be ""
	Summary string
	Handle  handlerFunc
}

// checkAccess says what is wrong with a route's access rule, or nil.
func (rt route) checkAccess() error {
	name, ok := accessNames[rt.Access]
	switch {
	case !ok:
		return fmt.Errorf("%s %s: unknown access rule %d", rt.Method, rt.Path, rt.Access)
	case rt.Scope != "" && !rt.Scope.Valid():
		return fmt.Errorf("%s %s: unknown scope %q", rt.Method, rt.Path, rt.Scope)
	case (rt.Access == public || rt.Access == self || rt.Access == operator) && rt.Scope != "":
		return fmt.Errorf("%s %s: a %s route takes no scope", rt.Method, rt.Path, name)
	case (rt.Access == principal || rt.Access == selfOr) && rt.Scope == "":
		return fmt.Errorf("%s %s: a %s route needs a scope (or an explicit public, userOnly or self rule)", rt.Method, rt.Path, name)
	case rt.Access == selfOr && !strings.Contains(rt.Path, "/users/{id}"):
		return fmt.Errorf("%s %s: selfOr is for user records, /users/{id}", rt.Method, rt.Path)
	}
	return nil
}

// authorize applies the route's access rule to an authenticated caller.
func (rt route) authorize(r *http.Request, p auth.Principal) error {
	switch rt.Access {
	case userOnly:
		if p.KeyID != "" {
			return apperr.New(apperr.Forbidden, "this endpoint needs a dashboard login, not an API key")
		}
	case selfOr:
		if p.KeyID == "" && r.PathValue("id") == p.UserID {
			return nil // one's own record; the domain applies the finer rules (no self-promotion)
		}
	case principal, self:
	default:
		return apperr.New(apperr.Forbidden, "this endpoint declares no access rule")
	}
	if rt.Scope != "" && !p.Can(rt.Scope) {
		return apperr.New(apperr.Forbidden, "this endpoint needs the %s scope", rt.Scope)
	}
	return nil
}

// requireScope is the route layer's check of a scope that an operation needs beyond its route's, where it depends
// on the request: under selfOr one's own record passes without the route's scope, but changing one's own role or
// disabled flag still needs users:write. With authorize it is the API's only scope check (the services check none:
// TestScopesAreCheckedInOneLayer in shared/archtest).
func requireScope(p auth.Principal, s auth.Scope, msg string) error {
	if !p.Can(s) {
		return apperr.New(apperr.Forbidden, "%s", msg)
	}
	return nil
}

// mount registers the routes and a JSON 405 for every path's other methods, and a JSON 404 for the rest.
func (s *Server) mount(routes []route) {
	methods := map[string][]string{}
	for _, rt := range routes {
		if err := rt.checkAccess(); err != nil {
			panic("httpapi: " + err.Error())
		}
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
	}
	for path, ms := range methods {
		allow := strings.Join(append(ms, http.MethodOptions), ", ")
		notAllowed := func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			s.writeError(w, r, apperr.New(apperr.MethodNotAllowed, "%s is not allowed on %s; allowed: %s", r.Method, path, allow))
		}
		// One pattern per missing method (not a method-less pattern, which would conflict with a sibling
		// wildcard route such as DELETE /api/notifications/{id} next to /api/notifications/mark-all-read).
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
			if !slices.Contains(ms, m) {
				s.mux.HandleFunc(m+" "+path, notAllowed)
			}
		}
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, apperr.New(apperr.NotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
}

// wrap applies the per-route chain: body limit, authentication, scope, rate limit, idempotency.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, rt.Method+" "+rt.Path)
		if err := s.serveRoute(w, r, rt); err != nil {
			s.writeError(w, r, err)
		}
	})
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt route) error {
	if err := s.readBody(w, r); err != nil {
		return err
	}
	if rt.Access == public {
		return rt.Handle(w, r)
	}
	if rt.Access == operator {
		if err := s.authenticateOperator(r); err != nil {
			if !s.authLim.allow(clientAddr(r, s.cfg.TrustProxy)) {
				return s.rateLimited(clientAddr(r, s.cfg.TrustProxy), s.authLim)
			}
			return err
		}
		return rt.Handle(w, r)
	}
	p, err := s.authenticate(r)
	if err != nil {
		if !s.authLim.allow(clientAddr(r, s.cfg.TrustProxy)) {
			return s.rateLimited(clientAddr(r, s.cfg.TrustProxy), s.authLim)
		}
		return err
	}
	if err := rt.authorize(r, p); err != nil {
		return err
	}
	bucket := "u:" + p.UserID
	if p.KeyID != "" {
		bucket = "k:" + p.KeyID
	}
	if !s.limiter.allow(bucket) {
		return s.rateLimited(bucket, s.limiter)
	}
	r = r.WithContext(auth.WithPrincipal(r.Context(), p))
	if streamedRoutes[state(r).route] {
		end, err := s.readUpload(r)
		if err != nil {
			return err
		}
		defer end()
	}
	if r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
		return s.idempotent(w, r, p, rt.Handle)
	}
	return rt.Handle(w, r)
}

// readBody reads the whole body up to the limit, so size errors come before anything else and the body can be
// hashed for idempotency and decoded.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	limit := s.cfg.MaxBodyBytes
	streamed := streamedRoutes[state(r).route]
	if streamed {
		limit = s.cfg.MaxUploadBytes
	}
	if r.ContentLength > limit {
		return apperr.New(apperr.TooLarge, "request body is %d bytes; the limit is %d", r.ContentLength, limit).
			WithDetails(map[string]any{"limit": limit})
	}
	if streamed {
		// Read after authentication, as a stream (readUpload), never whole into memory.
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "request body is over the limit of %d bytes", limit).
			WithDetails(map[string]any{"limit": limit})
	}
	if err != nil {
		return apperr.New(apperr.BadRequest, "could not read the request body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	setBody(r, body)
	return nil
}
