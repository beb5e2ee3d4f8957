package session

import "fmt"

// Causes of a session that cannot reach WhatsApp's servers (UnreachableError.Cause, StatusChanged.Cause).
const (
	CauseDNS     = "dns"     // WhatsApp's host name does not resolve
	CauseRefused = "refused" // the connection was refused (nothing listens, or a firewall rejects it)
	CauseTLS     = "tls"     // the TLS handshake or the certificate check failed
	CauseProxy   = "proxy"   // the proxy could not be reached or refused to connect
	CauseTimeout = "timeout" // no answer in time
	CauseNetwork = "network" // another network failure (network unreachable, connection reset, …)
)

// causeText says what each cause means, for people.
var causeText = map[string]string{
	CauseDNS:     "DNS lookup failed",
	CauseRefused: "connection refused",
	CauseTLS:     "TLS handshake failed",
	CauseProxy:   "proxy error",
	CauseTimeout: "connection timed out",
	CauseNetwork: "network error",
}

// UnreachableError is a connect that failed because WhatsApp's servers could not be reached; the WhatsApp adapter
// classifies the dial error into Cause. Err is the failure itself (it names the host or address, never a secret).
type UnreachableError struct {
	Cause string
	Err   error
}

// Error is the reason recorded on the session: "cannot reach WhatsApp (dns: DNS lookup failed): lookup …".
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach WhatsApp (%s: %s): %v", e.Cause, causeText[e.Cause], e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
