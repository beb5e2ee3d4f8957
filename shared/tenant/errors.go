package tenant

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrTenantNotFound: no tenant with that ID.
	ErrTenantNotFound = &apperr.Error{Code: apperr.NotFound, Message: "tenant not found"}
	// ErrUserNotFound: no user with that ID in the tenant (or that email).
	ErrUserNotFound = &apperr.Error{Code: apperr.NotFound, Message: "user not found"}
	// ErrEmailTaken: another user already has the email.
	ErrEmailTaken = &apperr.Error{Code: apperr.Conflict, Message: "a user with this email already exists"}
	// ErrInvalidCredentials: wrong email or password, or a disabled user. Deliberately vague.
	ErrInvalidCredentials = &apperr.Error{Code: apperr.Unauthorized, Message: "invalid email or password"}
	// ErrLastOwner: the change would leave the tenant without an enabled owner.
	ErrLastOwner = &apperr.Error{Code: apperr.Conflict, Message: "a tenant must keep at least one enabled owner"}
	// ErrForbidden: the caller may not make this change.
	ErrForbidden = &apperr.Error{Code: apperr.Forbidden, Message: "not allowed"}
)
