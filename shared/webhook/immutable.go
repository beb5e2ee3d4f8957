package webhook

// keepWebhookFixed wraps fn, a change of a stored endpoint, so its identity and its delivery sequence keep their
// stored values whatever fn does: ID, TenantID, CreatedAt and Seq (which only CreateDelivery moves). Every
// UpdateWebhook of this package passes its change through it (TestUpdatesKeepFixedFields in shared/archtest checks
// the calls); the stores save what they are given.
func keepWebhookFixed(fn func(*Webhook) error) func(*Webhook) error {
	return func(w *Webhook) error {
		orig := *w
		if err := fn(w); err != nil {
			return err
		}
		w.ID, w.TenantID, w.CreatedAt, w.Seq = orig.ID, orig.TenantID, orig.CreatedAt, orig.Seq
		return nil
	}
}

// keepDeliveryFixed wraps fn, a change of a stored delivery, so only its progress changes (Status, Attempts,
// CycleStart, NextAt, LastCode, LastError, UpdatedAt, ExpiresAt): its identity, event, body, Seq and CreatedAt
// keep their stored values whatever fn does. Every UpdateDelivery and RecordAttempt of this package passes its
// change through it (checked as keepWebhookFixed's).
func keepDeliveryFixed(fn func(*Delivery) error) func(*Delivery) error {
	return func(d *Delivery) error {
		orig := *d
		if err := fn(d); err != nil {
			return err
		}
		d.ID, d.TenantID, d.WebhookID, d.EventID, d.Event, d.SessionID = orig.ID, orig.TenantID, orig.WebhookID, orig.EventID, orig.Event, orig.SessionID
		d.Body, d.Seq, d.CreatedAt = orig.Body, orig.Seq, orig.CreatedAt
		return nil
	}
}
