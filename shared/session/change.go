package session

import "time"

// ApplyChange records c on s at `at`, as every Store's UpdateStatus does: the status, reason, ban end and next
// retry time replace the stored ones; Account replaces the stored account when set, ClearAccount forgets it; the QR code, its expiry
// and the pairing code replace the stored ones (a change without them clears them, as they only live while
// pairing); UpdatedAt becomes at.
func (s *Session) ApplyChange(c Change, at time.Time) {
	s.Status, s.Reason, s.Until, s.NextRetryAt = c.Status, c.Reason, cloneTime(c.Until), cloneTime(c.NextRetryAt)
	switch {
	case c.ClearAccount:
		s.Account = nil
	case c.Account != nil:
		a := *c.Account
		s.Account = &a
	}
	s.QR, s.QRExpiresAt, s.PairingCode = c.QR, cloneTime(c.QRExpiresAt), c.PairingCode
	s.UpdatedAt = at
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
