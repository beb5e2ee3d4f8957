package webhook_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/webhook"
)

// sigVector is one entry of testdata/signatures.json, also the input of the Node and Python verifiers.
type sigVector struct {
	Name         string            `json:"name"`
	Secrets      []sigSecret       `json:"secrets"`
	ID           string            `json:"id"`
	Timestamp    int64             `json:"timestamp"`
	Now          time.Time         `json:"now"`
	Body         string            `json:"body"`
	Headers      map[string]string `json:"headers"`
	WaqtorSecret string            `json:"waqtorSecret"`
	// Canonical: JSON.stringify(JSON.parse(body)) === body, so the seed's receiver accepts it.
	Canonical bool `json:"canonical"`
}

type sigSecret struct {
	Value     string     `json:"value"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
	Format    string     `json:"format"` // how a Standard Webhooks library takes it: "whsec" or "raw"
	Signs     bool       `json:"signs"`  // active at Now
}

func (v sigVector) secrets() []webhook.Secret {
	var out []webhook.Secret
	for _, s := range v.Secrets {
		out = append(out, webhook.Secret{Value: s.Value, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt})
	}
	return out
}

func (v sigVector) sign() http.Header {
	return webhook.Sign([]byte(v.Body), v.ID, time.Unix(v.Timestamp, 0), v.secrets(), v.Now)
}

func loadVectors(t *testing.T) []sigVector {
	t.Helper()
	raw, err := os.ReadFile("testdata/signatures.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []sigVector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 9 {
		t.Fatalf("only %d signature vectors", len(vs))
	}
	return vs
}

// TestSignGoldenVectors checks Sign against vectors computed with Python's hmac (and, for the Standard Webhooks
// spec's own example, its published signature).
func TestSignGoldenVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			got := v.sign()
			if len(got) != len(v.Headers) {
				t.Errorf("Sign set %d headers %v, want %d", len(got), got, len(v.Headers))
			}
			for name, want := range v.Headers {
				if g := got.Get(name); g != want {
					t.Errorf("%s = %q, want %q", name, g, want)
				}
			}
			canon, err := webhook.Canonical([]byte(v.Body))
			if err != nil {
				t.Fatal(err)
			}
			if (string(canon) == v.Body) != v.Canonical {
				t.Errorf("Canonical(body) == body is %v, the vector says %v", string(canon) == v.Body, v.Canonical)
			}
		})
	}
}

// TestSignVerifiedByIndependentReceivers has Sign's headers verified by the standardwebhooks npm package, the
// seed's Node receiver and a Python stdlib verifier: the golden vectors plus random ones with generated secrets.
func TestSignVerifiedByIndependentReceivers(t *testing.T) {
	vs := loadVectors(t)
	rnd := rand.New(rand.NewPCG(30, 10))
	g := jsonGen{rnd: rnd}
	base := time.Date(2025, 10, 30, 19, 30, 0, 0, time.UTC)
	for i := range 40 {
		now := base.Add(time.Duration(rnd.IntN(1e6)) * time.Second)
		var data strings.Builder
		g.value(&data, 1)
		body, err := webhook.Canonical([]byte(`{"event":"message_received","data":` + data.String() + `}`))
		if err != nil {
			t.Fatalf("%v: %s", err, data.String())
		}
		v := sigVector{Name: fmt.Sprintf("random %d", i), ID: fmt.Sprintf("dlv_%08d", rnd.Uint32()),
			Timestamp: now.Unix(), Now: now, Body: string(body), Canonical: true}
		for j := range 1 + rnd.IntN(3) {
			s := sigSecret{Value: webhook.NewSecret(), CreatedAt: now.Add(-time.Duration(j+1) * time.Hour), Format: "whsec", Signs: true}
			if j > 0 { // older secrets are being rotated out: some still sign, some have expired
				exp := now.Add(time.Duration(rnd.IntN(7200)-3600) * time.Second)
				s.ExpiresAt, s.Signs = &exp, now.Before(exp)
			}
			v.Secrets = append(v.Secrets, s)
		}
		v.WaqtorSecret = v.Secrets[0].Value
		vs = append(vs, v)
	}
	for i := range vs { // verify what Sign produces, not the file
		vs[i].Headers = map[string]string{}
		h := vs[i].sign()
		for name := range h {
			vs[i].Headers[name] = h.Get(name)
		}
	}
	in, err := json.Marshal(vs)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct{ Vectors, Checks int }
	for _, tool := range []struct {
		name string
		run  func() []byte
	}{
		{"standardwebhooks npm and the seed's receiver", func() []byte {
			return runTool(t, []string{"NODE_PATH=" + jsNodePath(t)}, in, jsNode(t), "testdata/verify-signatures.js")
		}},
		{"python3 stdlib", func() []byte { return runTool(t, nil, in, python3(t), "testdata/verify_signatures.py") }},
	} {
		var s summary
		if err := json.Unmarshal(tool.run(), &s); err != nil {
			t.Fatalf("%s: %v", tool.name, err)
		}
		if s.Vectors != len(vs) || s.Checks < 5*len(vs) {
			t.Errorf("%s verified %d vectors with %d checks; want %d vectors", tool.name, s.Vectors, s.Checks, len(vs))
		}
		t.Logf("%s: %d vectors, %d checks passed", tool.name, s.Vectors, s.Checks)
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := webhook.NewSecret()
		rest, ok := strings.CutPrefix(s, "whsec_")
		key, err := base64.StdEncoding.DecodeString(rest)
		if !ok || err != nil || len(key) != 24 || len(s) != 38 {
			t.Fatalf("NewSecret() = %q: want whsec_ and the base64 of 24 bytes", s)
		}
		if seen[s] {
			t.Fatalf("NewSecret repeated %q", s)
		}
		seen[s] = true
		if string(webhook.StandardKey(s)) != string(key) {
			t.Fatalf("StandardKey(%q) is not the decoded key", s)
		}
	}
}

func TestSignWithoutActiveSecretSetsNoSignature(t *testing.T) {
	now := time.Date(2025, 10, 30, 0, 0, 0, 0, time.UTC)
	past := now.Add(-time.Second)
	h := webhook.Sign([]byte(`{}`), "dlv_1", now, []webhook.Secret{{Value: "whsec_AAAA", ExpiresAt: &past}}, now)
	if h.Get("Webhook-Signature") != "" || h.Get("X-Waqtor-Signature") != "" {
		t.Errorf("an expired secret signed: %v", h)
	}
	if h.Get("Webhook-Id") != "dlv_1" || h.Get("Webhook-Timestamp") != "1761782400" {
		t.Errorf("webhook-id/timestamp = %q/%q", h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"))
	}
	exact := now
	h = webhook.Sign([]byte(`{}`), "dlv_1", now, []webhook.Secret{{Value: "whsec_AAAA", ExpiresAt: &exact}}, now)
	if h.Get("Webhook-Signature") != "" {
		t.Error("a secret signed at the instant it expired")
	}
}

func TestHeaders(t *testing.T) {
	now := time.Unix(1761868800, 0)
	w := webhook.Webhook{
		Secrets: []webhook.Secret{{Value: "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"}},
		Headers: map[string]string{"Authorization": "Bearer abc", "X-Custom": "1", "x-waqtor-event": "spoof",
			"Content-Type": "text/plain", "webhook-id": "spoof", "Host": "evil"},
	}
	d := webhook.Delivery{ID: "dlv_7", Event: "message_sent", Seq: 42, Body: []byte(`{"event":"message_sent"}`)}
	h := webhook.Headers(w, d, "3.1.0", now)
	sig := webhook.Sign(d.Body, d.ID, now, w.Secrets, now)
	want := map[string]string{
		"Authorization": "Bearer abc", "X-Custom": "1", "Content-Type": "application/json",
		"User-Agent": "WaQtor-Webhook/3.1.0", "X-Waqtor-Event": "message_sent", "X-Waqtor-Delivery": "dlv_7",
		"X-Waqtor-Sequence": "42", "Webhook-Id": "dlv_7", "Webhook-Timestamp": "1761868800",
		"Webhook-Signature": sig.Get("Webhook-Signature"), "X-Waqtor-Signature": sig.Get("X-Waqtor-Signature"),
	}
	for name, v := range want {
		if got := h.Values(name); len(got) != 1 || got[0] != v {
			t.Errorf("%s = %q, want [%q]", name, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers %v; want exactly %v", slices.Sorted(maps.Keys(h)), slices.Sorted(maps.Keys(want)))
	}
}

func TestReservedHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Content-Type": true, "content-type": true, "User-Agent": true, "X-Waqtor-Signature": true,
		"x-waqtor-anything": true, "webhook-signature": true, "Webhook-Id": true, "Host": true,
		"Content-Length": true, "Transfer-Encoding": true, "Connection": true, " Upgrade ": true,
		"Authorization": false, "X-Api-Key": false, "X-Custom": false, "Webhooks": false, "X-Waqtorish": false,
	} {
		if got := webhook.ReservedHeader(name); got != want {
			t.Errorf("ReservedHeader(%q) = %v, want %v", name, got, want)
		}
	}
}
