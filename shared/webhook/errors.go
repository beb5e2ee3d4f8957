package webhook

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrNotFound: no such webhook in the tenant.
	ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "webhook not found"}
	// ErrDeliveryNotFound: no such delivery in the tenant.
	ErrDeliveryNotFound = &apperr.Error{Code: apperr.NotFound, Message: "delivery not found"}
)
