package dashboard

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

const indexHTML = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>`

// build writes a fake dashboard build into a temp dir: index.html, a hashed asset and a top-level file.
func build(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte(indexHTML), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "assets", "index-abc123.js"), []byte("console.log(1)"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "favicon.svg"), []byte("<svg/>"), 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// api answers every request it gets with 418 and the path, so a test sees which requests reached it.
var api = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusTeapot)
	_, _ = w.Write([]byte("api " + r.Method + " " + r.URL.Path))
})

func do(t *testing.T, h http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServesBuildWithSPAFallbackAndCacheHeaders(t *testing.T) {
	h := Handler(build(t), api)
	for _, p := range []string{"/", "/login", "/sessions/ses_1", "/deep/link?x=1"} {
		w := do(t, h, "GET", p)
		if w.Code != 200 || w.Body.String() != indexHTML {
			t.Errorf("GET %s = %d %q, want index.html", p, w.Code, w.Body.String())
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", p, cc)
		}
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s Content-Type = %q", p, ct)
		}
	}
	w := do(t, h, "GET", "/assets/index-abc123.js")
	if w.Code != 200 || w.Body.String() != "console.log(1)" {
		t.Fatalf("asset = %d %q", w.Code, w.Body.String())
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control = %q", cc)
	}
	if ct := w.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("asset Content-Type = %q", ct)
	}
	if w := do(t, h, "GET", "/favicon.svg"); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("favicon = %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	// A missing hashed file (an old page after a new build) is 404, never index.html served as JavaScript.
	for _, p := range []string{"/assets/index-old.js", "/robots.txt", "/assets/../../dashboard_test.go"} {
		if w := do(t, h, "GET", p); w.Code != 404 {
			t.Errorf("GET %s = %d %q, want 404", p, w.Code, w.Body.String())
		}
	}
	// Paths leaving the folder stay inside it: /../../etc/passwd is the app's page /etc/passwd.
	if w := do(t, h, "GET", "/../../etc/passwd"); w.Body.String() != indexHTML {
		t.Errorf("GET /../../etc/passwd = %d %q", w.Code, w.Body.String())
	}
	if w := do(t, h, "HEAD", "/login"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /login = %d, %d bytes", w.Code, w.Body.Len())
	}
}

func TestAPIRequestsGoToTheAPI(t *testing.T) {
	h := Handler(build(t), api)
	cases := []struct{ method, path string }{
		{"GET", "/api/sessions"}, {"GET", "/api/unknown/route"}, {"GET", "/api"}, {"POST", "/api/auth/login"},
		{"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/ws"},
		{"POST", "/login"}, {"DELETE", "/"}, {"OPTIONS", "/api/sessions"},
	}
	for _, c := range cases {
		w := do(t, h, c.method, c.path)
		if w.Code != http.StatusTeapot || w.Body.String() != "api "+c.method+" "+c.path {
			t.Errorf("%s %s = %d %q, want the API", c.method, c.path, w.Code, w.Body.String())
		}
	}
	if w := do(t, h, "GET", "/realtime", "Upgrade", "websocket"); w.Code != http.StatusTeapot {
		t.Errorf("websocket upgrade = %d, want the API", w.Code)
	}
	// Paths that only look like API paths are the app's.
	if w := do(t, h, "GET", "/apis"); w.Code != 200 || w.Body.String() != indexHTML {
		t.Errorf("GET /apis = %d, want index.html", w.Code)
	}
}

func TestWithoutBuildSaysHowToBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dist")
	h := Handler(dir, api)
	w := do(t, h, "GET", "/")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "make dashboard") {
		t.Fatalf("GET / without build = %d %q", w.Code, w.Body.String())
	}
	if w.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
	}
	if w := do(t, h, "GET", "/sessions"); w.Code != 404 || !strings.Contains(w.Body.String(), "make dashboard") {
		t.Errorf("GET /sessions without build = %d", w.Code)
	}
	if w := do(t, h, "GET", "/api/sessions"); w.Code != http.StatusTeapot {
		t.Errorf("API without build = %d", w.Code)
	}
	// A build made while the process runs is served at once.
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte(indexHTML), 0o644))
	if w := do(t, h, "GET", "/"); w.Code != 200 || w.Body.String() != indexHTML {
		t.Errorf("GET / after build = %d %q", w.Code, w.Body.String())
	}
}

func TestConfigJSONIsGenerated(t *testing.T) {
	dir := build(t)
	// A config.json left in the build (e.g. copied from a deployment) does not replace the generated one.
	must(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"apiUrl":"https://elsewhere.example"}`), 0o644))
	for _, h := range []http.Handler{Handler(dir, api), Handler(filepath.Join(t.TempDir(), "none"), api)} {
		w := do(t, h, "GET", "/config.json")
		if w.Code != 200 || w.Body.String() != "{\"apiUrl\":\"/\"}\n" {
			t.Errorf("GET /config.json = %d %q, want the generated config", w.Code, w.Body.String())
		}
		if cc, ct := w.Header().Get("Cache-Control"), w.Header().Get("Content-Type"); cc != "no-cache" || ct != "application/json" {
			t.Errorf("GET /config.json Cache-Control %q, Content-Type %q", cc, ct)
		}
	}
}

