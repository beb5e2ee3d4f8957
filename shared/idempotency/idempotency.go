// Package idempotency makes POST requests safe to retry: the first response to an Idempotency-Key is kept for a
// day and replayed to a retry with the same request; the same key with a different request is a conflict.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// LockTimeout is how long an unfinished first request holds its key; after it, a retry runs again (the first one
// is presumed dead).
const LockTimeout = time.Minute

// MaxKeyLength bounds the header value.
const MaxKeyLength = 255

// Record is one remembered request. Done is false while the first request is still being served.
type Record struct {
	TenantID    string
	Key         string
	RequestHash string
	Done        bool
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store keeps records per tenant.
type Store interface {
	// Begin stores rec if no live record has its tenant and key, and returns (rec, true). Otherwise it returns the
	// live record and false. An expired record counts as absent and is replaced.
	Begin(ctx context.Context, rec Record) (Record, bool, error)
	// Complete stores the response of a begun record.
	Complete(ctx context.Context, tenantID, key string, status int, contentType string, body []byte) error
	// Release forgets a begun record (the request failed in a way that should not be replayed).
	Release(ctx context.Context, tenantID, key string) error
}

// RequestHash identifies a request by method, path, query and body.
func RequestHash(method, path, query string, body []byte) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(method), []byte(path), []byte(query)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

var (
	// ErrKeyReused: the key was used with a different request.
	ErrKeyReused = &apperr.Error{Code: apperr.Conflict, Message: "this Idempotency-Key was used with a different request"}
	// ErrInProgress: the first request with this key has not finished.
	ErrInProgress = &apperr.Error{Code: apperr.Conflict, Message: "a request with this Idempotency-Key is still in progress"}
)
