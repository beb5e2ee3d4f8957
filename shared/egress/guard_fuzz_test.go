package egress_test

import (
	"context"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/egress"
)

// FuzzCheckURL checks the endpoint URL guard on any input, with a resolver that answers every name with a public
// address: it never panics; a refusal is a validation error on the one field "url" whose message does not repeat
// "url:"; and what it accepts is an http or https URL with a host, no user name or password, a valid port, and,
// when the host is an IP address, a public one.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/hooks/waqtor", "http://example.com:8080/x?y=1#frag", "HTTPS://EXAMPLE.COM./path",
		"ftp://example.com/", "http://user:pass@example.com/", "http://user@example.com/", "http://evil.com\\@127.0.0.1/",
		"http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://2130706433/", "http://0x7f.1/",
		"http://0177.0.0.1/", "http://127.1/", "http://localhost./", "http://a.localhost/", "http://[fe80::1%25eth0]/",
		"http://example.com:0/", "http://example.com:/", "https://@example.com/", "https://:@example.com/",
		"http://169.254.169.254/latest/meta-data/", "https://example.com:443@evil.com/", "//example.com", "http:example.com",
		"https://xn--nxasmq6b.example/", "http://①②⑦.0.0.1/", "https://exa%6dple.com/", "https://127.0.0.1%2f@x/",
	} {
		f.Add(s)
	}
	g := egress.Guard{Resolver: publicDNS{}}
	f.Fuzz(func(t *testing.T, raw string) {
		err := g.CheckURL(context.Background(), raw)
		if err != nil {
			var fe apperr.Fields
			if !fe.AddErr(err) || len(fe) != 1 || fe[0].Field != "url" {
				t.Fatalf("CheckURL(%q) error %v is not a validation error on url", raw, err)
			}
			if strings.HasPrefix(fe[0].Message, "url:") {
				t.Fatalf("CheckURL(%q) message %q repeats the field", raw, fe[0].Message)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("CheckURL accepted %q, which net/url refuses: %v", raw, perr)
		}
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			t.Fatalf("CheckURL accepted %q with scheme %q", raw, u.Scheme)
		case u.User != nil:
			t.Fatalf("CheckURL accepted %q with credentials", raw)
		case u.Hostname() == "":
			t.Fatalf("CheckURL accepted %q without a host", raw)
		case strings.ContainsAny(u.Host, "@\\"):
			t.Fatalf("CheckURL accepted %q whose host is %q", raw, u.Host)
		}
		if ip, err := netip.ParseAddr(strings.TrimSuffix(u.Hostname(), ".")); err == nil {
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() ||
				ip.IsInterfaceLocalMulticast() || ip.IsLinkLocalMulticast() {
				t.Fatalf("CheckURL accepted %q, whose address %s is not public", raw, ip)
			}
		}
	})
}

// publicDNS answers every name with a public address, so the fuzzer explores the URL checks, not the resolver.
type publicDNS struct{}

func (publicDNS) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
}
