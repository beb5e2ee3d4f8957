package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

// binary is the standalone WaQtor built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "waqtor-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "waqtor")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build session-host: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running standalone WaQtor.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stdout *testkit.Buffer
	stderr *testkit.Buffer
	done   chan error
}

var runningRE = regexp.MustCompile(`WaQtor is running on (http://\S+)`)

// start runs the binary on a free port with the data dir and extra env, and waits until it serves.
func start(t *testing.T, dataDir string, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "WAQTOR_ADDR=127.0.0.1:0", "WAQTOR_DATA_DIR="+dataDir, "WAQTOR_LOG_FORMAT=json",
		"WAQTOR_METRICS_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	p := &proc{cmd: cmd, stdout: &testkit.Buffer{}, stderr: &testkit.Buffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
		}
	})
	testkit.Until(t, 30*time.Second, "the server to start", func() bool {
		if m := runningRE.FindStringSubmatch(p.stdout.String()); m != nil {
			p.url = m[1]
			return true
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("exited before serving: %v\nstderr:\n%s", err, p.stderr)
		default:
		}
		return false
	})
	return p
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\nstderr:\n%s", err, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30 s of SIGTERM")
	}
}

// kill sends SIGKILL (kill -9) and waits.
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	err := <-p.done
	p.done <- err
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
	return m
}

func (r reply) code(t *testing.T) string {
	t.Helper()
	e, _ := r.obj(t)["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (p *proc) do(t *testing.T, method, path, cred, body string, headers ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, p.url+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, b}
}

func expect(t *testing.T, r reply, status int, code string) reply {
	t.Helper()
	if r.status != status || (code != "" && r.code(t) != code) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
	}
	return r
}

var bannerRE = regexp.MustCompile(`Owner email:\s+(\S+)\s+Owner password:\s+(\S+)\s+API key:\s+(\S+)`)

func credentials(t *testing.T, p *proc) (email, password, key string) {
	t.Helper()
	var m []string
	testkit.Until(t, 10*time.Second, "the first start's credentials on stdout", func() bool {
		m = bannerRE.FindStringSubmatch(p.stdout.String())
		return m != nil
	})
	return m[1], m[2], m[3]
}

func activityTypes(t *testing.T, p *proc, cred string) []string {
	t.Helper()
	r := expect(t, p.do(t, "GET", "/api/activity?limit=100", cred, ""), 200, "")
	var types []string
	for _, e := range r.obj(t)["data"].([]any) {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	return types
}

func TestStandaloneEndToEnd(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, "WAQTOR_SIGNUP=open", "WAQTOR_RATE_LIMIT=20", "WAQTOR_RATE_BURST=20", "WAQTOR_MAX_BODY_BYTES=4096")
	email, password, bootKey := credentials(t, p)
	for _, secret := range []string{password, bootKey} {
		if strings.Contains(p.stderr.String(), secret) {
			t.Fatal("a secret reached the logs")
		}
	}

	expect(t, p.do(t, "GET", "/healthz", "", ""), 200, "")
	expect(t, p.do(t, "GET", "/readyz", "", ""), 200, "")

	// Log in; the token works.
	tok := expect(t, p.do(t, "POST", "/api/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)), 200, "").obj(t)["token"].(string)
	me := expect(t, p.do(t, "GET", "/api/me", tok, ""), 200, "").obj(t)
	if me["user"].(map[string]any)["role"] != "owner" {
		t.Fatalf("me = %v", me)
	}

	// Create a key, use it, revoke it.
	created := expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"e2e","scopes":["messages:send","keys:read"]}`), 201, "").obj(t)
	key, keyID := created["key"].(string), created["id"].(string)
	expect(t, p.do(t, "GET", "/api/me", key, ""), 200, "")
	expect(t, p.do(t, "GET", "/api/keys", key, ""), 200, "")
	expect(t, p.do(t, "POST", "/api/users", key, `{"email":"x@y.example","password":"sturdy-lantern-42","role":"member"}`), 403, "forbidden")
	expect(t, p.do(t, "DELETE", "/api/keys/"+keyID, tok, ""), 200, "")
	expect(t, p.do(t, "GET", "/api/me", key, ""), 401, "unauthorized")

	// The other 4xx answers.
	expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":`), 400, "bad_request")
	expect(t, p.do(t, "GET", "/api/keys/key_01JD5V6Q6ZQ8X4C1Y9H2K3M4N5", tok, ""), 404, "not_found")
	expect(t, p.do(t, "POST", "/api/users", tok, fmt.Sprintf(`{"email":%q,"password":"sturdy-lantern-42","role":"member"}`, email)), 409, "conflict")
	expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"`+strings.Repeat("a", 5000)+`"}`), 413, "payload_too_large")
	r := expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"a","scopes":["*"],"colour":"red"}`), 422, "validation_failed")
	if !strings.Contains(string(r.body), "colour") {
		t.Fatalf("422 does not name the field: %s", r.body)
	}
	limited := expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"burst","scopes":["messages:send"]}`), 201, "").obj(t)["key"].(string)
	var got429 reply
	for range 60 {
		if r := p.do(t, "GET", "/api/me", limited, ""); r.status == 429 {
			got429 = r
			break
		}
	}
	if got429.status != 429 || got429.code(t) != "rate_limited" || got429.header.Get("Retry-After") == "" {
		t.Fatalf("no 429 with Retry-After after a burst over the limit: %d %s", got429.status, got429.body)
	}

	// Idempotency through the real server.
	b := `{"name":"idem","scopes":["messages:send"]}`
	first := expect(t, p.do(t, "POST", "/api/keys", tok, b, "Idempotency-Key: e2e-1"), 201, "")
	second := expect(t, p.do(t, "POST", "/api/keys", tok, b, "Idempotency-Key: e2e-1"), 201, "")
	if !bytes.Equal(first.body, second.body) {
		t.Fatal("idempotent retry created another key")
	}
	expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"other","scopes":["messages:send"]}`, "Idempotency-Key: e2e-1"), 422, "idempotency_key_reused")

	// The event path (publisher -> router -> audit queue -> consumer -> store) fills the activity log.
	testkit.Until(t, 10*time.Second, "activity entries", func() bool {
		types := activityTypes(t, p, tok)
		return slices.Contains(types, "apikey.revoked") && slices.Contains(types, "user.logged-in") && len(types) >= 7
	})
	for _, secret := range []string{key, password, bootKey} {
		if strings.Contains(p.stderr.String(), secret) {
			t.Fatal("a secret reached the logs")
		}
	}

	// A graceful restart keeps everything and prints no credentials again.
	p.stop(t)
	p2 := start(t, data)
	if bannerRE.MatchString(p2.stdout.String()) {
		t.Fatal("credentials printed again on a restart")
	}
	expect(t, p2.do(t, "GET", "/api/me", bootKey, ""), 200, "")
	expect(t, p2.do(t, "GET", "/api/me", tok, ""), 200, "")
	expect(t, p2.do(t, "GET", "/api/me", key, ""), 401, "unauthorized")
}

