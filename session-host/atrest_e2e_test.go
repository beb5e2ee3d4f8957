package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

// With the log level at debug, requests that carry phone numbers (a send to "+966 …", the demo inbox route with
// the number in its path, a contacts check, a pairing) leave no phone number in the logs, yet the lines are there
// with the last 4 digits. After the start, the data dir is 0700 and every database and key file 0600, also those
// an earlier version left wider; /metrics is not on the API without a token but on the loopback metrics listener.
func TestLogsAndFilesAtRest(t *testing.T) {
	data := t.TempDir()
	// What an earlier version left: a world-readable data dir and database.
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "whatsapp.db"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p := start(t, data, append(demoEnv, "WAQTOR_LOG_LEVEL=debug")...)
	_, _, key := credentials(t, p)
	people := contacts(t, p, key)
	alice := people[0]
	_, own := pair(t, p, key, "Sales")
	textID := send(t, p, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"hello"}`, spaced(alice.Phone)))
	waitMessage(t, p, key, textID, "read")
	inbox(t, p, key, alice.Phone)
	expect(t, p.do(t, "POST", "/api/contacts/check", key, fmt.Sprintf(`{"phones":[%q,"+1 555 000 0199"]}`, spaced(alice.Phone))), 200, "")
	expect(t, p.do(t, "GET", "/api/dev/demo/contacts/"+alice.Phone+"1/messages", key, ""), 404, "")
	expect(t, p.do(t, "GET", "/no/such/"+alice.Phone, key, ""), 404, "")

	// Metrics: not on the API without a token, on the metrics listener.
	expect(t, p.do(t, "GET", "/metrics", "", ""), 404, "not_found")
	var metricsAddr string
	testkit.Until(t, 10*time.Second, "the start line with metrics_addr", func() bool {
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			var l struct {
				MetricsAddr string `json:"metrics_addr"`
			}
			if json.Unmarshal([]byte(line), &l) == nil && l.MetricsAddr != "" {
				metricsAddr = l.MetricsAddr
				return true
			}
		}
		return false
	})
	if !strings.HasPrefix(metricsAddr, "127.0.0.1:") {
		t.Fatalf("metrics listen on %q, want loopback", metricsAddr)
	}
	res, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "waqtor_http_requests_total") {
		t.Fatalf("metrics listener: %d %.300s", res.StatusCode, body)
	}

	// Files, while running: the data dir 0700, databases (with -wal and -shm), key and secret files 0600.
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	want := []string{"waqtor.db", "waqtor.db-wal", "waqtor.db-shm", "whatsapp.db", "whatsapp.db-wal", "whatsapp.db-shm",
		"token-secret", filepath.Join("keys", "secrets.key"), filepath.Join("demo", "wasim.db")}
	for _, f := range want {
		fi, err := os.Stat(filepath.Join(data, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, string(filepath.Separator)+"media"+string(filepath.Separator)) {
			return err
		}
		if fi, err := d.Info(); err == nil && fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", path, fi.Mode().Perm())
		}
		return nil
	})

	p.stop(t)
	logs := p.stderr.String()
	if !strings.Contains(logs, `"level":"DEBUG"`) || !strings.Contains(logs, "http request") {
		t.Fatalf("no debug lines or request lines in the log:\n%.2000s", logs)
	}
	for _, c := range append(people, demoContact{Phone: own}) {
		if strings.Contains(logs, c.Phone) || strings.Contains(logs, spaced(c.Phone)) {
			i := strings.Index(logs, c.Phone)
			if i < 0 {
				i = strings.Index(logs, spaced(c.Phone))
			}
			t.Fatalf("phone number %s is in the log: …%s…", c.Phone, logs[max(0, i-300):min(len(logs), i+100)])
		}
	}
	if !strings.Contains(logs, "***"+alice.Phone[len(alice.Phone)-4:]) {
		t.Errorf("no masked number (***%s) in the log: the lines that carried it are gone, not masked", alice.Phone[len(alice.Phone)-4:])
	}
	if !strings.Contains(logs, `"path":"/api/dev/demo/contacts/{phone}/messages"`) {
		t.Errorf("the request log does not carry the route pattern")
	}
}
