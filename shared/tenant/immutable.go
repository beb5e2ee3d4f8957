package tenant

// keepFixed wraps fn, a change of a stored user, so the user's identity keeps its stored value whatever fn does:
// ID, TenantID, Email (the login name; a user never changes it) and CreatedAt. Every UpdateUser of this package
// passes its change through it (TestUpdatesKeepFixedFields in shared/archtest checks the calls); the stores save
// what they are given.
func keepFixed(fn func(*User) error) func(*User) error {
	return func(u *User) error {
		orig := *u
		if err := fn(u); err != nil {
			return err
		}
		u.ID, u.TenantID, u.Email, u.CreatedAt = orig.ID, orig.TenantID, orig.Email, orig.CreatedAt
		return nil
	}
}
