// Package consumers is THE consumer registry: for every queue of queue.Catalog that is not a dead-letter queue, the
// one consumer that handles its messages, declared once. Standalone registers every entry on its in-process event
// bus (shared/runtime/standalone), each consumer Lambda's main runs its entry (awsfunction.Consume), the session host
// on ECS runs the entries it owns (shared/runtime/awshost), and the CDK stack derives each function's SQS event source
// mapping from it (infra/stack). Validate, run by this package's tests, fails when a queue has no consumer or two.
//
// Adding a route and its consumer is one routing.Table entry, one queue.Catalog entry (with its dead-letter queue)
// and one Registry entry here with its handler; a dependency the handler needs that Deps lacks is one field of Deps,
// which each runtime then fills (their tests fail until they do).
package consumers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Consumer declares the consumer of one queue.
type Consumer struct {
	// Queue is the queue.Catalog name of the queue consumed.
	Queue string
	// On is where the consumer runs on AWS: a Lambda function (Lambda) or the session host (SessionHost).
	// Standalone runs every consumer in its one process.
	On Runner
	// Exactly one of Events and Messages builds the handler from what it needs. Events: the queue is a route's
	// target (routing.Table) and carries bus events. Messages: plain queue messages (queue.Handler's contract), or
	// a route's bus events taken as queue messages by a handler that decodes them itself because it needs the
	// queue's semantics (queue.RetryAfter: the notification rules' pending checks).
	Events   func(Deps) (event.Handler, error)
	Messages func(Deps) (queue.Handler, error)
	// BatchSize is the most records one invocation of the Lambda gets (1 to 10); 0 for the session host.
	BatchSize int
	// Concurrency is how many handlers of this consumer run at once on standalone's event bus (0: 1).
	Concurrency int
	// AWSConcurrency is, for a Lambda, the event source mapping's maximum concurrency (0: no cap; else 2 to
	// 1000); for the session host, how many handlers run at once on the host's event bus (0: 1).
	AWSConcurrency int
	// AWSOnly: only the AWS runtime runs this consumer; its queue is the target of a routing.Route marked AWSOnly,
	// whose work standalone does in process (the live feed's push: shared/wshub is tapped onto the bus).
	AWSOnly bool
	// Retry is the event bus's backoff after a failed message, standalone and on the session host (zero: the bus's
	// default, 1 s doubling to 5 min). On a Lambda the queue's visibility timeout decides when a failure comes back.
	Retry Backoff
	// Needs names the fields of Deps the handler uses; Build fails naming those that are empty, before it builds
	// the handler. A consumer Lambda's main passes a constructor for each (awsfunction.Consume), and
	// TestConsumerFunctionsLinkOnlyWhatTheyUse (shared/archtest) fails when the function links what none needs.
	Needs []string
}

// Runner says where a consumer runs on AWS. Build it with Lambda or use SessionHost.
type Runner struct {
	// Function is the Lambda function's name (functions/<Function>/main.go, infra/stack's function list).
	Function string
	// Host: the session host (ECS) runs the consumer: it holds the WhatsApp connections.
	Host bool
}

// Lambda runs a consumer on the Lambda function of that name.
func Lambda(function string) Runner { return Runner{Function: function} }

// SessionHost runs a consumer on the session host.
var SessionHost = Runner{Host: true}

func (r Runner) String() string {
	if r.Host {
		return "the session host"
	}
	return "function " + r.Function
}

// Backoff is a failed message's wait before it comes back: Base, doubling with each receive, at most Max.
type Backoff struct{ Base, Max time.Duration }

// SessionCommands is the session host's side of its two queues (sessionrunner.Host).
type SessionCommands interface {
	HandleSend(ctx context.Context, m queue.Message) error
	HandleControl(ctx context.Context, m queue.Message) error
}

// Deps is what the handlers are built from. Each runtime fills it (standalone: the SQLite adapters; a Lambda: the
// DynamoDB, KMS and SQS adapters; the session host: Sessions). A handler names the fields it needs (Deps.need), so a
// runtime that leaves one empty fails when it builds the consumer, at start and in its tests, not at the first message.
type Deps struct {
	// Activity is the tenant's activity log.
	Activity activity.Store
	// Webhooks is the webhook store, secrets sealed (webhook.SealedStore). Standalone's also commits each event's
	// deliveries with their jobs (sqlite.WebhookJobStore).
	Webhooks webhook.Store
	// Queue is the queue consumers send to.
	Queue queue.Queue
	// Sender sends webhook deliveries: the SSRF-guarded client (egress.NewClient).
	Sender webhook.Sender
	// Sessions handles the session host's commands; only the session host has it.
	Sessions SessionCommands
	// Events publishes the events consumers raise themselves (the deliverer's webhook.failing and
	// webhook.recovered): the bus standalone, EventBridge on AWS.
	Events event.Publisher
	// NotificationRules is the notification center (notification.Center, built by app.NotificationCenter over the
	// runtime's stores, publishing notification.created to the live feed): the notifications consumer, and the
	// Notifier the webhook deliverer raises its signals with.
	NotificationRules *notification.Center
	// LiveFeed pushes bus events to the live feed's WebSocket connections (AWS: the API Gateway WebSocket API's
	// gateway, shared/wsgateway; standalone has none, its hub is fed in process).
	LiveFeed event.Handler
	// Now is the consumers' clock (time.Now; tests shift it).
	Now func() time.Time
	// Version is WaQtor's version (app.Version), in the deliveries' User-Agent.
	Version string
	// Log gets the consumers' own log lines (nil: none).
	Log *slog.Logger
}

// ErrMissingDep: a runtime built a consumer without a dependency its handler needs.
var ErrMissingDep = errors.New("consumers: missing dependency")

