package dynamo

import (
	"fmt"

	"github.com/waqtor/waqtor/shared/apperr"
)

var (
	// ErrContention: a write kept losing races with concurrent writes to the same record (an Update* retried its
	// optimistic write, or a transaction conflicted, maxAttempts times). Nothing was written; the caller may retry.
	ErrContention = &apperr.Error{Code: apperr.Conflict, Message: "the record is being changed concurrently, try again"}
)

// moved is the error of an update whose change moved the record: changed what the record is stored and found
// under (its ID, its tenant, a user's email). A store saves a record where it read it; which other fields may
// change is the domain's rule (apikey, tenant and webhook keep their fixed fields before a change reaches a store).
func moved(what string) error {
	return fmt.Errorf("update %s: the change moves the record (its ID, tenant or email), which a store refuses", what)
}
