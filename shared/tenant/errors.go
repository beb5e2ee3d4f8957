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
	// ErrTokenRevoked: the token was issued before the user's password or role changed, the user was disabled or
	// logged out everywhere.
	ErrTokenRevoked = &apperr.Error{Code: apperr.Unauthorized, Message: "this token was ended by a password change, a role change or a log-out-everywhere; log in again",
		Details: map[string]any{"reason": "token_revoked"}}
	// ErrTokenUserGone: the token's user was deleted or disabled.
	ErrTokenUserGone = &apperr.Error{Code: apperr.Unauthorized, Message: "the user of this token no longer has access"}
	// ErrPasswordNeedsLogin: an API key tried to set a password (PATCH /api/users/{id} with password).
	ErrPasswordNeedsLogin = &apperr.Error{Code: apperr.Forbidden, Message: "setting a password needs a dashboard login, not an API key"}
	// ErrForbidden: the caller may not make this change.
	ErrForbidden = &apperr.Error{Code: apperr.Forbidden, Message: "not allowed"}
)
