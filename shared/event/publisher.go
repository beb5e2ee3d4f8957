package event

import (
	"context"
	"errors"
	"time"
)

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

// PublishRetry publishes with up to three attempts (50 ms, 200 ms apart), keeping the event IDs, for producers
// whose change is already stored and that must not fail the request because the bus hiccuped.
func PublishRetry(ctx context.Context, p Publisher, events ...Envelope) error {
	var err error
	for i, wait := range []time.Duration{0, 50 * time.Millisecond, 200 * time.Millisecond} {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return errors.Join(err, ctx.Err())
			case <-t.C:
			}
		}
		if err = p.Publish(ctx, events...); err == nil {
			return nil
		}
	}
	return err
}
