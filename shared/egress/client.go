package egress

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxIdleConnsPerHost is how many idle connections to one host the Client keeps: a webhook endpoint with that
// many deliveries at once (webhook.MaxConcurrencyLimit) reuses them all.
const MaxIdleConnsPerHost = 50

// MaxResponse is how much of an answer's body a delivery keeps (for the delivery log).
const MaxResponse = 2 << 10

// DefaultTimeout bounds a request whose Request.Timeout is zero (the seed's WEBHOOK_TIMEOUT).
const DefaultTimeout = 10 * time.Second

// Client is the product's one way out to addresses a tenant names (webhook endpoints, media URLs): an HTTP client
// that can reach only what the Guard allows; webhook's Sender. Its dialer resolves
// the host itself, checks every address with the Guard and connects to the checked address, so a DNS answer that
// changes between the check and the connection (DNS rebinding) cannot redirect it; TLS still verifies the
// certificate against the URL's host name (and sends it as SNI). It never follows redirects (a 3xx is returned
// as the answer), ignores proxy settings in the environment, bounds each request by Request.Timeout, keeps at
// most MaxResponse bytes of the answer, and logs nothing (bodies and URLs can hold secrets).
type Client struct {
	guard     Guard
	userAgent string
	roots     *x509.CertPool
	http      *http.Client
}

// NewClient returns a Client whose requests carry "User-Agent: WaQtor-Webhook/<userAgentVersion>" unless the
// request sets one.
func NewClient(g Guard, userAgentVersion string) *Client {
	c := &Client{guard: g, userAgent: "WaQtor-Webhook/" + userAgentVersion}
	c.http = c.newHTTP()
	return c
}

// WithRootCAs returns a Client that trusts only these certificate authorities (a private CA of internal
// receivers, or a test server's).
func (c *Client) WithRootCAs(pool *x509.CertPool) *Client {
	n := &Client{guard: c.guard, userAgent: c.userAgent, roots: pool}
	n.http = n.newHTTP()
	return n
}

func (c *Client) newHTTP() *http.Client {
	t := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, past the guard
		DialContext:            c.dial,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: c.roots},
	}
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// dial connects to the first reachable address of the host that the guard allows; a refused address fails the
// whole dial with the guard's *apperr.Error.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port: %w", addr, err)
	}
	ips, err := c.guard.addrs(ctx, strings.ToLower(host), uint16(n), true)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var errs []error
	for _, ip := range ips {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// Send posts r.Body to r.URL with r.Header. A Response with Err set means no HTTP answer came: the URL or an
// address was refused (a *apperr.Error), DNS, connection or TLS failed, or Request.Timeout passed.
func (c *Client) Send(ctx context.Context, r Request) Response {
	start := time.Now()
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) Response { return Response{Err: err, Duration: time.Since(start)} }
	if _, err := parseEndpoint(r.URL); err != nil {
		return fail(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return fail(fmt.Errorf("build request: %w", unwrapURLError(err)))
	}
	if r.Header != nil {
		req.Header = r.Header.Clone()
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		err = unwrapURLError(err)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("no answer within %s: %w", timeout, err)
		}
		return fail(err)
	}
	defer resp.Body.Close()
	// The answer counts once the status line is in; a body cut short by the timeout is kept as far as it came.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	return Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body, Duration: time.Since(start)}
}

// unwrapURLError drops the "Post \"https://...\":" prefix: URLs can hold tokens, and Attempt.Error is shown in
// the delivery log.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
