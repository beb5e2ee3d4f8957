package main_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

// receiver is a real local webhook endpoint that records what it gets and answers with a settable status.
type receiver struct {
	mu     sync.Mutex
	status int
	got    []received
	srv    *httptest.Server
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{status: 200}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), b})
		status := r.status
		r.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"received":%t}`, status < 300)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setStatus(s int) { r.mu.Lock(); r.status = s; r.mu.Unlock() }
func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// verify checks both signature schemes the way receivers do.
func verify(t *testing.T, secret string, rc received) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(rc.body)
	if got, want := rc.header.Get("X-Waqtor-Signature"), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("X-Waqtor-Signature %q, want %q", got, want)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	m = hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.%s", rc.header.Get("Webhook-Id"), rc.header.Get("Webhook-Timestamp"), rc.body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if !strings.Contains(rc.header.Get("Webhook-Signature"), want) {
		t.Fatalf("webhook-signature %q lacks %q", rc.header.Get("Webhook-Signature"), want)
	}
}

func TestWebhooksEndToEnd(t *testing.T) {
	p := start(t, t.TempDir(), "WAQTOR_WEBHOOK_ALLOW=127.0.0.1/32", "WAQTOR_SIGNUP=open")
	_, _, key := credentials(t, p)
	rc := newReceiver(t)

	// The SSRF guard refuses private and metadata addresses at creation, naming the reason.
	for _, bad := range []string{"http://169.254.169.254/latest/meta-data", "http://10.0.0.8/hook", "ftp://127.0.0.1/x", "http://[::ffff:192.168.1.1]/"} {
		r := expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["*"]}`, bad)), 422, "validation_failed")
		if !strings.Contains(string(r.body), "url") {
			t.Fatalf("refusal of %s does not name the url: %s", bad, r.body)
		}
	}
	expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["nope"]}`, rc.srv.URL)), 422, "validation_failed")
	expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["*"],"headers":{"X-Waqtor-Event":"x"}}`, rc.srv.URL)), 422, "validation_failed")

	// Create: the secret is generated and shown once.
	created := expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(
		`{"url":%q,"events":["message_received","client_connected"],"description":"CRM","headers":{"X-Tenant":"acme"}}`, rc.srv.URL)), 201, "").obj(t)
	wh := created["webhook"].(map[string]any)
	secret, id := wh["secret"].(string), wh["id"].(string)
	if !strings.HasPrefix(secret, "whsec_") || wh["enabled"] != true {
		t.Fatalf("created webhook = %v", wh)
	}
	list := expect(t, p.do(t, "GET", "/api/webhooks", key, ""), 200, "")
	if strings.Contains(string(list.body), secret) || !strings.Contains(string(list.body), id) {
		t.Fatalf("list shows the secret or lacks the webhook: %s", list.body)
	}

	// Test: a signed webhook_test reaches the receiver and is in the delivery log.
	res := expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/test", key, ""), 200, "").obj(t)
	if res["success"] != true {
		t.Fatalf("test = %v", res)
	}
	got := rc.all()
	if len(got) != 1 || got[0].header.Get("X-Waqtor-Event") != "webhook_test" || got[0].header.Get("X-Tenant") != "acme" ||
		!strings.HasPrefix(got[0].header.Get("User-Agent"), "WaQtor-Webhook/") {
		t.Fatalf("receiver got %d requests: %+v", len(got), got)
	}
	verify(t, secret, got[0])

	// A failing test is recorded as failed; replaying it (after the receiver recovers) goes through the durable
	// queue and the deliverer, with the same webhook-id.
	rc.setStatus(500)
	res = expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/test", key, ""), 200, "").obj(t)
	if res["success"] != false || !strings.Contains(res["message"].(string), "500") {
		t.Fatalf("failing test = %v", res)
	}
	failedID := res["delivery"].(map[string]any)["id"].(string)
	failed := expect(t, p.do(t, "GET", "/api/webhooks/"+id+"/deliveries?status=failed", key, ""), 200, "").obj(t)["data"].([]any)
	if len(failed) != 1 || failed[0].(map[string]any)["id"] != failedID {
		t.Fatalf("failed deliveries = %v", failed)
	}
	rc.setStatus(204)
	expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/deliveries/"+failedID+"/replay", key, ""), 202, "")
	testkit.Until(t, 10*time.Second, "the replayed delivery", func() bool { return len(rc.all()) == 3 })
	replayed := rc.all()[2]
	if replayed.header.Get("Webhook-Id") != failedID || string(replayed.body) != string(rc.all()[1].body) {
		t.Fatalf("replay changed the webhook-id or body: %v", replayed.header)
	}
	verify(t, secret, replayed)
	testkit.Until(t, 10*time.Second, "the replay to be recorded", func() bool {
		d := expect(t, p.do(t, "GET", "/api/webhooks/"+id+"/deliveries/"+failedID, key, ""), 200, "").obj(t)
		return d["status"] == "delivered" && len(d["attemptLog"].([]any)) == 2
	})

	// Rotation: the new secret signs; the old one still signs during the overlap.
	rot := expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/rotate-secret", key, `{"overlapHours":1}`), 200, "").obj(t)
	newSecret := rot["secret"].(string)
	expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/test", key, ""), 200, "")
	last := rc.all()[len(rc.all())-1]
	verify(t, newSecret, last)
	oldKey, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, oldKey)
	fmt.Fprintf(m, "%s.%s.%s", last.header.Get("Webhook-Id"), last.header.Get("Webhook-Timestamp"), last.body)
	if !strings.Contains(last.header.Get("Webhook-Signature"), base64.StdEncoding.EncodeToString(m.Sum(nil))) {
		t.Fatal("the previous secret does not sign during the overlap")
	}

	// 410 Gone: a replay answered 410 disables the endpoint and tells the tenant in the notification center.
	rc.setStatus(410)
	gone := expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/test", key, ""), 200, "").obj(t)["delivery"].(map[string]any)["id"].(string)
	r := expect(t, p.do(t, "POST", "/api/webhooks/"+id+"/replay", key, fmt.Sprintf(`{"from":%q}`, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))), 202, "").obj(t)
	if r["replayed"] != float64(1) {
		t.Fatalf("replay of failed deliveries in the last hour = %v, want 1 (%s)", r, gone)
	}
	testkit.Until(t, 10*time.Second, "the endpoint to be disabled after 410", func() bool {
		w := expect(t, p.do(t, "GET", "/api/webhooks/"+id, key, ""), 200, "").obj(t)["webhook"].(map[string]any)
		return w["enabled"] == false && w["disabledReason"] == "gone"
	})
	// The deliverer disables the endpoint, then notifies: wait for the notification too.
	var notes map[string]any
	testkit.Until(t, 10*time.Second, "the notification about the disabled endpoint", func() bool {
		notes = expect(t, p.do(t, "GET", "/api/notifications?filter=unread", key, ""), 200, "").obj(t)
		return len(notes["data"].([]any)) > 0
	})
	data := notes["data"].([]any)
	if len(data) != 1 || notes["unread"] != float64(1) || !strings.Contains(fmt.Sprint(data[0]), "410") && !strings.Contains(fmt.Sprint(data[0]), "disabled") {
		t.Fatalf("notifications after 410 = %v", notes)
	}
	nid := data[0].(map[string]any)["id"].(string)
	expect(t, p.do(t, "POST", "/api/notifications/mark-read/"+nid, key, ""), 200, "")
	if c := expect(t, p.do(t, "GET", "/api/notifications/count", key, ""), 200, "").obj(t)["unread"]; c != float64(0) {
		t.Fatalf("unread after mark-read = %v", c)
	}
	expect(t, p.do(t, "POST", "/api/notifications/mark-read/ntf_01JD5V6Q6ZQ8X4C1Y9H2K3M4N5", key, ""), 404, "not_found")
	expect(t, p.do(t, "DELETE", "/api/notifications/"+nid, key, ""), 200, "")
	expect(t, p.do(t, "GET", "/api/notifications?filter=maybe", key, ""), 422, "validation_failed")

	// Patch, disable, delete; another tenant sees none of it.
	expect(t, p.do(t, "PATCH", "/api/webhooks/"+id, key, `{"enabled":false,"events":["*"]}`), 200, "")
	expect(t, p.do(t, "PATCH", "/api/webhooks/"+id, key, `{"url":"http://127.0.0.1:1/x","secret":"no"}`), 422, "validation_failed")
	expect(t, p.do(t, "GET", "/api/notifications", key, ""), 200, "")
	expect(t, p.do(t, "GET", "/api/notifications/count", key, ""), 200, "")
	other := expect(t, p.do(t, "POST", "/api/auth/signup", "", `{"tenantName":"Other","email":"o@other.example","password":"other-password"}`), 201, "").obj(t)["token"].(string)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/webhooks/" + id, ""}, {"PATCH", "/api/webhooks/" + id, `{"enabled":true}`},
		{"DELETE", "/api/webhooks/" + id, ""}, {"POST", "/api/webhooks/" + id + "/test", ""},
		{"GET", "/api/webhooks/" + id + "/deliveries", ""}, {"GET", "/api/webhooks/" + id + "/deliveries/" + failedID, ""},
		{"POST", "/api/webhooks/" + id + "/deliveries/" + failedID + "/replay", ""}, {"POST", "/api/webhooks/" + id + "/rotate-secret", ""},
	} {
		expect(t, p.do(t, c.method, c.path, other, c.body), 404, "not_found")
	}
	if b := expect(t, p.do(t, "GET", "/api/webhooks", other, ""), 200, "").body; strings.Contains(string(b), id) {
		t.Fatalf("another tenant lists the webhook: %s", b)
	}
	expect(t, p.do(t, "DELETE", "/api/webhooks/"+id, key, ""), 200, "")
	expect(t, p.do(t, "GET", "/api/webhooks/"+id, key, ""), 404, "not_found")
}
