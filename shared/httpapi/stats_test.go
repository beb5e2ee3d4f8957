package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/message"
)

// TestSessionStatsCountTheLast24HoursWithoutTheGate: GET /api/sessions/{id}/stats counts one session's messages of
// the last 24 hours (outgoing through the funnel, incoming), leaves out older ones and other sessions', answers
// while reports are locked, and 404s a session that is not the tenant's.
func TestSessionStatsCountTheLast24HoursWithoutTheGate(t *testing.T) {
	e := newPremiumEnv(t, true) // gating on: reports are locked
	lockedFeature(t, e.call(t, "GET", "/api/reports/messages", e.ownerKey, nil), "reports")
	ctx := context.Background()
	now := e.clock.Now()
	add := func(id, session, dir string, st message.Status, at time.Time) {
		t.Helper()
		if _, err := e.messages.CreateMessage(ctx, message.Message{ID: id, TenantID: e.tenantID, SessionID: session, Direction: dir,
			ChatID: "491701234567@s.whatsapp.net", Type: "text", Body: "x", Status: st, Timestamp: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	add("m1", "ses_1", message.Outbound, message.Read, now.Add(-time.Hour))
	add("m2", "ses_1", message.Outbound, message.Delivered, now.Add(-2*time.Hour))
	add("m3", "ses_1", message.Outbound, message.Sent, now.Add(-3*time.Hour))
	add("m4", "ses_1", message.Outbound, message.Failed, now.Add(-4*time.Hour))
	add("m5", "ses_1", message.Outbound, message.Pending, now.Add(-time.Minute))
	add("m6", "ses_1", message.Inbound, message.Received, now.Add(-5*time.Hour))
	add("m7", "ses_1", message.Inbound, message.Read, now.Add(-6*time.Hour))
	add("old", "ses_1", message.Outbound, message.Read, now.Add(-25*time.Hour))
	add("other", "ses_2", message.Outbound, message.Read, now.Add(-time.Hour))

	for _, id := range []string{"ses_1", "default"} {
		r := e.call(t, "GET", "/api/sessions/"+id+"/stats", e.ownerKey, nil)
		want(t, r, 200, "")
		var got struct {
			SessionID string `json:"sessionId"`
			Since     time.Time
			Until     time.Time
			Outbound  map[string]int
			Inbound   int
			Truncated bool
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		wantOut := map[string]int{"total": 5, "sent": 3, "delivered": 2, "read": 1, "failed": 1, "pending": 1}
		if got.SessionID != "ses_1" || got.Inbound != 2 || got.Truncated || !equalCounts(got.Outbound, wantOut) {
			t.Fatalf("GET /api/sessions/%s/stats = %s, want outbound %v and 2 inbound", id, r.body, wantOut)
		}
		if !got.Until.Equal(now) || !got.Since.Equal(now.Add(-24*time.Hour)) {
			t.Fatalf("window %v – %v, want the 24 hours ending %v", got.Since, got.Until, now)
		}
	}
	want(t, e.call(t, "GET", "/api/sessions/ses_nope/stats", e.ownerKey, nil), 404, "not_found")
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}
