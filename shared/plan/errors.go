package plan

import "github.com/waqtor/waqtor/shared/apperr"

var (
	// ErrCodeNotFound: no access code with that hash (stores).
	ErrCodeNotFound = &apperr.Error{Code: apperr.NotFound, Message: "access code not found"}
	// ErrCodeExists: an access code with that hash is stored already (stores).
	ErrCodeExists = &apperr.Error{Code: apperr.Conflict, Message: "an access code with this hash exists"}
	// ErrCodeUsed: the access code was redeemed already; a code works once.
	ErrCodeUsed = &apperr.Error{Code: apperr.Conflict, Message: "this access code has been used already; ask for a new one",
		Details: map[string]any{"reason": "access_code_used"}}
	// ErrCodeWrong: no such code for this tenant. The same answer whether the code does not exist or belongs to
	// another tenant, so codes cannot be probed across tenants.
	ErrCodeWrong = apperr.Field("code", "is not a valid access code for this account")
	// ErrCodeExpired: the code was right but its time ran out.
	ErrCodeExpired = apperr.Field("code", "has expired; ask for a new one")
	// ErrForbidden: only owners and admins may redeem access codes.
	ErrForbidden = &apperr.Error{Code: apperr.Forbidden, Message: "only an owner or an admin of the account may redeem access codes"}
)

// LockedError is the answer to a gated request of a feature the tenant has not unlocked: 403 feature_locked,
// naming the feature.
func LockedError(f Feature) error {
	return &apperr.Error{Code: apperr.FeatureLocked,
		Message: "the account's plan does not include " + string(f) + ": redeem an access code to unlock it (POST /api/plan/redeem)",
		Details: map[string]any{"feature": string(f)}}
}
