package egress_test

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/egress"
)

// loopbackGuard allows 127.0.0.1 (where httptest servers listen) and resolves names with the fake DNS.
func loopbackGuard(t *testing.T, dns *fakeDNS) egress.Guard {
	t.Helper()
	allow, err := egress.ParseAllow("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return egress.Guard{Allow: allow, Resolver: dns}
}

// withHost replaces the host of a server URL, keeping its port.
func withHost(t *testing.T, raw, host string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = host + ":" + u.Port()
	return u.String()
}

func TestClientSendsAndReadsAtMost2KiB(t *testing.T) {
	type seen struct {
		header http.Header
		body   []byte
		method string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), b, r.Method}
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20)))
	}))
	t.Cleanup(srv.Close)

	c := egress.NewClient(loopbackGuard(t, newFakeDNS(map[string][]string{})), "9.9.9")
	body := []byte(`{"event":"message_sent","data":{"text":"<hi> & bye"}}`)
	h := http.Header{}
	h.Set("X-Waqtor-Event", "message_sent")
	h.Set("Authorization", "Bearer t")
	resp := c.Send(context.Background(), egress.Request{URL: srv.URL + "/hook?x=1", Header: h, Body: body, Timeout: 5 * time.Second})
	if resp.Err != nil {
		t.Fatal(resp.Err)
	}
	if resp.StatusCode != http.StatusAccepted || len(resp.Body) != egress.MaxResponse || resp.Header.Get("Retry-After") != "7" {
		t.Errorf("response %d, %d body bytes, Retry-After %q; want 202, %d, 7", resp.StatusCode, len(resp.Body), resp.Header.Get("Retry-After"), egress.MaxResponse)
	}
	if resp.Duration <= 0 || resp.Duration > 5*time.Second {
		t.Errorf("duration %v", resp.Duration)
	}
	s := <-got
	if s.method != http.MethodPost || string(s.body) != string(body) {
		t.Errorf("server got %s %q", s.method, s.body)
	}
	for name, want := range map[string]string{"User-Agent": "WaQtor-Webhook/9.9.9", "Content-Type": "application/json",
		"X-Waqtor-Event": "message_sent", "Authorization": "Bearer t"} {
		if v := s.header.Get(name); v != want {
			t.Errorf("server got %s %q, want %q", name, v, want)
		}
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) { followed.Add(1) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	resp := egress.NewClient(loopbackGuard(t, newFakeDNS(nil)), "1").Send(context.Background(), egress.Request{URL: srv.URL + "/hook", Body: []byte(`{}`)})
	if resp.Err != nil || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("got %d, %v; want the 307 itself", resp.StatusCode, resp.Err)
	}
	if n := followed.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	start := time.Now()
	resp := egress.NewClient(loopbackGuard(t, newFakeDNS(nil)), "1").Send(context.Background(),
		egress.Request{URL: srv.URL, Body: []byte(`{}`), Timeout: 300 * time.Millisecond})
	took := time.Since(start)
	if resp.Err == nil || !strings.Contains(resp.Err.Error(), "no answer within 300ms") || resp.StatusCode != 0 {
		t.Fatalf("got %d, %v; want a timeout error", resp.StatusCode, resp.Err)
	}
	if strings.Contains(resp.Err.Error(), srv.URL) {
		t.Errorf("the error names the URL: %v", resp.Err)
	}
	if took < 300*time.Millisecond || took > 5*time.Second || resp.Duration < 300*time.Millisecond {
		t.Errorf("took %v (duration %v); want about 300ms", took, resp.Duration)
	}
}

