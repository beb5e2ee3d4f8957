// Package app assembles the domain services and the API from a runtime's adapters. Both runtimes call it, so
// standalone and AWS serve the same API with the same rules and differ only in the stores and publisher given.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Version is the WaQtor version, set at build time with -ldflags "-X github.com/waqtor/waqtor/shared/runtime/app.Version=…".
var Version = "dev"

// Stores are one runtime's store adapters.
type Stores struct {
	Tenants       tenant.Store
	Keys          apikey.Store
	Idempotency   idempotency.Store
	Activity      activity.Store
	Webhooks      webhook.Store
	Notifications notification.Store
	Sessions      session.Store
	Messages      message.Store
	Media         media.Store
	// LoginAttempts keeps failed sign-ins for the per-account lockout.
	LoginAttempts tenant.AttemptStore
	// Tickets keeps the live feed's connect tickets (nil where the runtime has no live feed yet: AWS).
	Tickets realtime.TicketStore
}

// Services are the domain services over a runtime's adapters.
type Services struct {
	Tenants       *tenant.Service
	Keys          *apikey.Service
	Tokens        *auth.Tokens
	Webhooks      *webhook.Service
	Notifications *notification.Service
	Sessions      *session.Service
	Messages      *message.Service
}

// Outbound are what the API needs to reach beyond its stores: the queue replays go to, and the sender of test
// deliveries (the SSRF-guarded client).
type Outbound struct {
	Queue  queue.Queue
	Sender webhook.Sender
}

// NewServices builds the domain services.
func NewServices(st Stores, events event.Publisher, out Outbound, tokenSecret []byte, cfg config.Config, log *slog.Logger) (Services, error) {
	tokens, err := auth.NewTokens(tokenSecret, cfg.TokenTTL, time.Now)
	if err != nil {
		return Services{}, err
	}
	tenants := tenant.NewService(st.Tenants, events, log)
	tenants.Attempts = st.LoginAttempts
	tenants.Notifier = notification.StoreNotifier{Store: st.Notifications}
	if st.Media != nil {
		tenants.Avatars = st.Media
	}
	return Services{
		Tenants: tenants,
		Keys:    apikey.NewService(st.Keys, st.Tenants, events, log),
		Tokens:  tokens,
		Webhooks: &webhook.Service{Store: st.Webhooks, Guard: cfg.WebhookGuard(), Queue: out.Queue,
			Sender: out.Sender, Version: Version, Now: time.Now},
		Notifications: &notification.Service{Store: st.Notifications},
		Sessions:      &session.Service{Store: st.Sessions, Queue: out.Queue, Now: time.Now},
		Messages: &message.Service{Messages: st.Messages, Sessions: st.Sessions, Queue: out.Queue, Files: st.Media,
			Now: time.Now, Log: log},
	}, nil
}

// NewAPI builds the REST API handler.
//
// Media URLs given to send-media are fetched through the SSRF guard with WAQTOR_MEDIA_FETCH_ALLOW (not the
// webhooks' list), never reaching cfg.Listeners. demo is
// the demo-mode WhatsApp (nil outside demo mode).
func NewAPI(st Stores, svc Services, cfg config.Config, log *slog.Logger, reg *prometheus.Registry,
	ready func(context.Context) error, world demo.World) *httpapi.Server {
	fetch := webhook.NewClient(cfg.MediaFetchGuard(), Version).Fetch
	var tickets *realtime.Tickets
	if st.Tickets != nil {
		tickets = realtime.NewTickets(st.Tickets)
	}
	return httpapi.New(httpapi.Deps{
		Tenants: svc.Tenants, Keys: svc.Keys, Tokens: svc.Tokens, Idempotency: st.Idempotency, Activity: st.Activity,
		Webhooks: svc.Webhooks, Notifications: svc.Notifications,
		Sessions: svc.Sessions, Messages: svc.Messages, Media: st.Media, FetchMedia: fetch, Demo: world,
		Realtime: tickets, Ready: ready, Registry: reg, Log: log,
	}, httpapi.Config{
		MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: cfg.MaxUploadBytes, RatePerSecond: cfg.RatePerSecond, RateBurst: cfg.RateBurst,
		CORSOrigins: cfg.DashboardOrigins, SignupOpen: cfg.SignupOpen, TrustProxy: cfg.TrustProxy,
		MetricsToken: cfg.MetricsToken, Version: Version,
	})
}
