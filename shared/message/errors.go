package message

import "github.com/waqtor/waqtor/shared/apperr"

// ErrNotFound: no such message for the tenant.
var ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "message not found"}
