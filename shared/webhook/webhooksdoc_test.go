package webhook_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/webhook"
)

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(jsModuleRoot(t), "docs", "webhooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocExamplesAreTheTestedFiles: each receiver shown in docs/webhooks.md is, byte for byte, the file that
// TestExampleReceivers runs.
func TestDocExamplesAreTheTestedFiles(t *testing.T) {
	doc := readDoc(t)
	blocks := regexp.MustCompile("(?s)<!-- example: (\\S+) -->\n```\\w+\n(.*?)```").FindAllStringSubmatch(doc, -1)
	want := map[string]bool{}
	for _, r := range exampleReceivers {
		want["examples/"+r.name] = true
	}
	for _, b := range blocks {
		file, err := os.ReadFile(filepath.Join(jsModuleRoot(t), "docs", b[1]))
		if err != nil {
			t.Fatalf("docs/webhooks.md shows %s: %v", b[1], err)
		}
		if string(file) != b[2] {
			t.Errorf("docs/webhooks.md shows a %s that differs from the file; paste the file again", b[1])
		}
		delete(want, b[1])
	}
	for f := range want {
		t.Errorf("docs/webhooks.md does not show %s", f)
	}
}

// TestDocShowsEveryEvent: every event name has a row and an example body of the documented shape (reserved names,
// which nothing sends yet, are marked so instead).
func TestDocShowsEveryEvent(t *testing.T) {
	doc := readDoc(t)
	examples := map[string]bool{}
	for _, m := range regexp.MustCompile("(?s)```json\n(\\{\n  \"event\".*?)```").FindAllStringSubmatch(doc, -1) {
		var body struct {
			Event     string          `json:"event"`
			Timestamp string          `json:"timestamp"`
			Data      json.RawMessage `json:"data"`
			EventID   string          `json:"eventId"`
		}
		if err := json.Unmarshal([]byte(m[1]), &body); err != nil {
			t.Errorf("example body does not parse: %v\n%s", err, m[1])
			continue
		}
		if !strings.HasPrefix(body.EventID, "evt_") || len(body.Timestamp) != len("2025-10-30T19:30:00.000Z") ||
			!strings.HasPrefix(string(body.Data), "{") {
			t.Errorf("example %s lacks eventId, timestamp or data", body.Event)
		}
		examples[body.Event] = true
	}
	for _, n := range webhook.Names {
		if !strings.Contains(doc, "| `"+n.Name+"` |") {
			t.Errorf("docs/webhooks.md has no table row for %s", n.Name)
		}
		if slices.Contains(webhook.Reserved, n.Name) {
			if examples[n.Name] || !strings.Contains(doc, "### "+n.Name+"\n\nReserved:") {
				t.Errorf("docs/webhooks.md must mark %s reserved, without an example body", n.Name)
			}
			continue
		}
		if !examples[n.Name] || !strings.Contains(doc, "### "+n.Name+"\n") {
			t.Errorf("docs/webhooks.md has no example body for %s", n.Name)
		}
	}
}

// TestDocWorkedSignatureExample: the worked example in the docs is the first golden vector.
func TestDocWorkedSignatureExample(t *testing.T) {
	doc := readDoc(t)
	v := loadVectors(t)[0]
	h := v.sign()
	for _, s := range []string{v.Secrets[0].Value, v.ID, v.Body, h.Get("X-Waqtor-Signature"), h.Get("Webhook-Signature")} {
		if !strings.Contains(doc, s) {
			t.Errorf("docs/webhooks.md worked example lacks %q", s)
		}
	}
}

// TestDocDeliveryListIsRealShape: the delivery in the documented GET /api/webhooks/{id}/deliveries answer has the
// fields of a real Delivery as the API writes it (json.Marshal), no more and no fewer.
func TestDocDeliveryListIsRealShape(t *testing.T) {
	m := regexp.MustCompile("(?s)<!-- response: GET /api/webhooks/\\{id\\}/deliveries -->\n```json\n(.*?)```").FindStringSubmatch(readDoc(t))
	if m == nil {
		t.Fatal("docs/webhooks.md marks no delivery list example")
	}
	var doc struct {
		Data       []map[string]any `json:"data"`
		NextBefore string           `json:"nextBefore"`
	}
	if err := json.Unmarshal([]byte(m[1]), &doc); err != nil || len(doc.Data) != 1 || doc.NextBefore == "" {
		t.Fatalf("delivery list example = %+v, %v; want one delivery and nextBefore", doc, err)
	}
	b, _ := json.Marshal(webhook.Delivery{ID: "msg_1", TenantID: "ten_1", WebhookID: "wh_1", EventID: "evt_1", Event: "message_received",
		SessionID: "ses_1", LastError: "HTTP 503"})
	var real map[string]any
	if err := json.Unmarshal(b, &real); err != nil {
		t.Fatal(err)
	}
	for k := range real {
		if _, ok := doc.Data[0][k]; !ok {
			t.Errorf("a delivery has %q; the example lacks it", k)
		}
	}
	for k := range doc.Data[0] {
		if _, ok := real[k]; !ok {
			t.Errorf("the example shows %q; a delivery has no such field", k)
		}
	}
	if s, _ := doc.Data[0]["sessionId"].(string); !strings.HasPrefix(s, "ses_") {
		t.Errorf("the example's sessionId %q is not a session ID (ses_…)", s)
	}
}
