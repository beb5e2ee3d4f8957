package consumers

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// ErrRegistry: the registry does not match the queue catalog or the routing table.
var ErrRegistry = errors.New("consumers: registry")

// Validate reports every problem of a registry at once, against the queue catalog and the routing table: each queue
// that is not a dead-letter queue has exactly one consumer, and nothing else has one; a route's target queue has an
// Events handler, any other queue a Messages handler; each consumer runs on exactly one of a named Lambda function
// or the session host; each field it Needs is one of Deps; batch sizes and concurrencies are in range.
func Validate(catalog []queue.Spec, routes []routing.Route, registry []Consumer) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrRegistry}, args...)...))
	}
	deadLetter := map[string]bool{}
	for _, s := range catalog {
		if s.DeadLetter != "" {
			deadLetter[s.DeadLetter] = true
		}
	}
	specs := map[string]bool{}
	for _, s := range catalog {
		specs[s.Name] = true
	}
	routed := map[string]bool{}
	for _, r := range routes {
		routed[r.Target] = true
	}
	count := map[string]int{}
	for _, c := range registry {
		count[c.Queue]++
		switch {
		case !specs[c.Queue]:
			bad("consumer of %q: no such queue in the catalog", c.Queue)
		case deadLetter[c.Queue]:
			bad("consumer of %q: a dead-letter queue has no consumer (its alarm reports what lands there)", c.Queue)
		}
		switch {
		case c.Events != nil && c.Messages != nil, c.Events == nil && c.Messages == nil:
			bad("consumer of %q: needs exactly one of Events and Messages", c.Queue)
		case !routed[c.Queue] && c.Events != nil:
			bad("consumer of %q: no route targets the queue, so it carries plain messages: use Messages", c.Queue)
		}
		switch {
		case c.On.Host == (c.On.Function != ""):
			bad("consumer of %q: On must name a Lambda function or be the session host", c.Queue)
		case c.On.Host && c.BatchSize != 0:
			bad("consumer of %q: BatchSize is for Lambda consumers", c.Queue)
		case !c.On.Host && (c.BatchSize < 1 || c.BatchSize > queue.MaxBatch):
			bad("consumer of %q: BatchSize %d out of 1..%d", c.Queue, c.BatchSize, queue.MaxBatch)
		case !c.On.Host && c.AWSConcurrency != 0 && (c.AWSConcurrency < 2 || c.AWSConcurrency > 1000):
			bad("consumer of %q: AWSConcurrency %d: a Lambda's maximum concurrency is 0 (no cap) or 2..1000", c.Queue, c.AWSConcurrency)
		}
		for _, f := range c.Needs {
			if _, ok := reflect.TypeFor[Deps]().FieldByName(f); !ok {
				bad("consumer of %q: needs Deps.%s, which Deps does not have", c.Queue, f)
			}
		}
		if c.AWSOnly && c.On.Host {
			bad("consumer of %q: AWSOnly is for Lambda consumers", c.Queue)
		}
		if c.Concurrency < 0 || c.AWSConcurrency < 0 {
			bad("consumer of %q: negative concurrency", c.Queue)
		}
		if c.Retry != (Backoff{}) && (c.Retry.Base <= 0 || c.Retry.Max < c.Retry.Base) {
			bad("consumer of %q: Retry needs 0 < Base <= Max", c.Queue)
		}
	}
	functions := map[string]string{}
	for _, c := range registry {
		if f := c.On.Function; f != "" {
			if other, dup := functions[f]; dup && other != c.Queue {
				bad("function %q consumes both %q and %q: one queue per function", f, other, c.Queue)
			}
			functions[f] = c.Queue
		}
	}
	for _, s := range catalog {
		switch n := count[s.Name]; {
		case deadLetter[s.Name]:
		case n == 0:
			bad("queue %q has no consumer", s.Name)
		case n > 1:
			bad("queue %q has %d consumers, want one", s.Name, n)
		}
	}
	return errors.Join(errs...)
}
