// Package idempotency makes POST requests safe to retry: the first response to an Idempotency-Key is kept for a
// day and replayed to a retry of the same request by the same caller; the same key with a different request is
// refused with idempotency_key_reused, naming what differs.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// LockTimeout is how long an unfinished first request holds its key; after it, a retry runs again (the first one
// is presumed dead).
const LockTimeout = time.Minute

// MaxKeyLength bounds the header value.
const MaxKeyLength = 255

// Scope names one remembered key. Keys are per caller, never per tenant only: a key of another caller of the same
// tenant is another record, so nobody can replay a response that was sent to someone else.
type Scope struct {
	TenantID string
	// Caller is who sent the request: the API key's ID, or the user's ID for a dashboard login.
	Caller string
	// Key is the Idempotency-Key header.
	Key string
}

// Fingerprint identifies a request: what a retry must repeat exactly.
type Fingerprint struct {
	Method string
	// Path is the request's path with its query ("/api/keys?x=1").
	Path string
	// BodyHash is the hex SHA-256 of the canonical body (CanonicalBody).
	BodyHash string
}

// Record is one remembered request. Done is false while the first request is still being served.
type Record struct {
	Scope
	Fingerprint
	Done        bool
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps records per scope (tenant, caller, key).
type Store interface {
	// Begin stores rec if no live record has its scope, and returns (rec, true). Otherwise it returns the live
	// record and false. An expired record counts as absent and is replaced.
	Begin(ctx context.Context, rec Record) (Record, bool, error)
	// Complete stores the response of a begun record.
	Complete(ctx context.Context, s Scope, status int, contentType string, body []byte) error
	// Release forgets a begun record (the request failed in a way that should not be replayed).
	Release(ctx context.Context, s Scope) error
}

// NewFingerprint is the fingerprint of a request: method, path with query, and the SHA-256 of the canonical body.
func NewFingerprint(method, path, query string, body []byte) Fingerprint {
	if query != "" {
		path += "?" + query
	}
	sum := sha256.Sum256(CanonicalBody(body))
	return Fingerprint{Method: method, Path: path, BodyHash: hex.EncodeToString(sum[:])}
}

// canonicalLimit is the largest body CanonicalBody re-encodes; a larger one (a media upload) is compared byte for
// byte rather than decoded a second time.
const canonicalLimit = 1 << 20

// CanonicalBody is body with the differences that do not change its meaning removed: a JSON body is compacted
// with its object keys sorted and its strings unescaped the same way, so a client that re-serialises a retry
// (another key order, other whitespace) still matches. Any other body (not valid UTF-8 JSON, multipart, over
// 1 MiB, …) is compared byte for byte.
func CanonicalBody(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || len(trimmed) > canonicalLimit || !utf8.Valid(trimmed) || !json.Valid(trimmed) {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// Diff names what differs between the request that first used a key (f) and a later one (g): "method", "path"
// and "body", in that order; nil when they are the same request.
func (f Fingerprint) Diff(g Fingerprint) []string {
	var d []string
	if f.Method != g.Method {
		d = append(d, "method")
	}
	if f.Path != g.Path {
		d = append(d, "path")
	}
	if f.BodyHash != g.BodyHash {
		d = append(d, "body")
	}
	return d
}

// ReusedError is the error of a key reused with another request; differs comes from Fingerprint.Diff.
func ReusedError(differs []string) *apperr.Error {
	return apperr.New(apperr.IdempotencyKeyReused,
		"this Idempotency-Key was already used with a different request (different %s); use a new key for a new request",
		strings.Join(differs, ", ")).WithDetails(map[string]any{"differs": differs})
}

// ErrInProgress: the first request with this key has not finished.
var ErrInProgress = &apperr.Error{Code: apperr.Conflict, Message: "a request with this Idempotency-Key is still in progress"}
