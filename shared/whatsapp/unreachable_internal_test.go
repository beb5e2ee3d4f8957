package whatsapp

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

// TestUnreachableCauses classifies real failures of an HTTP request, as whatsmeow's websocket dial makes them:
// each cause from the error the standard library returns, and WhatsApp answering (any status) is not unreachable.
func TestUnreachableCauses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	stall, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer plain.Close()
	proxy, _ := url.Parse("http://" + closed)
	direct := &http.Client{Transport: &http.Transport{}} // no proxy from the environment

	get := func(client *http.Client, u string, timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	cases := []struct {
		name, cause, mention string
		err                  error
	}{
		{"dns", session.CauseDNS, "web.whatsapp.invalid", get(direct, "https://web.whatsapp.invalid/ws/chat", 5*time.Second)},
		{"refused", session.CauseRefused, closed, get(direct, "http://"+closed+"/ws/chat", 5*time.Second)},
		{"tls", session.CauseTLS, "certificate", get(direct, tlsSrv.URL, 5*time.Second)},
		{"proxy", session.CauseProxy, "proxyconnect", get(&http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}},
			"https://web.whatsapp.com/ws/chat", 5*time.Second)},
		{"timeout", session.CauseTimeout, "", get(direct, "http://"+stall.Addr().String()+"/ws/chat", 200*time.Millisecond)},
	}
	for _, c := range cases {
		ue := unreachable(c.err)
		if ue == nil || ue.Cause != c.cause || !strings.Contains(ue.Error(), c.mention) || !strings.Contains(ue.Error(), "("+c.cause+":") {
			t.Errorf("%s: unreachable(%v) = %v, want cause %s mentioning %q", c.name, c.err, ue, c.cause, c.mention)
		}
	}
	if err := get(direct, plain.URL, 5*time.Second); err != nil || unreachable(err) != nil {
		t.Errorf("a server that answers is reachable: %v", err)
	}
}
