// Package app describes the app's stores (Stores, the one list each runtime fills) and assembles the domain services
// from them. Both runtimes call it, so standalone and AWS serve the same API with the same rules and differ only in
// the stores and publisher given; the REST API over the services is shared/runtime/restapi.
package app

import (
	"log/slog"
	"reflect"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/report"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Version is the WaQtor version, set at build time with -ldflags "-X github.com/waqtor/waqtor/shared/runtime/app.Version=…".
var Version = "dev"

// Stores are one runtime's store adapters: THE list of the app's stores. Each runtime builds all of them
// (standalone.NewStores on SQLite, awsapp.NewStores on DynamoDB and S3), and each runtime's tests fail on a field it
// leaves nil (Missing), so a store added here is added to both.
type Stores struct {
	Tenants       tenant.Store
	Keys          apikey.Store
	Idempotency   idempotency.Store
	Activity      activity.Store
	Webhooks      webhook.Store
	Notifications notification.Store
	// NotificationPreferences keeps each user's muted notification kinds.
	NotificationPreferences notification.PreferenceStore
	Sessions                session.Store
	Messages                message.Store
	Media                   media.Store
	// LoginAttempts keeps failed sign-ins for the per-account lockout.
	LoginAttempts tenant.AttemptStore
	// Plans keeps access codes and the features tenants unlocked with them.
	Plans plan.Store
	// Tickets keeps the live feed's connect tickets.
	Tickets realtime.TicketStore
	// Branding keeps each tenant's dashboard branding.
	Branding branding.Store
}

// Missing names the fields of s that are nil: a runtime's stores must have none.
func (s Stores) Missing() []string {
	var out []string
	v := reflect.ValueOf(s)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			out = append(out, v.Type().Field(i).Name)
		}
	}
	return out
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
	// Plans decides premium features (cfg.PremiumGating) and issues and redeems access codes.
	Plans *plan.Service
	// Reports computes the tenant's reports (a premium feature).
	Reports *report.Service
	// Branding is the tenants' dashboard branding.
	Branding *branding.Service
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
	tenants.Notifier = NotificationCenter(st, events, log)
	plans := plan.NewService(st.Plans, st.Tenants, st.LoginAttempts, cfg.PremiumGating)
	if st.Media != nil {
		tenants.Avatars = st.Media
	}
	return Services{
		Tenants: tenants,
		Keys:    apikey.NewService(st.Keys, st.Tenants, events, log),
		Tokens:  tokens,
		Webhooks: &webhook.Service{Store: st.Webhooks, Guard: cfg.WebhookGuard(), Queue: out.Queue,
			Sender: out.Sender, Version: Version, Now: time.Now},
		Notifications: &notification.Service{Store: st.Notifications, Preferences: st.NotificationPreferences, Now: time.Now},
		Sessions:      &session.Service{Store: st.Sessions, Queue: out.Queue, Now: time.Now},
		Messages: &message.Service{Messages: st.Messages, Sessions: st.Sessions, Queue: out.Queue, Files: st.Media,
			Now: time.Now, Log: log, Gate: plans},
		Plans:    plans,
		Reports:  &report.Service{MessageStore: st.Messages, DeliveryStore: st.Webhooks, Gate: plans, Now: time.Now},
		Branding: &branding.Service{Store: st.Branding, Now: time.Now},
	}, nil
}

// NotificationCenter is the consumer of the "notifications" route's queue in both runtimes and the Notifier of
// the producers that raise signals (the tenant service, the session runner, the webhook deliverer): the
// notification rules over the runtime's stores, publishing notification.created to events.
func NotificationCenter(st Stores, events event.Publisher, log *slog.Logger) *notification.Center {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &notification.Center{Store: st.Notifications, Preferences: st.NotificationPreferences,
		Users:    tenant.NotificationUsers(st.Tenants),
		Sessions: st.Sessions, Events: events, Log: log.With("component", "notifications")}
}