// need fails naming every listed field of d that is empty, or that Deps does not have.
func (d Deps) need(queueName string, fields ...string) error {
	v := reflect.ValueOf(d)
	var missing []string
	for _, f := range fields {
		fv := v.FieldByName(f)
		if !fv.IsValid() {
			return fmt.Errorf("consumers: the consumer of %q needs Deps.%s, which Deps does not have", queueName, f)
		}
		if fv.IsZero() {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the consumer of %q needs Deps.%v", ErrMissingDep, queueName, missing)
	}
	return nil
}

// The registry's entries, one per queue. Each is a package-level value so that a consumer Lambda's main names only
// its own (awsfunction.Consume(consumers.Audit, ...)) and Go's linker leaves out the others' handlers; nothing on a
// consumer function's path may reference Registry, For or On.
var (
	Audit = Consumer{
		Queue: "audit", On: Runner{Function: "audit"}, BatchSize: 10, Needs: []string{"Activity"},
		Events: func(d Deps) (event.Handler, error) { return activity.Handler(d.Activity), nil },
	}
	// WebhookRouter: fan-out is a few quick writes per event, but on SQLite each write waits for its turn on the
	// one writer, and writes that wait together commit together (sqlite.DB.Write), so a busy moment needs many at
	// once.
	WebhookRouter = Consumer{
		Queue: webhook.RouterQueue, On: Runner{Function: "webhook-router"}, BatchSize: 10, Concurrency: 16,
		Needs:  []string{"Webhooks", "Queue", "Now"},
		Events: func(d Deps) (event.Handler, error) { return webhook.Fanout(d.Webhooks, d.Queue, d.Now), nil },
	}
	// WebhookDeliver: deliveries wait on receivers (up to 30 s each), so many run at once; each endpoint is bounded
	// by its own MaxConcurrency. On Lambda each invocation enforces that among its own records (webhook.Semaphores):
	// with at most 10 invocations at once, an endpoint has at most 10 times its limit in flight (best effort).
	WebhookDeliver = Consumer{
		Queue: webhook.DeliveriesQueue, On: Runner{Function: "webhook-deliver"}, BatchSize: 10, Concurrency: 32,
		AWSConcurrency: 10, Needs: []string{"Webhooks", "Sender", "NotificationRules", "Events", "Now"},
		Messages: func(d Deps) (queue.Handler, error) {
			dl := &webhook.Deliverer{Store: d.Webhooks, Sender: d.Sender,
				Notifier: d.NotificationRules, Events: d.Events, Limiter: webhook.NewSemaphores(),
				Now: d.Now, Version: d.Version, Log: d.Log}
			return dl.Handle, nil
		},
	}
	// Notifications: the notification rules. A rule that waits (a disconnection's grace, a QR waiting for a scan)
	// keeps its event's message as the pending check (queue.RetryAfter), so the handler takes queue messages and
	// decodes the bus event itself.
	Notifications = Consumer{
		Queue: "notifications", On: Runner{Function: "notifications"}, BatchSize: 10, Concurrency: 2,
		Needs:    []string{"NotificationRules"},
		Messages: func(d Deps) (queue.Handler, error) { return d.NotificationRules.Handle, nil },
	}
	// RealtimePush: the live feed's push through the WebSocket API (AWS only; standalone's hub is fed in process).
	RealtimePush = Consumer{
		Queue: "realtime-push", On: Runner{Function: "ws-push"}, BatchSize: 10, AWSOnly: true, Needs: []string{"LiveFeed"},
		Events: func(d Deps) (event.Handler, error) { return d.LiveFeed, nil },
	}
	SessionSends = Consumer{
		Queue: session.SendsQueue, On: SessionHost, Concurrency: 4, AWSConcurrency: 8, Needs: []string{"Sessions"},
		Messages: func(d Deps) (queue.Handler, error) { return d.Sessions.HandleSend, nil },
	}
	SessionControl = Consumer{
		Queue: session.ControlQueue, On: SessionHost, Concurrency: 2, AWSConcurrency: 4, Needs: []string{"Sessions"},
		Messages: func(d Deps) (queue.Handler, error) { return d.Sessions.HandleControl, nil },
	}
)

// Registry is every queue's consumer: one entry per queue of queue.Catalog that is not a dead-letter queue. It is a
// function, not a variable: a slice variable of the entries would be filled by the package's initialisation, which
// every importer links, and with it every entry's handler.
func Registry() []Consumer {
	return []Consumer{Audit, WebhookRouter, WebhookDeliver, Notifications, RealtimePush, SessionSends, SessionControl}
}

// Handlers are a consumer's built handler: exactly one is set.
type Handlers struct {
	Events   event.Handler
	Messages queue.Handler
}

// Build builds c's handler from d. It fails naming every field of c.Needs that d leaves empty.
func (c Consumer) Build(d Deps) (Handlers, error) {
	if (c.Events == nil) == (c.Messages == nil) {
		return Handlers{}, fmt.Errorf("consumers: the consumer of %q needs exactly one of Events and Messages", c.Queue)
	}
	if err := d.need(c.Queue, c.Needs...); err != nil {
		return Handlers{}, err
	}
	var h Handlers
	var err error
	if c.Events != nil {
		h.Events, err = c.Events(d)
	} else {
		h.Messages, err = c.Messages(d)
	}
	if err != nil {
		return Handlers{}, err
	}
	return h, nil
}

// For returns the consumer of the queue.
func For(queueName string) (Consumer, bool) {
	for _, c := range Registry() {
		if c.Queue == queueName {
			return c, true
		}
	}
	return Consumer{}, false
}

// On returns the consumers that run on r, in registry order.
func On(r Runner) []Consumer {
	var out []Consumer
	for _, c := range Registry() {
		if c.On == r {
			out = append(out, c)
		}
	}
	return out
}
