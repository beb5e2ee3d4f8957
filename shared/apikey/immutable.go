package apikey

// keepFixed wraps fn, a change of a stored key, so what was fixed when the key was made keeps its stored value
// whatever fn does: ID, TenantID, Hash, Hint, CreatedAt and CreatedBy. Every UpdateKey of this package passes its
// change through it (TestUpdatesKeepFixedFields in shared/archtest checks the calls); the stores save what they
// are given.
func keepFixed(fn func(*Key) error) func(*Key) error {
	return func(k *Key) error {
		orig := *k
		if err := fn(k); err != nil {
			return err
		}
		k.ID, k.TenantID, k.Hash, k.Hint, k.CreatedAt, k.CreatedBy = orig.ID, orig.TenantID, orig.Hash, orig.Hint, orig.CreatedAt, orig.CreatedBy
		return nil
	}
}
