package sessionrunner_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/webhook"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGoldenPayloads pins the JSON of every session and message event the host publishes, built by the same
// functions the host uses, and checks each is what a webhook receiver gets as data. A change to a payload is a
// change of the public contract: it must show up in review as a golden file diff (go test -update).
func TestGoldenPayloads(t *testing.T) {
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	until := at.Add(time.Hour)
	retry := at.Add(4 * time.Second)
	acct := &session.Account{Phone: "966501234567", LID: "123456789012345@lid", DeviceJID: "966501234567:7@s.whatsapp.net",
		PushName: "Sales", Platform: "android"}
	chat := session.Address{Phone: "966509876543", LID: "987654321098765@lid"}
	out := message.Message{ID: "3EB0A1B2C3D4E5F60718AB", TenantID: "ten_1", SessionID: "ses_1", Direction: message.Outbound,
		ChatID: "966509876543@s.whatsapp.net", Chat: chat, Type: "text", Body: "Hello <b>&</b>", Status: message.Pending}
	failed := out
	failed.Error = "the recipient is not on WhatsApp"
	in := message.Message{ID: "3EB0C767D26A1D2E0F8A11", TenantID: "ten_1", SessionID: "ses_1", Direction: message.Inbound,
		ChatID: "966509876543@s.whatsapp.net", Chat: chat, Sender: chat, PushName: "Omar", Type: "text", Body: "مرحبا, <hi> & bye",
		Timestamp: at}
	media := in
	media.ID, media.Type, media.Body = "3EB0D00D", "image", "a photo"
	media.Media = &message.MediaInfo{Kind: session.Image, Mime: "image/jpeg", Size: 2048, Key: "in-ses_1-3EB0D00D"}
	group := in
	group.ID, group.ChatID, group.Chat, group.IsGroup = "3EB0E1", "120363012345678901@g.us", session.Address{Group: "120363012345678901@g.us"}, true
	loc := in
	loc.ID, loc.Type, loc.Body = "3EB0F2", "location", "Office"
	loc.Content = json.RawMessage(`{"latitude":24.7136,"longitude":46.6753,"name":"Office"}`)

	cases := []struct {
		name, typ string
		data      any
	}{
		{"session_qr", event.SessionQR, event.SessionQRData{QR: "https://wa.me/settings/linked_devices#ref,noise,identity,adv,1", Timestamp: at.Unix(), ExpiresAt: at.Add(60 * time.Second).Unix()}},
		{"session_status_connecting", event.SessionStatus, sessionrunner.StatusData(session.Session{Status: session.Connecting}, at)},
		{"session_status_ready", event.SessionStatus, sessionrunner.StatusData(session.Session{Status: session.Ready, Account: acct}, at)},
		{"session_status_banned", event.SessionStatus, sessionrunner.StatusData(session.Session{Status: session.Banned, Reason: "temporary ban 101", Until: &until, Account: acct}, at)},
		{"session_status_unreachable", event.SessionStatus, sessionrunner.StatusData(session.Session{Status: session.Reconnecting,
			Reason:      (&session.UnreachableError{Cause: session.CauseDNS, Err: errors.New("lookup web.whatsapp.com: no such host")}).Error(),
			NextRetryAt: &retry, Account: acct}, at)},
		{"session_status_logged_out", event.SessionStatus, sessionrunner.StatusData(session.Session{Status: session.LoggedOut, Reason: "device_removed"}, at)},
		{"session_stats", event.SessionStats, event.SessionStatsData{Sent: 12, Received: 7, Timestamp: at.Unix()}},
		{"message_received", event.MessageReceived, sessionrunner.ReceivedData(in)},
		{"message_received_media", event.MessageReceived, sessionrunner.ReceivedData(media)},
		{"message_received_group", event.MessageReceived, sessionrunner.ReceivedData(group)},
		{"message_received_location", event.MessageReceived, sessionrunner.ReceivedData(loc)},
		{"message_sent", event.MessageSent, sessionrunner.MessageStatusData(out, message.Sent, at)},
		{"message_delivered", event.MessageDelivered, sessionrunner.MessageStatusData(out, message.Delivered, at)},
		{"message_read", event.MessageRead, sessionrunner.MessageStatusData(out, message.Read, at)},
		{"message_failed", event.MessageFailed, sessionrunner.MessageStatusData(failed, message.Failed, at)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := event.New(sessionrunner.Source, c.typ, "ten_1", at, c.data)
			if err != nil {
				t.Fatal(err)
			}
			e.ID, e.SessionID = "evt_01KGOLDEN0000000000000000", "ses_1"
			if err := e.Validate(); err != nil {
				t.Fatal(err)
			}
			// The golden file is the event as EventBridge carries it (its detail); a webhook receiver gets the same
			// data under the event's webhook name.
			body, err := event.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range webhook.NamesOf(e) {
				d, err := webhook.NewDelivery(webhook.Webhook{ID: "wh_1", TenantID: "ten_1", Enabled: true}, name, e, at)
				if err != nil {
					t.Fatal(err)
				}
				var got struct {
					Event string          `json:"event"`
					Data  json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal(d.Body, &got); err != nil || got.Event != name || !jsonEqual(got.Data, e.Data) {
					t.Errorf("webhook %s body %s does not carry the event's data %s (%v)", name, d.Body, e.Data, err)
				}
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("%s event changed:\n got %s\nwant %s", c.name, pretty.Bytes(), want)
			}
		})
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
