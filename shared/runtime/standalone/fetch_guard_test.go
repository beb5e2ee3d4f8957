package standalone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/runtime/standalone"
	"github.com/waqtor/waqtor/shared/testkit"
)

const fetchTestKey = "wq_live_automation_0123456789abcdefghijklmno"

// runStandalone runs standalone WaQtor in process (demo WhatsApp, a free port on 127.0.0.1) with env on top of
// the test's settings, and returns its base URL once it serves.
func runStandalone(t *testing.T, env map[string]string) string {
	t.Helper()
	vars := map[string]string{"WAQTOR_ADDR": "127.0.0.1:0", "WAQTOR_DATA_DIR": t.TempDir(), "WAQTOR_WHATSAPP": "demo",
		"WAQTOR_BOOTSTRAP_API_KEY": fetchTestKey, "WAQTOR_LOG_FORMAT": "json"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout testkit.Buffer
	done := make(chan error, 1)
	go func() { done <- standalone.Run(ctx, cfg, &stdout, slog.New(slog.NewJSONHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	running := regexp.MustCompile(`WaQtor is running on (http://\S+)`)
	var url string
	testkit.Until(t, 30*time.Second, "standalone to start", func() bool {
		select {
		case err := <-done:
			t.Fatalf("run ended: %v", err)
		default:
		}
		if m := running.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		}
		return url != ""
	})
	return url
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func call(t *testing.T, method, url, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("X-API-Key", fetchTestKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, raw: string(raw)}
	json.Unmarshal(raw, &a.body)
	return a
}

// refusedField checks a 422 naming exactly the field, with a message containing reason.
func refusedField(t *testing.T, a answer, field, reason string) {
	t.Helper()
	e, _ := a.body["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	fs, _ := d["fields"].([]any)
	if a.status != 422 || len(fs) != 1 || fs[0].(map[string]any)["field"] != field ||
		!strings.Contains(fs[0].(map[string]any)["message"].(string), reason) {
		t.Fatalf("answer %d %s; want 422 on field %s saying %q", a.status, a.raw, field, reason)
	}
}

func sendMediaURL(t *testing.T, base, url string) answer {
	return call(t, "POST", base+"/api/messages/send-media",
		fmt.Sprintf(`{"chatId":"966501234567","type":"document","filename":"x.pdf","media":%q}`, url))
}

// The scenario: with 127.0.0.1 allowed for webhooks, a tenant's send-media with a URL to WaQtor's own
// /metrics used to fetch it as a "document" (readable back through the message's media). Now WAQTOR_WEBHOOK_ALLOW
// opens webhooks only, WAQTOR_MEDIA_FETCH_ALLOW opens media fetches only, and neither opens the own listener.
func TestMediaFetchAllowListIsSeparate(t *testing.T) {
	doc := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("pdf "), 5000)...)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(doc) }))
	defer files.Close()

	t.Run("webhook list", func(t *testing.T) {
		base := runStandalone(t, map[string]string{"WAQTOR_WEBHOOK_ALLOW": "127.0.0.1"})
		if a := call(t, "POST", base+"/api/sessions", `{"name":"main"}`); a.status != 201 {
			t.Fatalf("create session: %d %s", a.status, a.raw)
		}
		refusedField(t, sendMediaURL(t, base, base+"/metrics"), "media", "WaQtor's own listening addresses")
		refusedField(t, sendMediaURL(t, base, files.URL+"/doc.pdf"), "media", "loopback")
		if a := call(t, "POST", base+"/api/webhooks", fmt.Sprintf(`{"url":%q,"events":["*"]}`, files.URL)); a.status != 201 {
			t.Fatalf("webhook to an allowed receiver: %d %s", a.status, a.raw)
		}
	})
	t.Run("media list", func(t *testing.T) {
		base := runStandalone(t, map[string]string{"WAQTOR_MEDIA_FETCH_ALLOW": "127.0.0.0/8,localhost,0.0.0.0"})
		if a := call(t, "POST", base+"/api/sessions", `{"name":"main"}`); a.status != 201 {
			t.Fatalf("create session: %d %s", a.status, a.raw)
		}
		a := sendMediaURL(t, base, files.URL+"/doc.pdf")
		if a.status != 202 {
			t.Fatalf("media from an allowed local server: %d %s", a.status, a.raw)
		}
		req, _ := http.NewRequest("GET", base+"/api/messages/"+a.body["messageId"].(string)+"/media", nil)
		req.Header.Set("X-API-Key", fetchTestKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, doc) {
			t.Fatalf("stored %d bytes, want the %d served", len(got), len(doc))
		}
		port := base[strings.LastIndex(base, ":")+1:]
		for _, own := range []string{base + "/metrics", "http://localhost:" + port + "/metrics", "http://0.0.0.0:" + port + "/metrics",
			"http://127.0.0.2:" + port + "/metrics"} {
			refusedField(t, sendMediaURL(t, base, own), "media", "WaQtor's own listening addresses")
		}
		a = call(t, "POST", base+"/api/webhooks", fmt.Sprintf(`{"url":%q,"events":["*"]}`, files.URL))
		refusedField(t, a, "url", "loopback")
	})
}
