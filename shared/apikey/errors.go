package apikey

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrNotFound: no such key in the tenant.
	ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "API key not found"}
	// ErrInvalidKey: unknown, revoked or expired key. Deliberately vague.
	ErrInvalidKey = &apperr.Error{Code: apperr.Unauthorized, Message: "invalid API key"}
	// ErrOwnerDeleted: the key's creator no longer exists, so the key works no more.
	ErrOwnerDeleted = &apperr.Error{Code: apperr.KeyOwnerInactive, Message: "the user who created this API key was deleted; the key no longer works"}
	// ErrOwnerDisabled: the key's creator is disabled; the key works again if they are enabled.
	ErrOwnerDisabled = &apperr.Error{Code: apperr.KeyOwnerInactive, Message: "the user who created this API key is disabled; the key works only while they are enabled"}
	// ErrDuplicate: a key with the same hash exists (only possible for imported keys).
	ErrDuplicate = &apperr.Error{Code: apperr.Conflict, Message: "this API key already exists"}
)
