package event

import "context"

// Publisher puts events on the bus (EventBridge on AWS, the in-process router standalone).
// Publish returns only when every event is durably accepted; on error the caller retries with the same IDs.
type Publisher interface {
	Publish(ctx context.Context, events ...Envelope) error
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, events ...Envelope) error

func (f PublisherFunc) Publish(ctx context.Context, events ...Envelope) error {
	return f(ctx, events...)
}

// Handler consumes routed events: the consumer of a route's target queue, in process standalone and in a Lambda
// on AWS. It must be idempotent on e.ID: delivery is at least once. An error makes the event come back later
// (and after the queue's MaxReceives, land in its dead-letter queue).
type Handler func(ctx context.Context, e BusEvent) error
