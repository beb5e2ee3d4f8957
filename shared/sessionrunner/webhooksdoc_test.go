package sessionrunner_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/webhook"
)

// docGolden is, for each webhook event name, the golden event whose webhook body docs/webhooks.md shows.
var docGolden = map[string]string{
	"message_received":    "message_received",
	"message_sent":        "message_sent",
	"client_connected":    "session_status_ready",
	"client_disconnected": "session_status_unreachable",
	"session_qr":          "session_qr",
	"message_delivered":   "message_delivered",
	"message_read":        "message_read",
	"message_failed":      "message_failed",
	"session_logged_out":  "session_status_logged_out",
	"session_status":      "session_status_connecting",
}

// TestWebhookDocExamplesAreRealBodies: every example body in docs/webhooks.md is, pretty-printed, the body a
// receiver gets for a golden event (testdata/golden) or for POST /api/webhooks/{id}/test, built by the same code
// as real deliveries (webhook.NewDelivery). Reserved event names (nothing sends them) have no example.
// go test -update rewrites the examples from the golden files.
func TestWebhookDocExamplesAreRealBodies(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "webhooks.md")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	wh := webhook.Webhook{ID: "wh_01KGOLDENWEBHOOK000000000", TenantID: "ten_1", Enabled: true}
	for _, n := range webhook.Names {
		section := regexp.MustCompile("(?s)### " + n.Name + "\n\n(```json\n.*?```\n|[^#]*)")
		m := section.FindStringSubmatchIndex(doc)
		if m == nil {
			t.Errorf("docs/webhooks.md has no section for %s", n.Name)
			continue
		}
		if slices.Contains(webhook.Reserved, n.Name) {
			if !regexp.MustCompile(`^Reserved: nothing sends this event yet`).MatchString(doc[m[2]:m[3]]) {
				t.Errorf("reserved event %s must say so instead of showing an example:\n%s", n.Name, doc[m[2]:m[3]])
			}
			continue
		}
		var env event.Envelope
		if n.Name == webhook.Test {
			data, _ := event.Marshal(webhook.TestPayload(wh.ID))
			env = event.Envelope{ID: "evt_01KGOLDEN0000000000000000", TenantID: "ten_1", Time: at, Data: data}
		} else {
			golden, ok := docGolden[n.Name]
			if !ok {
				t.Errorf("no golden event chosen for the %s example", n.Name)
				continue
			}
			b, err := os.ReadFile(filepath.Join("testdata", "golden", golden+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &env); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(webhook.NamesOf(env), n.Name) {
				t.Fatalf("golden %s is not sent as %s", golden, n.Name)
			}
		}
		d, err := webhook.NewDelivery(wh, n.Name, env, at)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, d.Body, "", "  "); err != nil {
			t.Fatal(err)
		}
		want := "```json\n" + pretty.String() + "\n```\n"
		if got := doc[m[2]:m[3]]; got != want {
			if !*update {
				t.Errorf("the %s example in docs/webhooks.md is not the real body (go test -update rewrites it):\n got %s\nwant %s", n.Name, got, want)
				continue
			}
			doc = doc[:m[2]] + want + doc[m[3]:]
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
