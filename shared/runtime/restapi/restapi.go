// Package restapi builds the REST API (shared/httpapi) over the app's stores and services, for both runtimes. It is
// apart from shared/runtime/app so that the consumer Lambdas, which need the stores but not the API, do not link it.
package restapi

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/demo"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/runtime/app"
)

// New builds the REST API handler over a runtime's stores and the services built from them (app.NewServices).
//
// Media URLs given to send-media are fetched through the SSRF guard with WAQTOR_MEDIA_FETCH_ALLOW (not the
// webhooks' list), never reaching cfg.Listeners. demo is
// the demo-mode WhatsApp (nil outside demo mode).
func New(st app.Stores, svc app.Services, cfg config.Config, log *slog.Logger, reg *prometheus.Registry,
	ready func(context.Context) error, world demo.World) *httpapi.Server {
	fetch := egress.NewClient(cfg.MediaFetchGuard(), app.Version).Fetch
	var tickets *realtime.Tickets
	if st.Tickets != nil {
		tickets = realtime.NewTickets(st.Tickets)
	}
	return httpapi.New(httpapi.Deps{
		Tenants: svc.Tenants, Keys: svc.Keys, Tokens: svc.Tokens, Idempotency: st.Idempotency, Activity: st.Activity,
		Webhooks: svc.Webhooks, Notifications: svc.Notifications,
		Sessions: svc.Sessions, Messages: svc.Messages, Media: st.Media, FetchMedia: fetch, Demo: world,
		Plans: svc.Plans, Reports: svc.Reports, Branding: svc.Branding,
		Realtime: tickets, Ready: ready, Registry: reg, Log: log,
	}, httpapi.Config{
		MaxBodyBytes: cfg.MaxBodyBytes, MaxUploadBytes: cfg.MaxUploadBytes, RatePerSecond: cfg.RatePerSecond, RateBurst: cfg.RateBurst,
		CORSOrigins: cfg.DashboardOrigins, SignupOpen: cfg.SignupOpen, TrustProxy: cfg.TrustProxy,
		MetricsToken: cfg.MetricsToken, Version: app.Version, RealtimeURL: cfg.WSURL, OperatorToken: cfg.OperatorToken,
	})
}
