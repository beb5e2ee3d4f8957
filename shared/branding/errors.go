package branding

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrNotSet: the tenant never stored a branding (Service.Get answers Default instead).
	ErrNotSet = &apperr.Error{Code: apperr.NotFound, Message: "no branding stored"}
	// ErrNoLogo: the tenant has no logo.
	ErrNoLogo = &apperr.Error{Code: apperr.NotFound, Message: "this tenant has no logo"}
)
