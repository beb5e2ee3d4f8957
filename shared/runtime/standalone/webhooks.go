package standalone

import (
	"log/slog"
	"time"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Consumer concurrency of the webhook pipeline: fan-out is a few quick writes per event, but each write waits for
// its turn on SQLite's one writer, and writes that wait together commit together (sqlite.DB.Write), so a busy
// moment needs many fan-outs at once; deliveries wait on receivers (up to 30 s each), so many run at once and each
// endpoint is bounded by its own MaxConcurrency.
const (
	fanoutConcurrency   = 16
	deliveryConcurrency = 32
)

// Webhooks registers the webhook pipeline on rt, over the SQLite stores of db and the queue q (on db): webhook.Fanout
// consumes the "webhooks" route's queue and commits each event's deliveries with their jobs (sqlite.WebhookJobStore),
// and a webhook.Deliverer consumes the jobs, sending through the SSRF-guarded client (cfg.WebhookAllow lets chosen
// private destinations through). Endpoint secrets and header values are sealed with secrets (webhook.SealedStore).
// It returns the deliverer, whose Sender tests may replace before rt runs.
func Webhooks(rt *eventbus.Bus, db *sqlite.DB, q *sqlite.Queue, secrets webhook.Sealer, cfg config.Config, log *slog.Logger) *webhook.Deliverer {
	store := webhook.SealedStore(sqlite.NewWebhookJobStore(q), secrets)
	rt.Handle(webhook.RouterQueue, webhook.Fanout(store, q, time.Now), eventbus.Concurrency(fanoutConcurrency))
	d := &webhook.Deliverer{
		Store:    store,
		Sender:   webhook.NewClient(cfg.WebhookGuard(), app.Version),
		Notifier: notification.StoreNotifier{Store: sqlite.NewNotificationStore(db)},
		Events:   rt, // endpoint health events, for the notification rules
		Limiter:  webhook.NewSemaphores(),
		Version:  app.Version,
		Log:      log,
	}
	rt.HandleQueue(webhook.DeliveriesQueue, d.Handle, eventbus.Concurrency(deliveryConcurrency))
	return d
}
