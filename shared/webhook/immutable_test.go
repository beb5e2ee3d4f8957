package webhook

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestKeepFixed: whatever a change does, an endpoint's identity and sequence and a delivery's identity, event,
// body, sequence and creation keep their values and the rest changes; a failing change fails. The stores save
// what they are given, so this is the rule.
func TestKeepFixed(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := t0.Add(time.Hour)
	boom := errors.New("boom")

	stored := Webhook{ID: "whk_1", TenantID: "ten_a", URL: "https://a.example", Enabled: true, Seq: 7, CreatedAt: t0, UpdatedAt: t0}
	w := stored
	if err := keepWebhookFixed(func(w *Webhook) error {
		w.ID, w.TenantID, w.Seq, w.CreatedAt = "whk_2", "ten_b", 99, later
		w.URL, w.Enabled, w.DisabledReason, w.UpdatedAt = "https://b.example", false, "failing", later
		return nil
	})(&w); err != nil {
		t.Fatal(err)
	}
	if w.ID != stored.ID || w.TenantID != stored.TenantID || w.Seq != stored.Seq || !w.CreatedAt.Equal(t0) ||
		w.URL != "https://b.example" || w.Enabled || w.DisabledReason != "failing" || !w.UpdatedAt.Equal(later) {
		t.Fatalf("webhook after the change: %+v", w)
	}
	if err := keepWebhookFixed(func(*Webhook) error { return boom })(&w); !errors.Is(err, boom) {
		t.Fatalf("a failing change = %v, want boom", err)
	}

	sd := Delivery{ID: "msg_1", TenantID: "ten_a", WebhookID: "whk_1", EventID: "evt_1", Event: "message_received",
		SessionID: "ses_1", Body: json.RawMessage(`{"a":1}`), Seq: 3, Status: Pending, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: later}
	d := sd
	if err := keepDeliveryFixed(func(d *Delivery) error {
		d.ID, d.TenantID, d.WebhookID, d.EventID, d.Event, d.SessionID = "msg_x", "ten_b", "whk_x", "evt_x", "session_qr", "ses_x"
		d.Body, d.Seq, d.CreatedAt = json.RawMessage(`{"x":1}`), 42, later
		d.Status, d.Attempts, d.CycleStart, d.NextAt, d.LastCode, d.LastError = Failed, 2, 1, &later, 500, "boom"
		d.UpdatedAt, d.ExpiresAt = later, later.Add(time.Hour)
		return nil
	})(&d); err != nil {
		t.Fatal(err)
	}
	if d.ID != sd.ID || d.TenantID != sd.TenantID || d.WebhookID != sd.WebhookID || d.EventID != sd.EventID || d.Event != sd.Event ||
		d.SessionID != sd.SessionID || string(d.Body) != string(sd.Body) || d.Seq != sd.Seq || !d.CreatedAt.Equal(t0) {
		t.Fatalf("delivery's fixed fields changed: %+v", d)
	}
	if d.Status != Failed || d.Attempts != 2 || d.CycleStart != 1 || d.NextAt != &later || d.LastCode != 500 || d.LastError != "boom" ||
		!d.UpdatedAt.Equal(later) || !d.ExpiresAt.Equal(later.Add(time.Hour)) {
		t.Fatalf("delivery's progress did not change: %+v", d)
	}
	if err := keepDeliveryFixed(func(*Delivery) error { return boom })(&d); !errors.Is(err, boom) {
		t.Fatalf("a failing change = %v, want boom", err)
	}
}
