package sqs

import (
	"fmt"
	"strings"

	"github.com/waqtor/waqtor/shared/queue"
)

// SendError reports the messages of one Send that SQS refused; the other messages were sent. Retry only the failed
// ones (by Index) to avoid duplicates.
type SendError struct {
	Queue string
	// Total is the number of messages in the Send.
	Total  int
	Failed []FailedMessage
}

// FailedMessage is one message that SQS refused.
type FailedMessage struct {
	// Index is the message's position in the Send call.
	Index int
	// Code and Message are SQS's.
	Code, Message string
	// SenderFault: the message itself is at fault, so a retry fails again.
	SenderFault bool
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "send to %s: %d of %d messages failed:", e.Queue, len(e.Failed), e.Total)
	for _, f := range e.Failed {
		fmt.Fprintf(&b, " #%d %s: %s;", f.Index, f.Code, f.Message)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Unwrap gives queue.ErrInvalidMessage when SQS blames a message (SenderFault), so errors.Is sees a bad message.
func (e *SendError) Unwrap() error {
	for _, f := range e.Failed {
		if f.SenderFault {
			return queue.ErrInvalidMessage
		}
	}
	return nil
}
