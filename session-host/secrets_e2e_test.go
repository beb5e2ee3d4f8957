package main_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/waqtor/waqtor/shared/testkit"
)

// Webhook secrets and header values at rest in standalone: the row holds ciphertext, the API masks the header
// values, deliveries carry the real ones. A row an earlier version stored in plain text is sealed at the next
// start, and after `rotate-secrets-key` the next start seals everything with the new key; deliveries keep signing
// with the same secret throughout.
func TestWebhookSecretsAtRest(t *testing.T) {
	data := t.TempDir()
	env := []string{"WAQTOR_WEBHOOK_ALLOW=127.0.0.1/32"}
	p := start(t, data, env...)
	_, _, key := credentials(t, p)
	rc := newReceiver(t)
	const token = "receiver-token-0123456789"
	created := expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["*"],"headers":{"X-Token":%q}}`, rc.srv.URL, token)), 201, "").obj(t)
	wh := created["webhook"].(map[string]any)
	secret, id := wh["secret"].(string), wh["id"].(string)
	if h := wh["headers"].(map[string]any); h["X-Token"] != "********" {
		t.Fatalf("create answered headers %v, want the value masked", h)
	}
	if r := expect(t, p.do(t, "GET", "/api/webhooks/"+id, key, ""), 200, ""); strings.Contains(string(r.body), token) {
		t.Fatalf("GET answers the header value: %s", r.body)
	}
	delivered := func(n int) {
		t.Helper()
		expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/test", key, ""), 200, "")
		got := rc.all()
		if len(got) != n || got[n-1].header.Get("X-Token") != token {
			t.Fatalf("delivery %d: %d received, X-Token %q", n, len(got), got[len(got)-1].header.Get("X-Token"))
		}
		verify(t, secret, got[n-1])
	}
	delivered(1)
	p.stop(t)

	row := func() (headers, secrets string) {
		t.Helper()
		db, err := sql.Open("sqlite", filepath.Join(data, "waqtor.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT headers, secrets FROM webhooks WHERE id = ?`, id).Scan(&headers, &secrets); err != nil {
			t.Fatal(err)
		}
		return headers, secrets
	}
	keyID := func() string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(data, "keys", "secrets.key"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line != "" && !strings.HasPrefix(line, "#") {
				id, _, _ := strings.Cut(line, " ")
				return id
			}
		}
		t.Fatal("no key in the key file")
		return ""
	}
	sealedWith := func(k string) {
		t.Helper()
		h, s := row()
		if strings.Contains(h, token) || strings.Contains(s, secret) || strings.Contains(s, strings.TrimPrefix(secret, "whsec_")) {
			t.Fatalf("plain text in the row: headers %s secrets %s", h, s)
		}
		if !strings.Contains(h, "wqs1:"+k+":") || !strings.Contains(s, "wqs1:"+k+":") {
			t.Fatalf("row not sealed with key %s: headers %s secrets %s", k, h, s)
		}
	}
	first := keyID()
	sealedWith(first)

	// What an earlier version stored: plain text.
	db, err := sql.Open("sqlite", filepath.Join(data, "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, s := row()
	var stored []map[string]any
	if err := json.Unmarshal([]byte(s), &stored); err != nil || len(stored) != 1 {
		t.Fatalf("secrets column %s: %v", s, err)
	}
	stored[0]["value"] = secret
	plainSecrets, _ := json.Marshal(stored)
	if _, err := db.Exec(`UPDATE webhooks SET headers = ?, secrets = ? WHERE id = ?`,
		fmt.Sprintf(`{"X-Token":%q}`, token), string(plainSecrets), id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// And a rotation: a new current key on top of the file.
	cmd := exec.Command(binary, "rotate-secrets-key")
	cmd.Env = append(os.Environ(), "WAQTOR_DATA_DIR="+data)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "now current") {
		t.Fatalf("rotate-secrets-key: %v\n%s", err, out)
	}
	second := keyID()
	if second == first {
		t.Fatal("rotate-secrets-key kept the same current key")
	}

	p = start(t, data, env...)
	testkit.Until(t, 10*time.Second, "the reseal log line", func() bool {
		return strings.Contains(p.stderr.String(), "sealed webhook secrets with the current key")
	})
	delivered(2)
	p.stop(t)
	sealedWith(second)
}
