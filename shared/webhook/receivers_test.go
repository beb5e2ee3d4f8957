package webhook_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/webhook"
)

// exampleReceiver is one of the runnable receivers in docs/examples.
type exampleReceiver struct {
	name string
	// standard receivers verify webhook-signature: they refuse stale timestamps, spot repeated webhook-ids and
	// accept either secret during a rotation. The seed-style one checks X-Waqtor-Signature only.
	standard bool
	command  func(t *testing.T, root string) (bin string, args, env []string)
}

var exampleReceivers = []exampleReceiver{
	{"receiver-seed.js", false, func(t *testing.T, root string) (string, []string, []string) {
		return jsNode(t), []string{filepath.Join(root, "docs/examples/receiver-seed.js")}, nil
	}},
	{"receiver-standard.js", true, func(t *testing.T, root string) (string, []string, []string) {
		return jsNode(t), []string{filepath.Join(root, "docs/examples/receiver-standard.js")}, []string{"NODE_PATH=" + jsNodePath(t)}
	}},
	{"receiver.py", true, func(t *testing.T, root string) (string, []string, []string) {
		return python3(t), []string{filepath.Join(root, "docs/examples/receiver.py")}, nil
	}},
	{"receiver.go", true, func(t *testing.T, root string) (string, []string, []string) {
		goBin, err := exec.LookPath("go")
		if err != nil {
			t.Fatal("go is needed to build docs/examples/receiver.go: none on PATH")
		}
		bin := filepath.Join(t.TempDir(), "receiver")
		runTool(t, nil, nil, goBin, "build", "-o", bin, filepath.Join(root, "docs/examples/receiver.go"))
		return bin, nil, nil
	}},
}

