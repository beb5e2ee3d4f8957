package sqlite

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by a write submitted after DB.Close.
var ErrClosed = errors.New("sqlite: database closed")

// moved is the error of an update whose change moved the record: changed what the record is stored and found
// under (its ID, its tenant, a user's email). A store saves a record where it read it; which other fields may
// change is the domain's rule (apikey, tenant and webhook keep their fixed fields before a change reaches a store).
func moved(what string) error {
	return fmt.Errorf("update %s: the change moves the record (its ID, tenant or email), which a store refuses", what)
}
