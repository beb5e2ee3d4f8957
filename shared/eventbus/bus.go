// Package eventbus is the standalone event bus: it does in process what EventBridge rules with SQS targets do on AWS.
//
// Publish wraps each envelope as an event.BusEvent, matches it against every route of the routing table (the same
// EventBridge patterns infra deploys, evaluated by shared/eventpattern) and sends one message per matching route to
// the route's target queue. The body is the BusEvent JSON: exactly what an EventBridge rule with an SQS target
// delivers. Handle and Run then consume those queues, with retries through the queue's visibility timeout and its
// dead-letter queue, as the Lambda event-source mappings do on AWS. HandleQueue consumes queues of plain messages
// (not bus events) with the same loop, and lets a handler say when a message comes back (queue.RetryAfter).
package eventbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// MaxEventSize is the largest bus event the router accepts, the SQS message and EventBridge entry limit.
const MaxEventSize = 256 * 1024

// Options configures a Bus. The zero value is usable.
type Options struct {
	// Account and Region fill the BusEvent's account and region (default "000000000000" and "local").
	Account string
	Region  string
	// Logger receives the router's logs (default: discarded). Logs carry IDs, types and targets, never event data.
	Logger *slog.Logger
	// Wait is the long-poll wait of each receive (default 10 s). Cancelling Run's context ends a wait at once.
	Wait time.Duration
	// ShutdownGrace is how long in-flight handlers may still run after Run's context is cancelled (default 30 s).
	ShutdownGrace time.Duration
	// QueueOpTimeout bounds the Delete and ChangeVisibility calls made after a handler returns (default 10 s).
	QueueOpTimeout time.Duration
}

func (o *Options) setDefaults() {
	if o.Account == "" {
		o.Account = "000000000000"
	}
	if o.Region == "" {
		o.Region = "local"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Wait <= 0 {
		o.Wait = 10 * time.Second
	}
	if o.ShutdownGrace <= 0 {
		o.ShutdownGrace = 30 * time.Second
	}
	if o.QueueOpTimeout <= 0 {
		o.QueueOpTimeout = 10 * time.Second
	}
}

// Bus publishes events to route target queues and runs the consumers of those queues.
type Bus struct {
	q      queue.Queue
	routes []compiledRoute
	opt    Options
	log    *slog.Logger

	mu        sync.Mutex
	consumers []*consumer
	running   bool
}

type compiledRoute struct {
	name    string
	target  string
	pattern *eventpattern.Pattern
}

var _ event.Publisher = (*Bus)(nil)

// New compiles every route's pattern once; a route without a name or target, a duplicate name or an invalid
// pattern fails New (all problems reported at once).
func New(q queue.Queue, routes []routing.Route, opt Options) (*Bus, error) {
	opt.setDefaults()
	var errs []error
	if q == nil {
		errs = append(errs, errors.New("router: queue is nil"))
	}
	seen := map[string]bool{}
	compiled := make([]compiledRoute, 0, len(routes))
	for i, r := range routes {
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("%w: route %d has no name", ErrInvalidRoute, i))
		} else if seen[r.Name] {
			errs = append(errs, fmt.Errorf("%w: duplicate route name %q", ErrInvalidRoute, r.Name))
		}
		seen[r.Name] = true
		if r.Target == "" {
			errs = append(errs, fmt.Errorf("%w: route %q has no target", ErrInvalidRoute, r.Name))
		}
		p, err := eventpattern.Compile(r.Pattern)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: route %q: %w", ErrInvalidRoute, r.Name, err))
			continue
		}
		compiled = append(compiled, compiledRoute{name: r.Name, target: r.Target, pattern: p})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Bus{q: q, routes: compiled, opt: opt, log: opt.Logger}, nil
}

// Publish validates every envelope, then sends each one to the target queue of every route it matches (one message
// per matching route). An invalid or oversized envelope fails the call before anything is sent. When a send fails,
// Publish still tries the other targets and returns the errors: the caller retries with the same IDs, and
// consumers dedupe on the event ID.
func (r *Bus) Publish(ctx context.Context, events ...event.Envelope) error {
	type routed struct {
		id, typ string
		body    []byte
		targets []string
	}
	var errs []error
	all := make([]routed, 0, len(events))
	for i, e := range events {
		if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("event %d (%s): %w", i, e.ID, err))
			continue
		}
		body, err := event.Marshal(e.Bus(r.opt.Account, r.opt.Region))
		if err != nil {
			errs = append(errs, fmt.Errorf("event %d (%s): marshal: %w", i, e.ID, err))
			continue
		}
		if len(body) > MaxEventSize {
			errs = append(errs, fmt.Errorf("event %d (%s): %w: %d bytes, limit %d", i, e.ID, ErrEventTooLarge, len(body), MaxEventSize))
			continue
		}
		m, err := eventpattern.Decode(body)
		if err != nil {
			errs = append(errs, fmt.Errorf("event %d (%s): %w", i, e.ID, err))
			continue
		}
		ev := routed{id: e.ID, typ: e.Type, body: body}
		for _, rt := range r.routes {
			if rt.pattern.MatchMap(m) {
				ev.targets = append(ev.targets, rt.target)
			}
		}
		all = append(all, ev)
	}
	if len(errs) > 0 {
		return fmt.Errorf("router: publish: nothing sent: %w", errors.Join(errs...))
	}

	var order []string
	batches := map[string][]queue.Outgoing{}
	for _, ev := range all {
		r.log.DebugContext(ctx, "router: event routed", "eventId", ev.id, "type", ev.typ, "targets", ev.targets)
		for _, t := range ev.targets {
			if _, ok := batches[t]; !ok {
				order = append(order, t)
			}
			batches[t] = append(batches[t], queue.Outgoing{Body: ev.body})
		}
	}
	for _, t := range order {
		msgs := batches[t]
		for len(msgs) > 0 {
			n := min(len(msgs), 10)
			if err := r.q.Send(ctx, t, msgs[:n]...); err != nil {
				errs = append(errs, fmt.Errorf("send %d events to %s: %w", n, t, err))
			}
			msgs = msgs[n:]
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("router: publish: %w", errors.Join(errs...))
	}
	return nil
}
