package eventbus

import (
	"github.com/waqtor/waqtor/shared/consumers"
)

// Consume registers the consumer c of the registry (shared/consumers), its handler built from d, with concurrency
// handlers at once (the runtime picks c.Concurrency or c.AWSConcurrency) and c's Retry backoff. It fails when d
// lacks what the handler needs, and panics on the wiring mistakes HandleQueue panics on.
func (r *Bus) Consume(c consumers.Consumer, d consumers.Deps, concurrency int) error {
	h, err := c.Build(d)
	if err != nil {
		return err
	}
	opts := []ConsumerOption{Concurrency(concurrency)}
	if c.Retry != (consumers.Backoff{}) {
		opts = append(opts, Retry(c.Retry.Base, c.Retry.Max))
	}
	if h.Events != nil {
		r.Handle(c.Queue, h.Events, opts...)
	} else {
		r.HandleQueue(c.Queue, h.Messages, opts...)
	}
	return nil
}

// Consumers are the queues that have a consumer registered, in registration order.
func (r *Bus) Consumers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.consumers))
	for _, c := range r.consumers {
		out = append(out, c.target)
	}
	return out
}
