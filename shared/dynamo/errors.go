package dynamo

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrContention: a write kept losing races with concurrent writes to the same record (an Update* retried its
	// optimistic write, or a transaction conflicted, maxAttempts times). Nothing was written; the caller may retry.
	ErrContention = &apperr.Error{Code: apperr.Conflict, Message: "the record is being changed concurrently, try again"}
)
