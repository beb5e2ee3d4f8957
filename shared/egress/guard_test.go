package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/egress"
)

// fakeDNS answers from a table; a name not in it does not resolve. Set may change an answer while in use, as a
// DNS rebinding attacker would.
type fakeDNS struct {
	mu      sync.Mutex
	answers map[string][]string
	lookups map[string]int
}

func newFakeDNS(answers map[string][]string) *fakeDNS {
	return &fakeDNS{answers: answers, lookups: map[string]int{}}
}

func (f *fakeDNS) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups[host]++
	if network != "ip" {
		return nil, fmt.Errorf("fake dns: network %q", network)
	}
	var out []netip.Addr
	for _, a := range f.answers[host] {
		out = append(out, netip.MustParseAddr(a))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	return out, nil
}

func (f *fakeDNS) Set(host string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[host] = addrs
}

func (f *fakeDNS) Lookups(host string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups[host]
}

var ssrfDNS = map[string][]string{
	"example.com":              {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
	"hooks.example.com":        {"203.0.114.10"},
	"localtest.me":             {"127.0.0.1"},
	"127.0.0.1.nip.io":         {"127.0.0.1"},
	"metadata.google.internal": {"169.254.169.254"},
	"mixed.example.com":        {"93.184.215.14", "10.0.0.7"},
	"v6only.example.com":       {"2606:4700::6810:84e5"},
	"ula.example.com":          {"fd12:3456:789a::1"},
	"mapped.example.com":       {"::ffff:192.168.1.1"},
	"rebind.example.com":       {"93.184.215.15"},
	"receiver.internal":        {"10.1.2.3"},
	"a.corp.example":           {"192.168.7.7"},
}

func TestGuardCheckURL(t *testing.T) {
	g := egress.Guard{Resolver: newFakeDNS(ssrfDNS)}
	for _, tc := range []struct {
		url  string
		want string // "" accepted, else a substring of the refusal
	}{
		// accepted
		{"https://example.com/hooks/waqtor", ""},
		{"http://example.com:8080/x?y=1#frag", ""},
		{"https://hooks.example.com:8443/", ""},
		{"https://v6only.example.com/", ""},
		{"http://93.184.215.14/", ""},
		{"http://[2606:4700::6810:84e5]:443/", ""},
		{"http://[::ffff:93.184.215.14]/", ""}, // mapped public
		{"http://[64:ff9b::5db8:d70e]/", ""},   // NAT64 of 93.184.215.14
		{"http://[2002:5db8:d70e::1]/", ""},    // 6to4 of 93.184.215.14
		{"HTTPS://EXAMPLE.COM./path", ""},      // case and trailing dot
		// shape
		{"ftp://example.com/", `not "ftp"`},
		{"file:///etc/passwd", `not "file"`},
		{"gopher://example.com:25/", `not "gopher"`},
		{"//example.com/x", `not ""`},
		{"http:example.com", "has no host"},
		{"http:///path", "has no host"},
		{"http://user:pass@example.com/", "user name or password"},
		{"http://user@example.com/", "user name or password"},
		{"http://evil.com\\@127.0.0.1/", "is not a URL"},
		{"http://example.com:99999/", `invalid port "99999"`},
		{"http://example.com:0/", `invalid port "0"`},
		{"http://example.com:/", `invalid port ""`},
		{"http://[::1/", "is not a URL"},
		{"http://exa mple.com/", "is not a URL"},
		{"http://" + strings.Repeat("a", 2050) + ".com/", "longer than 2048"},
		{"http://①②⑦.0.0.1/", "xn--"},
		{"http://nowhere.example/", "does not resolve"},
		// loopback, private and friends as literals
		{"http://127.0.0.1/", "address 127.0.0.1 is a loopback address"},
		{"http://127.255.0.9:8080/", "loopback"},
		{"http://[::1]/", "address ::1 is a loopback address"},
		{"http://0.0.0.0/", "unspecified"},
		{"http://0.1.2.3/", `"this network"`},
		{"http://[::]/", "unspecified"},
		{"http://10.0.0.1/", "private"},
		{"http://172.16.0.1/", "private"},
		{"http://172.31.255.255/", "private"},
		{"http://172.32.0.1/", ""},
		{"http://192.168.1.1/", "private"},
		{"http://100.64.0.1/", "carrier-grade NAT"},
		{"http://100.100.100.200/", "carrier-grade NAT"}, // Alibaba metadata
		{"http://169.254.1.1/", "link-local"},
		{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
		{"http://[fd00:ec2::254]/", "cloud metadata"},
		{"http://192.0.0.192/", "IETF protocol assignment"}, // Oracle Cloud metadata
		{"http://[fe80::1]/", "link-local"},
		{"http://[fe80::1%25eth0]/", "link-local"},
		{"http://[fc00::1]/", "unique local"},
		{"http://[fd12:3456::1]/", "unique local"},
		{"http://224.0.0.1/", "multicast"},
		{"http://[ff02::1]/", "multicast"},
		{"http://255.255.255.255/", "broadcast"},
		{"http://240.0.0.1/", "reserved"},
		{"http://192.0.2.1/", "documentation"},
		{"http://198.51.100.1/", "documentation"},
		{"http://203.0.113.1/", "documentation"},
		{"http://[2001:db8::1]/", "documentation"},
		{"http://198.18.0.1/", "benchmarking"},
		{"http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"},
		{"http://[100::1]/", "discard-only"},
		{"http://[::8.8.8.8]/", "deprecated IPv4-compatible"},
		// IPv4 inside IPv6
		{"http://[::ffff:127.0.0.1]/", "IPv4-mapped form of 127.0.0.1, a loopback address"},
		{"http://[::ffff:7f00:1]/", "IPv4-mapped form of 127.0.0.1, a loopback address"},
		{"http://[::ffff:169.254.169.254]/", "IPv4-mapped form of 169.254.169.254, a cloud metadata address"},
		{"http://[::7f00:1]/", "IPv4-compatible form of 127.0.0.1, a loopback address"},
		{"http://[::127.0.0.1]/", "IPv4-compatible form of 127.0.0.1"},
		{"http://[64:ff9b::a00:1]/", "NAT64 form of 10.0.0.1, a private address"},
		{"http://[64:ff9b::7f00:1]/", "NAT64 form of 127.0.0.1, a loopback address"},
		{"http://[64:ff9b:1::1]/", "local-use NAT64"},
		{"http://[2002:c0a8:101::1]/", "6to4 form of 192.168.1.1, a private address"},
		{"http://[2002:7f00:1::]/", "6to4 form of 127.0.0.1"},
		// numeric forms that are IPv4 to browsers and getaddrinfo
		{"http://2130706433/", "numeric IPv4 form"},
		{"http://0177.0.0.1/", "numeric IPv4 form"},
		{"http://0x7f.1/", "numeric IPv4 form"},
		{"http://0x7f000001/", "numeric IPv4 form"},
		{"http://127.1/", "numeric IPv4 form"},
		{"http://127.0.1/", "numeric IPv4 form"},
		{"http://127.000.000.001/", "numeric IPv4 form"},
		{"http://0/", "numeric IPv4 form"},
		{"http://1.2.3.4.5/", "numeric IPv4 form"},
		{"http://127.0.0.1./", "loopback"},
		// names
		{"http://localhost/", "host localhost is a loopback name"},
		{"http://LOCALHOST:3000/", "loopback name"},
		{"http://api.localhost/", "loopback name"},
		{"http://localtest.me/", "host localtest.me resolves to 127.0.0.1, a loopback address"},
		{"http://127.0.0.1.nip.io/", "resolves to 127.0.0.1, a loopback address"},
		{"http://metadata.google.internal/computeMetadata/v1/", "resolves to 169.254.169.254, a cloud metadata address"},
		{"http://mixed.example.com/", "resolves to 10.0.0.7, a private address"},
		{"http://ula.example.com/", "unique local"},
		{"http://mapped.example.com/", "IPv4-mapped form of 192.168.1.1, a private address"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			err := g.CheckURL(context.Background(), tc.url)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want == "":
				return
			case err == nil:
				t.Fatalf("accepted; want a refusal with %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q; want it to contain %q", err, tc.want)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Validation || !strings.HasPrefix(ae.Message, "url: ") {
				t.Fatalf("error %#v; want *apperr.Error validation_failed on field url", err)
			}
		})
	}
}

func TestGuardAllowList(t *testing.T) {
	allow, err := egress.ParseAllow(" 127.0.0.1, 10.1.0.0/16 ,receiver.internal,*.corp.example,fd00::/8,,LOCALHOST")
	if err != nil {
		t.Fatal(err)
	}
	dns := newFakeDNS(ssrfDNS)
	g := egress.Guard{Allow: allow, Resolver: dns}
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:9000/", true},
		{"http://[::ffff:127.0.0.1]/", true}, // the mapped form of an allowed address
		{"http://127.0.0.2/", false},
		{"http://10.1.200.3/", true},
		{"http://10.2.0.1/", false},
		{"http://receiver.internal/", true},
		{"http://x.receiver.internal/", false},
		{"http://a.corp.example/", true},
		{"http://corp.example/", false},
		{"http://[fd12:3456::1]/", true},
		{"http://localhost/", true},
		{"http://localtest.me/", true}, // resolves to the allowed 127.0.0.1
		{"http://169.254.169.254/", false},
		{"http://0x7f.1/", false}, // numeric forms stay refused
		{"http://example.com/", true},
	} {
		err := g.CheckURL(context.Background(), tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%s) = %v; want ok=%v", tc.url, err, tc.ok)
		}
	}
	if n := dns.Lookups("receiver.internal"); n != 0 {
		t.Errorf("an allowed host name was looked up %d times at create time; want 0", n)
	}
}