func TestClientRefusesWhatTheGuardRefuses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	dns := newFakeDNS(map[string][]string{"localtest.me": {"127.0.0.1"}})
	c := egress.NewClient(egress.Guard{Resolver: dns}, "1") // no allow-list
	for _, u := range []string{srv.URL, withHost(t, srv.URL, "localtest.me"), withHost(t, srv.URL, "[::ffff:127.0.0.1]"),
		withHost(t, srv.URL, "localhost"), "file:///etc/passwd"} {
		resp := c.Send(context.Background(), egress.Request{URL: u, Body: []byte(`{}`)})
		var ae *apperr.Error
		if !errors.As(resp.Err, &ae) || ae.Code != apperr.Validation || resp.StatusCode != 0 {
			t.Errorf("Send(%s) = %d, %v; want a validation refusal", u, resp.StatusCode, resp.Err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server was reached %d times", n)
	}
}

// TestClientRefusesRebinding: the host passes CheckURL with a public address, then its DNS answer flips to
// loopback; the dialer resolves again, checks, and refuses.
func TestClientRefusesRebinding(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	dns := newFakeDNS(map[string][]string{"rebind.example.com": {"93.184.215.15"}})
	g := egress.Guard{Resolver: dns}
	u := withHost(t, srv.URL, "rebind.example.com")
	if err := g.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("CheckURL before the flip: %v", err)
	}
	dns.Set("rebind.example.com", "127.0.0.1")
	resp := egress.NewClient(g, "1").Send(context.Background(), egress.Request{URL: u, Body: []byte(`{}`)})
	var ae *apperr.Error
	if !errors.As(resp.Err, &ae) || !strings.Contains(ae.Message, "resolves to 127.0.0.1, a loopback address") {
		t.Fatalf("Send after the flip = %d, %v; want the dial refused", resp.StatusCode, resp.Err)
	}
	if dns.Lookups("rebind.example.com") != 2 {
		t.Errorf("%d lookups; want 2 (CheckURL and the dial)", dns.Lookups("rebind.example.com"))
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server was reached %d times", n)
	}
	// With the private address allowed, the same client reaches it: the dial uses the checked address.
	resp = egress.NewClient(loopbackGuard(t, dns), "1").Send(context.Background(), egress.Request{URL: u, Body: []byte(`{}`)})
	if resp.Err != nil || resp.StatusCode != http.StatusOK || hits.Load() != 1 {
		t.Fatalf("allowed: %d, %v, %d hits", resp.StatusCode, resp.Err, hits.Load())
	}
}

// TestClientTLSVerifiesTheURLHost dials the checked address but verifies the certificate against, and sends as
// SNI, the URL's host name.
func TestClientTLSVerifiesTheURLHost(t *testing.T) {
	sni := make(chan string, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sni <- r.TLS.ServerName
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate()) // valid for example.com and 127.0.0.1
	dns := newFakeDNS(map[string][]string{"example.com": {"127.0.0.1"}, "wrong.example.net": {"127.0.0.1"}})
	c := egress.NewClient(loopbackGuard(t, dns), "1").WithRootCAs(pool)

	resp := c.Send(context.Background(), egress.Request{URL: withHost(t, srv.URL, "example.com"), Body: []byte(`{}`)})
	if resp.Err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("https to example.com: %d, %v", resp.StatusCode, resp.Err)
	}
	if name := <-sni; name != "example.com" {
		t.Errorf("SNI %q, want example.com", name)
	}
	resp = c.Send(context.Background(), egress.Request{URL: withHost(t, srv.URL, "wrong.example.net"), Body: []byte(`{}`)})
	if resp.Err == nil || !strings.Contains(resp.Err.Error(), "certificate") {
		t.Fatalf("https to a name the certificate does not cover: %d, %v; want a certificate error", resp.StatusCode, resp.Err)
	}
	resp = egress.NewClient(loopbackGuard(t, dns), "1").Send(context.Background(), egress.Request{URL: withHost(t, srv.URL, "example.com"), Body: []byte(`{}`)})
	if resp.Err == nil || !strings.Contains(resp.Err.Error(), "certificate") {
		t.Fatalf("https with the system roots to a test certificate: %d, %v; want a certificate error", resp.StatusCode, resp.Err)
	}
}