// freePort returns a port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startReceiver runs an example with WEBHOOK_SECRET, HOST=127.0.0.1 and a free PORT, waits for its "listening on"
// line, stops it in t.Cleanup and returns its URL.
func startReceiver(t *testing.T, r exampleReceiver, secret string) string {
	t.Helper()
	bin, args, env := r.command(t, jsModuleRoot(t))
	port := freePort(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cmd.Environ(), append(env, "WEBHOOK_SECRET="+secret, "HOST=127.0.0.1", "PORT="+strconv.Itoa(port))...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var output []string
	ready := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			output = append(output, sc.Text())
			mu.Unlock()
			select {
			case ready <- sc.Text():
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("%s stdout:\n%s\nstderr:\n%s", r.name, strings.Join(output, "\n"), stderr.String())
			mu.Unlock()
		}
	})
	select {
	case line := <-ready:
		if want := "listening on 127.0.0.1:" + strconv.Itoa(port); line != want {
			t.Fatalf("%s printed %q first, want %q", r.name, line, want)
		}
	case <-done:
		t.Fatalf("%s exited before listening: %s", r.name, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start listening within 30 s", r.name)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port) + "/webhooks/waqtor"
}

// delivery builds a delivery body the way the product does: event.Marshal of a Body, then Canonical.
func delivery(t *testing.T, id string, seq int64, ev string, data any) webhook.Delivery {
	t.Helper()
	raw, err := event.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	body, err := event.Marshal(webhook.Body{Event: ev, Timestamp: webhook.Timestamp(time.Now()), Data: raw, EventID: "evt_" + id, SessionID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if body, err = webhook.Canonical(body); err != nil {
		t.Fatal(err)
	}
	return webhook.Delivery{ID: id, Event: ev, Seq: seq, Body: body}
}

// TestExampleReceivers runs every receiver in docs/examples as a real server and sends it signed deliveries with
// the product's Client.
func TestExampleReceivers(t *testing.T) {
	allow, err := egress.ParseAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	client := egress.NewClient(egress.Guard{Allow: allow}, "test")
	msg := map[string]any{"from": "966501234567@c.us", "body": "<b>Tom & Jerry</b> \u2028 مرحبا 😀", "timestamp": 1761868800,
		"messageId": "msg_1", "isGroup": false, "1": "integer-like keys first"}

	for _, r := range exampleReceivers {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			oldSecret, newSecret := webhook.NewSecret(), webhook.NewSecret()
			url := startReceiver(t, r, oldSecret)
			now := time.Now()
			w := webhook.Webhook{URL: url, Secrets: []webhook.Secret{{Value: oldSecret, CreatedAt: now.Add(-time.Hour)}}}
			send := func(d webhook.Delivery, h map[string][]string) webhook.Response {
				t.Helper()
				resp := client.Send(context.Background(), webhook.Request{URL: url, Header: h, Body: d.Body, Timeout: 10 * time.Second})
				if resp.Err != nil {
					t.Fatalf("send %s: %v", d.ID, resp.Err)
				}
				return resp
			}
			expect := func(what string, resp webhook.Response, code int, duplicate string) {
				t.Helper()
				if resp.StatusCode != code {
					t.Errorf("%s: HTTP %d %s; want %d", what, resp.StatusCode, resp.Body, code)
					return
				}
				if code == 200 && duplicate != "" && !strings.Contains(string(resp.Body), `"duplicate":`+duplicate) {
					t.Errorf("%s: answer %s; want duplicate %s", what, resp.Body, duplicate)
				}
			}

			fresh := "" // standard receivers say whether they had seen the webhook-id
			if r.standard {
				fresh = "false"
			}
			d := delivery(t, "dlv_1", 1, "message_received", msg)
			expect("valid", send(d, webhook.Headers(w, d, "test", time.Now())), 200, fresh)

			tampered := d
			tampered.Body = bytes.Replace(d.Body, []byte("966501234567"), []byte("966509999999"), 1)
			expect("tampered body", send(tampered, webhook.Headers(w, d, "test", time.Now())), 401, "")

			other := webhook.Webhook{Secrets: []webhook.Secret{{Value: webhook.NewSecret()}}}
			d2 := delivery(t, "dlv_2", 2, "campaign_completed", map[string]any{"campaignId": "cmp_1", "sent": 10, "failed": 0, "duration": 1234})
			expect("another secret", send(d2, webhook.Headers(other, d2, "test", time.Now())), 401, "")

			if !r.standard {
				// The seed's receiver hashes JSON.stringify(req.body): a body in any other form fails.
				loose := d2
				loose.Body = []byte(strings.ReplaceAll(string(d2.Body), ",", ", "))
				expect("body not as JSON.stringify writes it", send(loose, webhook.Headers(w, loose, "test", time.Now())), 401, "")
				expect("campaign_completed", send(d2, webhook.Headers(w, d2, "test", time.Now())), 200, "")
				return
			}

			expect("stale timestamp", send(d2, webhook.Headers(w, d2, "test", time.Now().Add(-10*time.Minute))), 401, "")
			expect("future timestamp", send(d2, webhook.Headers(w, d2, "test", time.Now().Add(10*time.Minute))), 401, "")
			expect("retry of a delivered id", send(d, webhook.Headers(w, d, "test", time.Now())), 200, "true")

			// Rotation: the new secret signs too until the old one expires; the receiver still holds the old one.
			exp := time.Now().Add(24 * time.Hour)
			rotated := webhook.Webhook{Secrets: []webhook.Secret{{Value: newSecret, CreatedAt: time.Now()},
				{Value: oldSecret, CreatedAt: now.Add(-time.Hour), ExpiresAt: &exp}}}
			h := webhook.Headers(rotated, d2, "test", time.Now())
			if n := len(strings.Fields(h.Get(webhook.HeaderWebhookSignature))); n != 2 {
				t.Fatalf("%d signatures during the rotation, want 2", n)
			}
			expect("during a rotation", send(d2, h), 200, "false")
			past := time.Now().Add(-time.Second)
			rotated.Secrets[1].ExpiresAt = &past
			d3 := delivery(t, "dlv_3", 3, "message_sent", map[string]any{"to": "966501234567@c.us", "messageId": "m2", "status": "sent"})
			expect("after the old secret expired", send(d3, webhook.Headers(rotated, d3, "test", time.Now())), 401, "")
		})
	}
}

// TestExampleBodiesAreJSONStringifyOutput: a delivery body built as the product builds it survives the seed
// receiver's JSON.stringify(JSON.parse(body)) unchanged.
func TestExampleBodiesAreJSONStringifyOutput(t *testing.T) {
	d := delivery(t, "dlv_9", 9, "message_received", map[string]any{"b": "<&>", "a": math.Copysign(0, -1), "10": 1, "2": 2, "x": 1e21})
	if !strings.Contains(string(d.Body), `"a":0,`) || !strings.Contains(string(d.Body), `"data":{"2":2,"10":1,`) {
		t.Errorf("body %s: want -0 written as 0 and integer-like keys first", d.Body)
	}
	got := nodeCanonical(t, [][]byte{d.Body})[0]
	if string(got) != string(d.Body) {
		t.Fatalf("JSON.stringify(JSON.parse(body)) = %s\nbody                          = %s", got, d.Body)
	}
	var v map[string]any
	if err := json.Unmarshal(d.Body, &v); err != nil || v["event"] != "message_received" {
		t.Fatalf("body %s: %v", d.Body, err)
	}
}