func TestParseAllow(t *testing.T) {
	for _, tc := range []struct {
		in       string
		prefixes int
		hosts    []string
		err      string
	}{
		{in: ""},
		{in: " , ,"},
		{in: "10.0.0.0/8,192.168.1.5,::1", prefixes: 3},
		{in: "10.1.2.3/8", prefixes: 1},
		{in: "Hooks.Internal.,*.corp.example", hosts: []string{"hooks.internal", "*.corp.example"}},
		{in: "10.0.0.0/33", err: `"10.0.0.0/33" is not a CIDR`},
		{in: "example.com,http://x", err: `"http://x" is not a CIDR`},
		{in: "example.com,ftp:x", err: `"ftp:x" is not a CIDR, an IP address or a host name`},
		{in: "exa mple.com", err: "is not a CIDR, an IP address or a host name"},
		{in: "0x7f.1", err: "is not a CIDR, an IP address or a host name"},
		{in: "*", err: "is not a CIDR, an IP address or a host name"},
		// every bad entry at once (issue 8 item 15), each line naming the variable
		{in: "10.0.0.0/33,ok.example,bad host", err: `"10.0.0.0/33" is not a CIDR`},
		{in: "10.0.0.0/33,ok.example,bad host", err: "\nWAQTOR_WEBHOOK_ALLOW: \"bad host\" is not a CIDR, an IP address or a host name"},
	} {
		a, err := egress.ParseAllow(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "WAQTOR_WEBHOOK_ALLOW") {
				t.Errorf("ParseAllow(%q) error %v; want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseAllow(%q): %v", tc.in, err)
		case len(a.Prefixes) != tc.prefixes || strings.Join(a.Hosts, ",") != strings.Join(tc.hosts, ","):
			t.Errorf("ParseAllow(%q) = %+v; want %d prefixes and hosts %v", tc.in, a, tc.prefixes, tc.hosts)
		}
	}
	a, err := egress.ParseAllow("10.1.2.3/8")
	if err != nil || a.Prefixes[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("ParseAllow masks prefixes: %v %v", a, err)
	}
}
