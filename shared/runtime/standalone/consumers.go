package standalone

import (
	"log/slog"
	"slices"
	"time"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/webhook"
)

// NewStores is standalone's app.Stores: every store on the SQLite database db, media files in files, webhook
// secrets and header values sealed with secrets (webhook.SealedStore).
func NewStores(db *sqlite.DB, files media.Store, secrets webhook.Sealer) app.Stores {
	return app.Stores{Tenants: sqlite.NewTenantStore(db), Keys: sqlite.NewKeyStore(db),
		Idempotency: sqlite.NewIdempotencyStore(db), Activity: sqlite.NewActivityStore(db),
		Webhooks: webhook.SealedStore(sqlite.NewWebhookStore(db), secrets), Notifications: sqlite.NewNotificationStore(db),
		Sessions: sqlite.NewSessionStore(db), Messages: sqlite.NewMessageStore(db), Media: files,
		LoginAttempts: sqlite.NewLoginAttemptStore(db), Tickets: sqlite.NewTicketStore(db), Plans: sqlite.NewPlanStore(db),
		NotificationPreferences: sqlite.NewNotificationStore(db), Branding: sqlite.NewBrandingStore(db)}
}

// ConsumerDeps is what standalone's consumers (shared/consumers) are built from, over the SQLite database db and
// its queue q: the webhook store commits each event's deliveries with their jobs (sqlite.WebhookJobStore) and seals
// endpoint secrets and header values with secrets; deliveries go through the SSRF-guarded client (cfg.WebhookAllow
// lets chosen private destinations through). The notification center publishes on the bus Consume runs the
// consumers on. Sessions is left to the caller: the session runner.
func ConsumerDeps(db *sqlite.DB, q *sqlite.Queue, secrets webhook.Sealer, cfg config.Config, log *slog.Logger) consumers.Deps {
	notes := sqlite.NewNotificationStore(db)
	return consumers.Deps{
		NotificationRules: app.NotificationCenter(app.Stores{Tenants: sqlite.NewTenantStore(db),
			Sessions: sqlite.NewSessionStore(db), Notifications: notes, NotificationPreferences: notes}, nil, log),
		Activity: sqlite.NewActivityStore(db),
		Webhooks: webhook.SealedStore(sqlite.NewWebhookJobStore(q), secrets),
		Queue:    q,
		Sender:   egress.NewClient(cfg.WebhookGuard(), app.Version),
		Now:      time.Now,
		Version:  app.Version,
		Log:      log,
	}
}

// Consume registers on rt the consumer of every queue of the registry (only those of queues when given; tests
// run parts of the pipeline), each with its standalone concurrency, but those only AWS runs (AWSOnly: their routes
// are not on standalone's bus, routing.Standalone). It fails when d lacks what a consumer needs.
func Consume(rt *eventbus.Bus, d consumers.Deps, queues ...string) error {
	if d.Events == nil {
		d.Events = rt // consumers publish onto the bus they run on
	}
	if d.NotificationRules != nil && d.NotificationRules.Events == nil {
		c := *d.NotificationRules // ConsumerDeps' center: it publishes onto the bus too
		c.Events = rt
		d.NotificationRules = &c
	}
	for _, c := range consumers.Registry() {
		if c.AWSOnly || len(queues) > 0 && !slices.Contains(queues, c.Queue) {
			continue
		}
		if err := rt.Consume(c, d, c.Concurrency); err != nil {
			return err
		}
	}
	return nil
}
