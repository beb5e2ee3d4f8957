// Package dashboard serves the built web dashboard (dashboard/dist, or the copy a release build embeds) beside the
// API in standalone: the files of the build, index.html for every other page path (the app routes in the browser),
// the runtime /config.json, and the API for API paths.
package dashboard

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

// apiPaths are the API's paths outside /api/ (routes.go), and /ws for the realtime feed: never the dashboard's.
var apiPaths = []string{"/healthz", "/readyz", "/metrics", "/ws"}

// DefaultDir is where `make dashboard` writes the build, relative to the working directory.
const DefaultDir = "dashboard/dist"

// CSPDirectives are the dashboard's Content-Security-Policy but connect-src: its own scripts only; styles inline too
// (PrimeReact sets style attributes and injects <style>); images also as data:, blob: and over https (avatars);
// never framed. Standalone adds "connect-src 'self'" (the API and /ws are its own); the CDK stack's CloudFront
// sends the same directives with API Gateway's origins (infra/stack/site.go).
var CSPDirectives = []string{"default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
	"img-src 'self' data: blob: https:", "font-src 'self' data:", "object-src 'none'", "base-uri 'self'",
	"form-action 'self'", "frame-ancestors 'none'"}

// csp is the Content-Security-Policy of every answer of the dashboard in standalone.
var csp = strings.Join(CSPDirectives, "; ") + "; connect-src 'self'"

// configJSON is the runtime configuration the dashboard reads at start (dashboard/src/lib/config.ts): in standalone
// the API is served beside it, so its URL is the page's own origin. On AWS the CDK stack writes its own.
const configJSON = `{"apiUrl":"/"}` + "\n"

// Handler answers API requests with api and the rest from the build in dir: files as they are (hashed files under
// /assets/ cached for a year, immutable), index.html for any other GET (no-cache, so a new build shows at once),
// and /config.json generated. The folder is looked at on every request, so building while the process runs is
// picked up; without a build, pages answer how to make one. dir "" means the dashboard embedded in the binary by a
// release build (`make release`, build tag waqtor_dashboard), or DefaultDir in a binary built without it.
func Handler(dir string, api http.Handler) http.Handler {
	if dir == "" {
		if e := Embedded(); e != nil {
			return serve(e, "", api)
		}
		dir = DefaultDir
	}
	return serve(os.DirFS(dir), dir, api)
}

// serve is Handler over root; dir names the folder in the not-built page ("" for the embedded build).
func serve(root fs.FS, dir string, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) {
			api.ServeHTTP(w, r)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", csp)
		if r.URL.Path == "/config.json" {
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("Content-Type", "application/json")
			http.ServeContent(w, r, "config.json", time.Time{}, strings.NewReader(configJSON))
			return
		}
		if _, err := fs.Stat(root, "index.html"); err != nil {
			notBuilt(w, r, dir)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name != "" && name != "index.html" {
			if fi, err := fs.Stat(root, name); err == nil && !fi.IsDir() {
				if strings.HasPrefix(name, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				} else {
					w.Header().Set("Cache-Control", "no-cache")
				}
				http.ServeFileFS(w, r, root, name)
				return
			}
			// A missing asset is a 404, not the app: a stale page asking for an old hashed file must not get HTML.
			if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
				http.NotFound(w, r)
				return
			}
		}
		index, err := fs.ReadFile(root, "index.html")
		if err != nil {
			notBuilt(w, r, dir)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(index))
	})
}

// isAPI reports whether r is for the API: any method but GET and HEAD, /api and below, the API's other paths, and
// WebSocket upgrades.
func isAPI(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return true
	}
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") || strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return true
	}
	for _, a := range apiPaths {
		if p == a || strings.HasPrefix(p, a+"/") {
			return true
		}
	}
	return false
}

var notBuiltPage = template.Must(template.New("").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>WaQtor</title></head>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>WaQtor is running</h1>
<p>The API answers under <code>/api/</code>. The dashboard is not built: there is no <code>{{.}}/index.html</code>.</p>
<p>Build it with <code>make dashboard</code> (or <code>make run</code>, which builds it first), then reload this page.
Or build a binary with the dashboard inside: <code>make release</code> writes <code>build/waqtor</code> with it
embedded.</p>
</body></html>
`))

func notBuilt(w http.ResponseWriter, r *http.Request, dir string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	status := http.StatusOK
	if r.URL.Path != "/" {
		status = http.StatusNotFound
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = notBuiltPage.Execute(w, dir) // a write error means the client has gone
}
