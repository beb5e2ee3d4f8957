package whatsapp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/socket"

	"github.com/waqtor/waqtor/shared/session"
)

// unreachable classifies a connect error: a *session.UnreachableError naming the cause when WhatsApp's servers
// could not be reached (the name did not resolve, the connection was refused, TLS or the proxy failed, it timed
// out, another network failure), nil for anything else (WhatsApp answered, but refused or failed the login).
func unreachable(err error) *session.UnreachableError {
	if err == nil {
		return nil
	}
	var (
		op     *net.OpError
		dns    *net.DNSError
		verify *tls.CertificateVerificationError
		header tls.RecordHeaderError
		alert  tls.AlertError
		unkCA  x509.UnknownAuthorityError
		host   x509.HostnameError
		invCA  x509.CertificateInvalidError
		nerr   net.Error
	)
	switch {
	case errors.As(err, &op) && (op.Op == "proxyconnect" || op.Op == "socks connect"):
		return &session.UnreachableError{Cause: session.CauseProxy, Err: op}
	case errors.As(err, &dns):
		return &session.UnreachableError{Cause: session.CauseDNS, Err: dns}
	case errors.As(err, &verify):
		return &session.UnreachableError{Cause: session.CauseTLS, Err: verify}
	case errors.As(err, &unkCA), errors.As(err, &host), errors.As(err, &invCA), errors.As(err, &header), errors.As(err, &alert):
		return &session.UnreachableError{Cause: session.CauseTLS, Err: innermostOp(err)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &session.UnreachableError{Cause: session.CauseRefused, Err: innermostOp(err)}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT),
		errors.As(err, &nerr) && nerr.Timeout():
		return &session.UnreachableError{Cause: session.CauseTimeout, Err: innermostOp(err)}
	case errors.As(err, &nerr), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, socket.ErrDialFailed):
		return &session.UnreachableError{Cause: session.CauseNetwork, Err: innermostOp(err)}
	}
	return nil
}

// innermostOp is the network operation that failed ("dial tcp 127.0.0.1:9: connect: connection refused"), or err
// when there is none.
func innermostOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}

// classified is err with its unreachable cause attached when it has one.
func classified(err error) error {
	if ue := unreachable(err); ue != nil {
		return ue
	}
	return err
}

// maxReconnectSteps caps whatsmeow's reconnect backoff: it waits AutoReconnectErrors × reconnectStep before each
// attempt (0 s, 2 s, 4 s, …), so 30 steps is one minute at most between attempts of a long outage.
const (
	reconnectStep      = 2 * time.Second
	maxReconnectSteps  = 30
	reconnectFailedMsg = "reconnect failed: "
)

// reconnectFailed is whatsmeow's AutoReconnectHook on the long-lived client: a reconnect attempt failed and
// whatsmeow tries again after AutoReconnectErrors × reconnectStep. It reports Reconnecting with the cause and the
// next attempt's time, and keeps that status for a late events.Disconnected of the same outage. It runs on
// whatsmeow's reconnect goroutine, the only one that reads AutoReconnectErrors while reconnecting.
func (c *Client) reconnectFailed(wa *whatsmeow.Client, err error) bool {
	if c.current() != wa || c.isStopped() {
		return true
	}
	if wa.AutoReconnectErrors > maxReconnectSteps {
		wa.AutoReconnectErrors = maxReconnectSteps
	}
	st := session.StatusChanged{Status: session.Reconnecting, Reason: reconnectFailedMsg + err.Error(),
		NextRetryAt: time.Now().Add(time.Duration(wa.AutoReconnectErrors) * reconnectStep)}
	if ue := unreachable(err); ue != nil {
		st.Cause, st.Reason = ue.Cause, ue.Error()
	}
	c.mu.Lock()
	c.outage = &st
	c.mu.Unlock()
	_ = c.emit(c.lifetime(), st)
	return true
}
