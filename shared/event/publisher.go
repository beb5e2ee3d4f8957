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
