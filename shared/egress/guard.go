package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// WebhookAllowEnv names the operator's allow-list of webhook destinations the SSRF guard would otherwise refuse. It opens
// webhook deliveries only; media fetches have their own list, MediaFetchAllowEnv.
const WebhookAllowEnv = "WAQTOR_WEBHOOK_ALLOW"

// MediaFetchAllowEnv names the operator's allow-list of media URLs (send-media's media field) the SSRF guard would
// otherwise refuse, in WebhookAllowEnv's syntax.
const MediaFetchAllowEnv = "WAQTOR_MEDIA_FETCH_ALLOW"

// maxURL bounds an endpoint URL.
const maxURL = 2048

// resolveTimeout bounds one host lookup.
const resolveTimeout = 5 * time.Second

// Resolver looks host names up; *net.Resolver is one. Tests inject a fake so they need no DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Allow is the operator's allow-list (WAQTOR_WEBHOOK_ALLOW): addresses and host names webhooks may reach even
// though the guard would refuse them, such as a receiver on the private network.
type Allow struct {
	// Prefixes permit the addresses they contain (IPv4-mapped IPv6 forms included).
	Prefixes []netip.Prefix
	// Hosts permit a host name whatever it resolves to: "hooks.internal" exactly, "*.internal" any name under it.
	Hosts []string
}

// ParseAllow parses a comma-separated list of CIDRs ("10.1.0.0/16"), addresses ("127.0.0.1", "fd00::1") and host
// names ("receiver.internal", "*.corp.example"). Blank entries are ignored; every bad entry is an error naming it (one line each, all at once)
// (and WebhookAllowEnv, the list's usual source; ParseAllowEnv names another).
func ParseAllow(s string) (Allow, error) { return ParseAllowEnv(WebhookAllowEnv, s) }

// ParseAllowEnv is ParseAllow for the list read from the environment variable env, which its errors name.
func ParseAllowEnv(env, s string) (Allow, error) {
	var a Allow
	var errs []error
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
			continue
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a CIDR: %w", env, e, err))
				continue
			}
			a.Prefixes = append(a.Prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(e); err == nil {
				a.Prefixes = append(a.Prefixes, netip.PrefixFrom(ip, ip.BitLen()))
				continue
			}
			name := strings.TrimSuffix(strings.ToLower(e), ".")
			if !validHostName(strings.TrimPrefix(name, "*.")) || looksNumeric(name) {
				errs = append(errs, fmt.Errorf("%s: %q is not a CIDR, an IP address or a host name", env, e))
				continue
			}
			a.Hosts = append(a.Hosts, name)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Allow{}, err
	}
	return a, nil
}

// permitsHost reports whether the host name (lower case, no trailing dot) is on the list.
func (a Allow) permitsHost(host string) bool {
	for _, h := range a.Hosts {
		if h == host || (strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:])) {
			return true
		}
	}
	return false
}

