package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Handler consumes plain queue messages: the consumer of a queue that no route feeds, such as the webhook
// deliveries. It runs in process standalone (router.HandleQueue) and in a Lambda on AWS (awslambda.SQSMessageHandler).
//
// Delivery is at least once, so h must be idempotent. nil deletes the message. A *RetryAfter (or RetryAfter)
// anywhere in the error chain makes the message visible again after exactly its delay. Any other error makes it
// come back after the consumer's backoff, and after the queue's MaxReceives it goes to the dead-letter queue.
type Handler func(ctx context.Context, m Message) error

// RetryAfter is an error that asks for the message to come back after Delay (capped at MaxVisibility, 12 h, the
// longest SQS allows) rather than after the consumer's backoff. It is how a consumer schedules its own retries and
// waits longer than a per-message delay allows: a message can come back any number of times until it is due.
//
// Err is the cause, if any: a RetryAfter with a nil Err is a planned wait, not a failure, and is logged as such.
type RetryAfter struct {
	Delay time.Duration
	Err   error
}

func (r RetryAfter) Error() string {
	if r.Err == nil {
		return fmt.Sprintf("retry after %s", r.Delay)
	}
	return fmt.Sprintf("retry after %s: %v", r.Delay, r.Err)
}

func (r RetryAfter) Unwrap() error { return r.Err }

// Visibility is the visibility timeout that brings the message back after Delay: Delay within 0..MaxVisibility.
func (r RetryAfter) Visibility() time.Duration { return min(max(r.Delay, 0), MaxVisibility) }

// AsRetryAfter finds a RetryAfter (by value or by pointer) in err's chain.
func AsRetryAfter(err error) (RetryAfter, bool) {
	var v RetryAfter
	if errors.As(err, &v) {
		return v, true
	}
	var p *RetryAfter
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return RetryAfter{}, false
}
