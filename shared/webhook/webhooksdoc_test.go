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
