package apikey

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrNotFound: no such key in the tenant.
	ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "API key not found"}
	// ErrInvalidKey: unknown, revoked or expired key. Deliberately vague.
	ErrInvalidKey = &apperr.Error{Code: apperr.Unauthorized, Message: "invalid API key"}
	// ErrDuplicate: a key with the same hash exists (only possible for imported keys).
	ErrDuplicate = &apperr.Error{Code: apperr.Conflict, Message: "this API key already exists"}
)
