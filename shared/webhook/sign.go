package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a delivery. http.Header stores them canonicalized ("Webhook-Id"); HTTP names are
// case-insensitive, so receivers may read them as webhook-id.
const (
	// HeaderSignature is the seed's signature: "sha256=" + hex HMAC-SHA256 of the body, keyed with the whole
	// secret string.
	HeaderSignature = "X-Waqtor-Signature"
	HeaderEvent     = "X-Waqtor-Event"
	// HeaderDelivery is the delivery ID, equal to webhook-id.
	HeaderDelivery = "X-Waqtor-Delivery"
	// HeaderSequence is the delivery's sequence number for its endpoint (1, 2, 3, ...).
	HeaderSequence = "X-Waqtor-Sequence"
	// Standard Webhooks (https://www.standardwebhooks.com): webhook-signature is "v1,<base64 HMAC-SHA256 of
	// id.timestamp.body>", one entry per active secret, separated by spaces.
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// SecretPrefix starts every generated secret; the Standard Webhooks key is the base64-decoded rest.
const SecretPrefix = "whsec_"

// NewSecret returns a new signing secret: "whsec_" and the standard base64 of 24 random bytes.
func NewSecret() string {
	key := make([]byte, 24)
	rand.Read(key) // never fails (crypto/rand aborts the program instead)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// Sign returns the signature headers of one attempt: X-Waqtor-Signature with the newest secret active at now,
// and the Standard Webhooks webhook-id (id), webhook-timestamp (ts in Unix seconds) and webhook-signature with one
// "v1," entry per secret active at now (a secret is active until its ExpiresAt), in the order given. During a
// rotation both the new and the old secret sign, so a receiver holding either accepts the delivery. With no
// active secret, only webhook-id and webhook-timestamp are set.
//
// body must be the exact bytes sent. ts is the attempt's time (receivers refuse stale timestamps, so every retry
// and replay is signed afresh); now decides which secrets are active.
func Sign(body []byte, id string, ts time.Time, secrets []Secret, now time.Time) http.Header {
	h := http.Header{}
	unix := strconv.FormatInt(ts.Unix(), 10)
	h.Set(HeaderWebhookID, id)
	h.Set(HeaderWebhookTimestamp, unix)
	var newest *Secret
	var sigs []string
	for i, s := range secrets {
		if !s.active(now) {
			continue
		}
		if newest == nil || s.CreatedAt.After(newest.CreatedAt) {
			newest = &secrets[i]
		}
		mac := hmac.New(sha256.New, StandardKey(s.Value))
		mac.Write([]byte(id + "." + unix + "."))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	if newest == nil {
		return h
	}
	mac := hmac.New(sha256.New, []byte(newest.Value))
	mac.Write(body)
	h.Set(HeaderSignature, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	h.Set(HeaderWebhookSignature, strings.Join(sigs, " "))
	return h
}

// active reports whether s still signs at now.
func (s Secret) active(now time.Time) bool { return s.ExpiresAt == nil || now.Before(*s.ExpiresAt) }

// StandardKey returns the Standard Webhooks HMAC key of a secret: the base64-decoded part after "whsec_", or, for
// a secret without that prefix (or whose rest is not standard base64), the secret's own bytes. Receivers using a
// Standard Webhooks library pass such a secret in its "raw" format.
func StandardKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, SecretPrefix); ok {
		if key, err := base64.StdEncoding.DecodeString(rest); err == nil && len(key) > 0 {
			return key
		}
	}
	return []byte(secret)
}

// Headers returns every header of an attempt of d to w at now: the endpoint's own headers, then Content-Type,
// User-Agent ("WaQtor-Webhook/" + version), X-Waqtor-Event, X-Waqtor-Delivery, X-Waqtor-Sequence and the
// signature headers of Sign. WaQtor's headers win over an endpoint header of the same name.
func Headers(w Webhook, d Delivery, version string, now time.Time) http.Header {
	h := http.Header{}
	for k, v := range w.Headers {
		if !ReservedHeader(k) {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "WaQtor-Webhook/"+version)
	h.Set(HeaderEvent, d.Event)
	h.Set(HeaderDelivery, d.ID)
	h.Set(HeaderSequence, strconv.FormatInt(d.Seq, 10))
	for k, v := range Sign(d.Body, d.ID, now, w.Secrets, now) {
		h[k] = v
	}
	return h
}

// ReservedHeader reports whether an endpoint may not set the header: WaQtor sets it (Content-Type, User-Agent,
// X-Waqtor-*, Webhook-*), or HTTP itself does (Host, Content-Length, hop-by-hop headers). The API refuses such
// names when an endpoint is created or changed.
func ReservedHeader(name string) bool {
	n := http.CanonicalHeaderKey(strings.TrimSpace(name))
	switch n {
	case "Content-Type", "User-Agent", "Host", "Content-Length", "Content-Encoding", "Transfer-Encoding",
		"Connection", "Keep-Alive", "Te", "Trailer", "Upgrade", "Expect", "Proxy-Authorization",
		"Proxy-Connection":
		return true
	}
	return strings.HasPrefix(n, "X-Waqtor-") || strings.HasPrefix(n, "Webhook-")
}
