package idempotency_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/idempotency"
)

func TestFingerprintDiff(t *testing.T) {
	base := idempotency.NewFingerprint("POST", "/api/keys", "", []byte(`{"name":"ci","scopes":["a","b"]}`))
	for _, tc := range []struct {
		name                string
		method, path, query string
		body                string
		want                []string
	}{
		{"same", "POST", "/api/keys", "", `{"name":"ci","scopes":["a","b"]}`, nil},
		{"keys reordered, spaced, escaped", "POST", "/api/keys", "", " {\"scopes\": [\"a\", \"b\"],\n\"n\\u0061me\": \"ci\"} ", nil},
		{"array order matters", "POST", "/api/keys", "", `{"name":"ci","scopes":["b","a"]}`, []string{"body"}},
		{"an extra field", "POST", "/api/keys", "", `{"name":"ci","scopes":["a","b"],"n":1}`, []string{"body"}},
		{"another body", "POST", "/api/keys", "", `{"name":"cd","scopes":["a","b"]}`, []string{"body"}},
		{"another path", "POST", "/api/users", "", `{"name":"ci","scopes":["a","b"]}`, []string{"path"}},
		{"a query", "POST", "/api/keys", "x=1", `{"name":"ci","scopes":["a","b"]}`, []string{"path"}},
		{"everything", "PUT", "/api/users", "", `{}`, []string{"method", "path", "body"}},
	} {
		got := base.Diff(idempotency.NewFingerprint(tc.method, tc.path, tc.query, []byte(tc.body)))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Diff = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCanonicalBodyLeavesNonJSONAlone(t *testing.T) {
	for _, b := range []string{"", "not json", "{\"a\":\"\xff\"}", "--boundary\r\nContent-Disposition: form-data\r\n", `{"a":1} {}`} {
		if got := string(idempotency.CanonicalBody([]byte(b))); got != b {
			t.Errorf("CanonicalBody(%q) = %q, want it unchanged", b, got)
		}
	}
	big := `{"b":"` + strings.Repeat("x", 1<<20) + `","a":1}`
	if got := string(idempotency.CanonicalBody([]byte(big))); got != big {
		t.Error("a body over 1 MiB was re-encoded")
	}
}

func TestReusedError(t *testing.T) {
	err := idempotency.ReusedError([]string{"path", "body"})
	if err.Code != apperr.IdempotencyKeyReused || !strings.Contains(err.Message, "different path, body") {
		t.Fatalf("ReusedError = %+v", err)
	}
	if d := err.Details.(map[string]any)["differs"]; !slices.Equal(d.([]string), []string{"path", "body"}) {
		t.Fatalf("details = %v", err.Details)
	}
}
