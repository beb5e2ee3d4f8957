// Package queue is the durable queue port with SQS semantics, and the catalog of WaQtor's queues.
//
// Two adapters implement Queue: sqlite.Queue (standalone) and sqs.Queue (AWS). Both pass queuetest.Run.
package queue

import (
	"context"
	"time"
)

// Outgoing is a message to send.
type Outgoing struct {
	Body []byte
	// GroupID is required on FIFO queues: at most one message of a group is in flight at a time, in send order.
	GroupID string
	// DedupID drops a second send with the same ID within the deduplication window (FIFO queues, 5 minutes).
	DedupID string
	// Delay hides the message for this long after sending (0 to 15 minutes, as SQS).
	Delay time.Duration
	// Attributes travel with the message (string values).
	Attributes map[string]string
}

// Message is a received message. It stays invisible until its visibility timeout ends, then comes back unless
// it was deleted by its receipt handle.
type Message struct {
	ID            string
	Body          []byte
	GroupID       string
	ReceiptHandle string
	// ReceiveCount counts receives including this one.
	ReceiveCount int
	SentAt       time.Time
	Attributes   map[string]string
}

// ReceiveOptions tunes one receive call.
type ReceiveOptions struct {
	// Max messages in the batch, 1 to 10 (0 means 1).
	Max int
	// Visibility overrides the queue's visibility timeout for these messages (0 keeps the queue's).
	Visibility time.Duration
	// Wait long-polls up to this long for the first message (0 returns at once).
	Wait time.Duration
}

// Queue is the port. Queue names are the Spec names of the catalog.
type Queue interface {
	Send(ctx context.Context, queue string, msgs ...Outgoing) error
	Receive(ctx context.Context, queue string, opt ReceiveOptions) ([]Message, error)
	Delete(ctx context.Context, queue string, receiptHandle string) error
	// ChangeVisibility makes a received message visible again after d (0: at once).
	ChangeVisibility(ctx context.Context, queue string, receiptHandle string, d time.Duration) error
}

// Spec declares one queue. Infra creates SQS queues from specs; the SQLite queue enforces them.
type Spec struct {
	Name string
	// FIFO queues keep order per GroupID and deduplicate on DedupID. Their names end in ".fifo".
	FIFO bool
	// VisibilityTimeout is how long a received message stays hidden (default 30 s).
	VisibilityTimeout time.Duration
	// MaxReceives moves a message to DeadLetter on its next receive after this many receives (0: never).
	MaxReceives int
	// DeadLetter names the dead-letter queue spec ("" for none).
	DeadLetter string
	// Retention drops messages older than this (default 4 days, at most 14 days).
	Retention time.Duration
}
