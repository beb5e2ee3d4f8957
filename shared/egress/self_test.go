package egress_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/egress"
)

// localInterfaceAddr is an address of a network interface of this machine other than loopback ("" if none).
func localInterfaceAddr(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && !p.Addr().IsLoopback() && p.Addr().Is4() {
			return p.Addr().String()
		}
	}
	return ""
}

// The product's own listeners are refused whatever the allow-list says: on loopback, the unspecified address, any
// local interface address and the listener's address, by the port; other ports of the same addresses stay open.
func TestGuardRefusesOwnListeners(t *testing.T) {
	local := localInterfaceAddr(t)
	list := "127.0.0.0/8,::1,0.0.0.0,::,localhost,own.example"
	if local != "" {
		list += "," + local
	}
	allow, err := egress.ParseAllow(list)
	if err != nil {
		t.Fatal(err)
	}
	dns := newFakeDNS(map[string][]string{"own.example": {"127.0.0.1"}, "localhost": {"127.0.0.1", "::1"}})
	g := egress.Guard{Allow: allow, Resolver: dns, Self: []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:8080")}}
	cases := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080/metrics", false},
		{"http://127.0.0.2:8080/metrics", false},
		{"http://[::1]:8080/metrics", false},
		{"http://[::ffff:127.0.0.1]:8080/metrics", false},
		{"http://0.0.0.0:8080/metrics", false},
		{"http://[::]:8080/metrics", false},
		{"http://127.0.0.1:8081/metrics", true}, // another port: the allow-list decides
		{"http://127.0.0.1/", true},
		{"http://own.example:8080/", true}, // an allowed name is checked when dialing (below)
	}
	if local != "" {
		cases = append(cases, struct {
			url string
			ok  bool
		}{"http://" + local + ":8080/metrics", false}, struct {
			url string
			ok  bool
		}{"http://" + local + ":8081/", true})
	}
	for _, tc := range cases {
		err := g.CheckURL(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s) = %v; want ok=%v", tc.url, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "WaQtor's own listening addresses") {
			t.Errorf("CheckURL(%s) = %v; want the reason: one of WaQtor's own listening addresses", tc.url, err)
		}
	}
	// Port 80 is the default of http URLs.
	g80 := egress.Guard{Allow: allow, Resolver: dns, Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:80")}}
	if err := g80.CheckURL(context.Background(), "http://127.0.0.1/metrics"); err == nil {
		t.Error("http://127.0.0.1/ passed with a listener on port 80")
	}
}

// At dial time the real address and port are checked: an allowed host name resolving to the own listener, and a
// fetch, are refused; the same server is reached when it is not the product's.
func TestClientRefusesOwnListenerAtDial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("metrics")) }))
	defer srv.Close()
	own := netip.MustParseAddrPort(srv.Listener.Addr().String())
	allow, err := egress.ParseAllow("127.0.0.1,own.example")
	if err != nil {
		t.Fatal(err)
	}
	dns := newFakeDNS(map[string][]string{"own.example": {"127.0.0.1"}})
	viaName := withHost(t, srv.URL, "own.example")

	open := egress.NewClient(egress.Guard{Allow: allow, Resolver: dns}, "1")
	if resp := open.Send(context.Background(), egress.Request{URL: viaName, Body: []byte(`{}`)}); resp.Err != nil || resp.StatusCode != 200 {
		t.Fatalf("without Self the allowed server answers: %+v", resp)
	}

	guarded := egress.NewClient(egress.Guard{Allow: allow, Resolver: dns, Self: []netip.AddrPort{own}}, "1")
	resp := guarded.Send(context.Background(), egress.Request{URL: viaName, Body: []byte(`{}`)})
	if ae, ok := resp.Err.(*apperr.Error); !ok || !strings.Contains(ae.Message, "own listening addresses") {
		t.Fatalf("delivery to the own listener by an allowed name: %+v; want refused at dial", resp)
	}
	var buf bytes.Buffer
	_, _, err = guarded.Fetch(context.Background(), srv.URL+"/metrics", 1<<20, &buf)
	if ae, ok := err.(*apperr.Error); !ok || ae.Code != apperr.Validation || !strings.Contains(ae.Message, "own listening addresses") || buf.Len() != 0 {
		t.Fatalf("fetch of the own /metrics: %v (%q); want the guard's refusal and no body", err, buf.String())
	}
	_, _, err = guarded.Fetch(context.Background(), viaName+"/metrics", 1<<20, &buf)
	if ae, ok := err.(*apperr.Error); !ok || !strings.Contains(ae.Message, "own listening addresses") || buf.Len() != 0 {
		t.Fatalf("fetch of the own /metrics by an allowed name: %v (%q); want refused at dial", err, buf.String())
	}
	n, ct, err := open.Fetch(context.Background(), srv.URL+"/metrics", 1<<20, &buf)
	if err != nil || n != 7 || buf.String() != "metrics" || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("fetch without Self: %d %q %v %q", n, ct, err, buf.String())
	}
}