func TestTenantIsolation(t *testing.T) {
	p := start(t, t.TempDir(), "WAQTOR_SIGNUP=open")
	_, _, keyA := credentials(t, p)
	keysA := expect(t, p.do(t, "GET", "/api/keys", keyA, ""), 200, "").obj(t)["data"].([]any)
	keyAID := keysA[0].(map[string]any)["id"].(string)
	usersA := expect(t, p.do(t, "GET", "/api/users", keyA, ""), 200, "").obj(t)["data"].([]any)
	userAID := usersA[0].(map[string]any)["id"].(string)

	signup := expect(t, p.do(t, "POST", "/api/auth/signup", "", `{"tenantName":"Other","email":"b@b.example","password":"b-password-123"}`), 201, "").obj(t)
	tokB := signup["token"].(string)
	if signup["tenant"].(map[string]any)["id"] == "" {
		t.Fatal("no tenant in signup")
	}

	// B cannot read or change A's keys or users: foreign IDs answer 404.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/keys/" + keyAID, ""},
		{"PATCH", "/api/keys/" + keyAID, `{"name":"pwned"}`},
		{"DELETE", "/api/keys/" + keyAID, ""},
		{"GET", "/api/users/" + userAID, ""},
		{"PATCH", "/api/users/" + userAID, `{"disabled":true}`},
		{"DELETE", "/api/users/" + userAID, ""},
	} {
		expect(t, p.do(t, c.method, c.path, tokB, c.body), 404, "not_found")
	}
	for _, path := range []string{"/api/keys", "/api/users", "/api/activity"} {
		body := string(expect(t, p.do(t, "GET", path, tokB, ""), 200, "").body)
		if strings.Contains(body, keyAID) || strings.Contains(body, userAID) {
			t.Fatalf("B's %s shows A's records: %s", path, body)
		}
	}
	// A's records are untouched.
	k := expect(t, p.do(t, "GET", "/api/keys/"+keyAID, keyA, ""), 200, "").obj(t)
	if k["name"] != "bootstrap" || k["revokedAt"] != nil {
		t.Fatalf("A's key changed: %v", k)
	}
	expect(t, p.do(t, "GET", "/api/me", keyA, ""), 200, "")
	if u := expect(t, p.do(t, "GET", "/api/users/"+userAID, keyA, ""), 200, "").obj(t); u["disabled"] != false {
		t.Fatalf("A's user changed: %v", u)
	}
}

func TestBootstrapKeyAndKill9(t *testing.T) {
	data := t.TempDir()
	const known = "wq_live_automation_0123456789abcdefghijklmno"
	p := start(t, data, "WAQTOR_BOOTSTRAP_API_KEY="+known, "WAQTOR_BOOTSTRAP_PASSWORD=known-password-1")
	if strings.Contains(p.stdout.String(), known) || strings.Contains(p.stdout.String(), "known-password-1") {
		t.Fatal("operator-chosen secrets were echoed")
	}
	expect(t, p.do(t, "GET", "/api/me", known, ""), 200, "")
	tok := expect(t, p.do(t, "POST", "/api/auth/login", "", `{"email":"admin@waqtor.local","password":"known-password-1"}`), 200, "").obj(t)["token"].(string)

	// Make events, then kill -9 at once: every accepted event is still routed after the restart (one the router
	// had received but not finished comes back after the audit queue's 30 s visibility timeout).
	var ids []string
	for i := range 20 {
		k := expect(t, p.do(t, "POST", "/api/keys", known, fmt.Sprintf(`{"name":"k%d","scopes":["messages:send"]}`, i)), 201, "").obj(t)
		ids = append(ids, k["id"].(string))
	}
	p.kill()
	p2 := start(t, data, "WAQTOR_BOOTSTRAP_API_KEY="+known)
	testkit.Until(t, 45*time.Second, "all 20 apikey.created entries after kill -9", func() bool {
		r := expect(t, p2.do(t, "GET", "/api/activity?limit=100", tok, ""), 200, "")
		seen := 0
		for _, id := range ids {
			if strings.Contains(string(r.body), id) {
				seen++
			}
		}
		return seen == len(ids)
	})
	// Each event is recorded once.
	counts := map[string]int{}
	for _, ty := range activityTypes(t, p2, tok) {
		counts[ty]++
	}
	if counts["apikey.created"] != 21 {
		t.Fatalf("apikey.created entries = %d, want 21 (bootstrap + 20)", counts["apikey.created"])
	}
}
