// Package httpapi is WaQtor's REST API as one http.Handler: the same handler serves standalone (session-host) and
// on Lambda behind API Gateway. All routes are declared in routes.go; docs/openapi.yaml describes exactly them.
package httpapi

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Config tunes the API. Zero values take the documented defaults (see setDefaults).
type Config struct {
	// MaxBodyBytes bounds request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxUploadBytes bounds send-media bodies and fetched media URLs (default 100 MiB).
	MaxUploadBytes int64
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
	// MetricsToken, when set, is required as a bearer token on GET /metrics.
	MetricsToken string
	// Version is reported by /healthz.
	Version string
}

func (c *Config) setDefaults() {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxUploadBytes == 0 {
		c.MaxUploadBytes = 100 << 20
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
	// FetchMedia downloads a media URL given to send-media, through the SSRF guard (nil: URLs refused).
	FetchMedia func(ctx context.Context, url string, max int64) ([]byte, string, error)
	// Realtime issues the live feed's connect tickets (nil where the runtime has no live feed: the ticket route
	// answers 404).
	Realtime *realtime.Tickets
	// Demo is demo mode's fake WhatsApp (nil outside demo mode: the /api/dev/demo endpoints answer 404).
	Demo demo.World
	// Ready reports whether the process can serve (database reachable, not draining).
	Ready func(ctx context.Context) error
	// Registry receives the API's metrics and is served on /metrics (nil: a new registry).
	Registry *prometheus.Registry
	Log      *slog.Logger
	Now      func() time.Time
}

// MediaFiles is the part of the media store the API reads.
type MediaFiles interface {
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

// access says who may call a route.
type access int

const (
	public    access = iota // anyone
	principal               // an API key or a dashboard token
	userOnly                // a dashboard token only (not an API key)
)

// route is one entry of the routing table in routes.go.
type route struct {
	Method  string
	Path    string
	Access  access
	Scope   auth.Scope // required scope, "" for none
	Summary string
	Handle  handlerFunc
}

// mount registers the routes and a JSON 405 for every path's other methods, and a JSON 404 for the rest.
func (s *Server) mount(routes []route) {
	methods := map[string][]string{}
	for _, rt := range routes {
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
	p, err := s.authenticate(r)
	if err != nil {
		if !s.authLim.allow(clientAddr(r, s.cfg.TrustProxy)) {
			return s.rateLimited(clientAddr(r, s.cfg.TrustProxy), s.authLim)
		}
		return err
	}
	if rt.Access == userOnly && p.KeyID != "" {
		return apperr.New(apperr.Forbidden, "this endpoint needs a dashboard login, not an API key")
	}
	if rt.Scope != "" && !p.Can(rt.Scope) {
		return apperr.New(apperr.Forbidden, "this endpoint needs the %s scope", rt.Scope)
	}
	bucket := "u:" + p.UserID
	if p.KeyID != "" {
		bucket = "k:" + p.KeyID
	}
	if !s.limiter.allow(bucket) {
		return s.rateLimited(bucket, s.limiter)
	}
	r = r.WithContext(auth.WithPrincipal(r.Context(), p))
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
	if state(r).route == "POST /api/messages/send-media" {
		limit = s.cfg.MaxUploadBytes
	}
	if r.ContentLength > limit {
		return apperr.New(apperr.TooLarge, "request body is %d bytes; the limit is %d", r.ContentLength, limit).
			WithDetails(map[string]any{"limit": limit})
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