func TestServesAnFS(t *testing.T) {
	h := serve(fstest.MapFS{
		"index.html":             {Data: []byte(indexHTML)},
		"assets/index-abc123.js": {Data: []byte("console.log(1)")},
	}, "", api)
	if w := do(t, h, "GET", "/messages"); w.Code != 200 || w.Body.String() != indexHTML {
		t.Errorf("GET /messages = %d %q, want index.html", w.Code, w.Body.String())
	}
	if w := do(t, h, "GET", "/assets/index-abc123.js"); w.Code != 200 || w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("asset = %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if w := do(t, h, "GET", "/assets/gone.js"); w.Code != 404 {
		t.Errorf("missing asset = %d, want 404", w.Code)
	}
}

// TestWithoutEmbedServesDefaultDir: a binary built without the dashboard inside serves dashboard/dist under the
// working directory when WAQTOR_DASHBOARD_DIR is unset, and says how to build either when it is missing.
func TestWithoutEmbedServesDefaultDir(t *testing.T) {
	if Embedded() != nil {
		t.Skip("built with the dashboard inside (-tags waqtor_dashboard)")
	}
	wd := t.TempDir()
	t.Chdir(wd)
	h := Handler("", api)
	w := do(t, h, "GET", "/")
	if body := w.Body.String(); w.Code != 200 || !strings.Contains(body, "make dashboard") || !strings.Contains(body, "make release") ||
		!strings.Contains(body, DefaultDir+"/index.html") {
		t.Fatalf("GET / without build = %d %q, want how to build (make dashboard, make release)", w.Code, body)
	}
	must(t, os.MkdirAll(filepath.Join(wd, DefaultDir), 0o755))
	must(t, os.WriteFile(filepath.Join(wd, DefaultDir, "index.html"), []byte(indexHTML), 0o644))
	if w := do(t, h, "GET", "/"); w.Code != 200 || w.Body.String() != indexHTML {
		t.Errorf("GET / with dashboard/dist = %d %q", w.Code, w.Body.String())
	}
}

// TestReleaseBuildEmbedsTheDashboard builds the standalone binary as `make release` does (-tags waqtor_dashboard),
// with a fixture build overlaid at shared/dashboard/dist (go build -overlay, so the tree is not touched), starts it
// in an empty folder without WAQTOR_DASHBOARD_DIR and checks it serves the fixture from inside the binary.
func TestReleaseBuildEmbedsTheDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	tmp := t.TempDir()
	fixtures := map[string]string{"index.html": indexHTML + "<!-- embedded -->", "assets/index-abc123.js": "console.log('embedded')"}
	replace := map[string]string{}
	for name, content := range fixtures {
		src := filepath.Join(tmp, "fixture-"+filepath.Base(name))
		must(t, os.WriteFile(src, []byte(content), 0o644))
		dst, err := filepath.Abs(filepath.Join("dist", name))
		must(t, err)
		replace[dst] = src
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(tmp, "overlay.json"), overlay, 0o644))
	bin := filepath.Join(tmp, "waqtor")
	build := exec.Command("go", "build", "-tags", "waqtor_dashboard", "-overlay", filepath.Join(tmp, "overlay.json"), "-o", bin, "../../session-host")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags waqtor_dashboard: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close())
	work := filepath.Join(tmp, "work")
	must(t, os.MkdirAll(work, 0o755))
	cmd := exec.Command(bin)
	cmd.Dir = work
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WAQTOR_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "WAQTOR_ADDR="+addr, "WAQTOR_DATA_DIR="+filepath.Join(tmp, "data"), "WAQTOR_METRICS_ADDR=off")
	var out testkit.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	get := func(path string) (int, string, error) {
		r, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, "", err
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		return r.StatusCode, string(b), err
	}
	testkit.UntilWhy(t, 30*time.Second, "the release binary to get ready", func() (bool, string) {
		code, _, err := get("/readyz")
		return err == nil && code == 200, out.String()
	})
	for path, want := range map[string]string{"/": fixtures["index.html"], "/messages": fixtures["index.html"],
		"/assets/index-abc123.js": fixtures["assets/index-abc123.js"], "/config.json": configJSON} {
		if code, body, err := get(path); err != nil || code != 200 || body != want {
			t.Errorf("GET %s = %d %q (%v), want %q from the binary", path, code, body, err, want)
		}
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	h := Handler(build(t), api)
	want := strings.Join(CSPDirectives, "; ") + "; connect-src 'self'"
	for _, p := range []string{"/", "/messages", "/assets/index-abc123.js", "/config.json"} {
		if got := do(t, h, "GET", p).Header().Get("Content-Security-Policy"); got != want {
			t.Errorf("GET %s Content-Security-Policy = %q, want %q", p, got, want)
		}
	}
	if got := do(t, h, "GET", "/api/sessions").Header().Get("Content-Security-Policy"); got != "" {
		t.Errorf("the API got the dashboard's policy: %q", got)
	}
	for _, d := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(want, d) {
			t.Errorf("policy %q lacks %s", want, d)
		}
	}
}