// permitsAddr reports whether an allowed prefix contains ip or its unmapped IPv4 form.
func (a Allow) permitsAddr(ip netip.Addr) bool {
	ip = ip.WithZone("")
	for _, p := range a.Prefixes {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// Guard keeps webhooks and media fetches from reaching the platform's own network: loopback, private, link-local,
// CGNAT, cloud metadata, multicast, reserved and documentation addresses, in any IPv4-in-IPv6 disguise, unless the
// operator's Allow permits them; and, whatever Allow says, from the product's own listeners (Self). CheckURL runs
// when an endpoint is created or changed and before a media fetch; the Client runs the same checks on the address
// and port it is about to dial, so a host whose DNS answer changes later (DNS rebinding) is still refused.
// The zero Guard allows nothing extra and uses the system resolver.
type Guard struct {
	Allow Allow
	// Self are the addresses the product itself listens on (the API listener, a metrics listener). A request to
	// one of their ports on a loopback address, the unspecified address, any address of a local network interface
	// or the listener's own address is refused even when Allow permits the address: with 127.0.0.1 allowed, a
	// tenant must still not make WaQtor fetch its own /metrics.
	Self []netip.AddrPort
	// Resolver looks host names up; nil means net.DefaultResolver.
	Resolver Resolver
}

// self reports whether ip:port is one of the product's own listeners (see Guard.Self).
func (g Guard) self(ip netip.Addr, port uint16) bool {
	ip = ip.WithZone("").Unmap()
	local := false
	checked := false
	for _, s := range g.Self {
		if s.Port() != port {
			continue
		}
		if ip.IsLoopback() || ip.IsUnspecified() || ip == s.Addr().WithZone("").Unmap() {
			return true
		}
		if !checked {
			local, checked = isLocalAddr(ip), true
		}
		if local {
			return true
		}
	}
	return false
}

// isLocalAddr reports whether ip is an address of one of this machine's network interfaces. An error listing the
// interfaces counts as local: the guard fails closed.
func isLocalAddr(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().WithZone("").Unmap() == ip {
			return true
		}
	}
	return false
}

// urlPort is the port a URL reaches: its explicit port, else the scheme's.
func urlPort(u *url.URL) uint16 {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return uint16(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// CheckURL validates an endpoint URL: http or https, a host, no user info, a valid port, a host name that is not a
// numeric IPv4 form other than a dotted quad (browsers and getaddrinfo read "2130706433", "0177.0.0.1" and
// "0x7f.1" as 127.0.0.1), and a host whose every address is allowed. Errors are *apperr.Error with code
// validation_failed, field "url", and a message naming the reason ("host localtest.me resolves to 127.0.0.1, a
// loopback address").
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := parseEndpoint(raw)
	if err != nil {
		return err
	}
	_, err = g.addrs(ctx, strings.ToLower(u.Hostname()), urlPort(u), false)
	return err
}

// parseEndpoint checks the shape of an endpoint URL.
func parseEndpoint(raw string) (*url.URL, error) {
	if len(raw) > maxURL {
		return nil, refused("is longer than %d characters", maxURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, refused("is not a URL: %v", urlErrText(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, refused("must be an http or https URL, not %q", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return nil, refused("has no host")
	case u.User != nil:
		return nil, refused("must not hold a user name or password")
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, refused("has an invalid port %q", p)
		}
	}
	return u, nil
}

// addrs returns the addresses host may be dialed at on port, or a refusal. A host name on the allow-list is
// resolved only when dialing (not at create time) and its addresses are checked only against the product's own
// listeners.
func (g Guard) addrs(ctx context.Context, host string, port uint16, dialing bool) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if g.self(ip, port) {
			return nil, refusedSelf(host, port)
		}
		if reason := g.refuse(ip); reason != "" {
			return nil, refused("address %s is %s", host, reason)
		}
		return []netip.Addr{ip}, nil
	}
	name := strings.TrimSuffix(host, ".")
	if ip, err := netip.ParseAddr(name); err == nil && ip.Is4() {
		return g.addrs(ctx, name, port, dialing)
	}
	switch {
	case name == "":
		return nil, refused("has no host")
	case !validHostName(name):
		return nil, refused("host %q is not a valid host name (write international names in their xn-- form)", host)
	case looksNumeric(name):
		return nil, refused("host %s is a numeric IPv4 form other than a dotted quad; write the address as a.b.c.d", host)
	case name == "localhost" || strings.HasSuffix(name, ".localhost"):
		if !g.Allow.permitsHost(name) {
			return nil, refused("host %s is a loopback name", host)
		}
	}
	allowed := g.Allow.permitsHost(name)
	if allowed && !dialing {
		return nil, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	ips, err := r.LookupNetIP(ctx, "ip", name)
	if err != nil || len(ips) == 0 {
		return nil, refused("host %s does not resolve", host)
	}
	for _, ip := range ips {
		if g.self(ip, port) {
			return nil, refused("host %s resolves to %s, and port %d there is one of WaQtor's own listening addresses", host, ip, port)
		}
	}
	if !allowed {
		for _, ip := range ips {
			if reason := g.refuse(ip); reason != "" {
				return nil, refused("host %s resolves to %s, %s", host, ip, reason)
			}
		}
	}
	return ips, nil
}

// refuse returns why ip may not be reached ("a loopback address"), or "" when it may.
func (g Guard) refuse(ip netip.Addr) string {
	if g.Allow.permitsAddr(ip) {
		return ""
	}
	return classify(ip.WithZone(""))
}

type blockedRange struct {
	prefix netip.Prefix
	what   string
}

// blocked lists refused ranges, the more specific first.
var blocked = func() []blockedRange {
	var out []blockedRange
	for _, r := range [][2]string{
		{"169.254.169.254/32", "a cloud metadata address"},
		{"fd00:ec2::254/128", "a cloud metadata address"},
		{"0.0.0.0/32", "the unspecified address"},
		{"0.0.0.0/8", `a "this network" address`},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a carrier-grade NAT address"},
		{"127.0.0.0/8", "a loopback address"},
		{"169.254.0.0/16", "a link-local address"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "an IETF protocol assignment address"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a 6to4 relay anycast address"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"255.255.255.255/32", "the broadcast address"},
		{"240.0.0.0/4", "a reserved address"},
		{"::/128", "the unspecified address"},
		{"::1/128", "a loopback address"},
		{"100::/64", "a discard-only address"},
		{"64:ff9b:1::/48", "a local-use NAT64 address"},
		{"2001::/23", "an IETF protocol assignment address (Teredo, benchmarking, ORCHID)"},
		{"2001:db8::/32", "a documentation address"},
		{"3fff::/20", "a documentation address"},
		{"fc00::/7", "a private (unique local) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	} {
		out = append(out, blockedRange{netip.MustParsePrefix(r[0]), r[1]})
	}
	return out
}()

var (
	ipv4Compatible = netip.MustParsePrefix("::/96")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
	globalUnicast  = netip.MustParsePrefix("2000::/3")
)

// classify returns why ip is refused, or "" for a public address. IPv6 forms that embed an IPv4 address
// (mapped, compatible, NAT64, 6to4) are judged by the address they embed.
func classify(ip netip.Addr) string {
	b := ip.As16()
	embedded := func(form string, v4 netip.Addr) string {
		if why := classify(v4); why != "" {
			return fmt.Sprintf("an %s form of %s, %s", form, v4, why)
		}
		return ""
	}
	switch {
	case ip.Is4In6():
		return embedded("IPv4-mapped", ip.Unmap())
	case ip.Is6() && ipv4Compatible.Contains(ip) && !ip.IsUnspecified() && !ip.IsLoopback():
		if why := embedded("IPv4-compatible", netip.AddrFrom4([4]byte(b[12:]))); why != "" {
			return why
		}
		return "a deprecated IPv4-compatible address"
	case nat64.Contains(ip):
		return embedded("NAT64", netip.AddrFrom4([4]byte(b[12:])))
	case sixToFour.Contains(ip):
		return embedded("6to4", netip.AddrFrom4([4]byte(b[2:6])))
	}
	for _, r := range blocked {
		if r.prefix.Contains(ip) {
			return r.what
		}
	}
	if ip.Is6() && !globalUnicast.Contains(ip) {
		return "a reserved address"
	}
	return ""
}

// looksNumeric reports whether a host name ends in a number the way the WHATWG URL standard means it (last label
// all digits, or 0x and hex digits): such hosts are IPv4 addresses to browsers and to getaddrinfo.
func looksNumeric(host string) bool {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	last := labels[len(labels)-1]
	if rest, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// validHostName reports whether name is an ASCII host name: labels of letters, digits, '-' and '_'.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// refusedSelf refuses one of the product's own listeners.
func refusedSelf(host string, port uint16) error {
	return refused("address %s port %d is one of WaQtor's own listening addresses", host, port)
}

// refused is the validation error of an endpoint URL.
func refused(format string, args ...any) error {
	var f apperr.Fields
	f.Add("url", format, args...)
	return f.Err()
}

// urlErrText drops the URL from a url.Error (it may hold credentials).
func urlErrText(err error) string {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err.Error()
	}
	return err.Error()
}
