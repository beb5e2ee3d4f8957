package eventbridge

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidConfig: the publisher configuration is incomplete.
	ErrInvalidConfig = errors.New("eventbridge: invalid config")
	// ErrEventTooLarge: one event is over the PutEvents entry limit (256 KiB).
	ErrEventTooLarge = errors.New("eventbridge: event too large")
	// ErrEntriesFailed: EventBridge refused some entries, even after the retries. A *FailedError names them.
	ErrEntriesFailed = errors.New("eventbridge: entries failed")
)

// FailedEntry is one event EventBridge did not accept.
type FailedEntry struct {
	// ID is the envelope ID, to retry with.
	ID      string
	Code    string
	Message string
}

// FailedError lists the events that were not published; every other event of the call was.
type FailedError struct {
	Failed []FailedEntry
	Total  int
}

func (e *FailedError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = fmt.Sprintf("%s (%s: %s)", f.ID, f.Code, f.Message)
	}
	return fmt.Sprintf("%s: %d of %d events not published: %s", ErrEntriesFailed, len(e.Failed), e.Total, strings.Join(parts, ", "))
}

// Unwrap makes errors.Is(err, ErrEntriesFailed) true.
func (e *FailedError) Unwrap() error { return ErrEntriesFailed }

// IDs returns the envelope IDs that failed.
func (e *FailedError) IDs() []string {
	ids := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		ids[i] = f.ID
	}
	return ids
}
