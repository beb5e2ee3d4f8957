package queue

import "errors"

var (
	// ErrUnknownQueue: the queue name is not declared.
	ErrUnknownQueue = errors.New("queue: unknown queue")
	// ErrInvalidReceipt: the receipt handle is unknown or no longer valid (the message was received again or deleted).
	ErrInvalidReceipt = errors.New("queue: invalid receipt handle")
	// ErrGroupRequired: a FIFO queue needs a GroupID on every message.
	ErrGroupRequired = errors.New("queue: FIFO queue requires a group ID")
	// ErrInvalidMessage: empty body, too large (256 KiB), delay out of range, or too many messages in one call (10).
	ErrInvalidMessage = errors.New("queue: invalid message")
)
