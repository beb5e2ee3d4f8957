// Package media is the port of the media store, which keeps the files of media messages (incoming downloads and
// outgoing uploads), and the rules every file obeys: key syntax, MIME detection (Sniff) and WhatsApp's size and
// type limits (Check).
//
// Two adapters implement Store: localdisk.MediaStore (standalone, a directory per tenant) and s3.MediaStore (AWS,
// one bucket). Both pass storetest.RunMedia.
package media

import (
	"context"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"time"
)

// Info describes a stored file.
type Info struct {
	// Size is the length in bytes.
	Size int64
	// Mime is the type given to Put.
	Mime string
	// ModTime is when the file was last written (second precision on S3).
	ModTime time.Time
}

// Store keeps files by (tenant, key). Every call is scoped to its tenant: a key of one tenant never reaches another
// tenant's file. Keys and tenant IDs must pass ValidateKey, else the call returns ErrInvalidKey without touching
// the store.
type Store interface {
	// Put stores exactly size bytes read from r under key, replacing any file there. The write is atomic: on any
	// error (including a reader holding more or fewer than size bytes, ErrSizeMismatch) readers keep seeing the
	// old file or none. An empty mime is stored as DefaultMime.
	Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mime string) error
	// Open returns the file for streaming and its Info; the caller closes the reader. A missing file is
	// ErrNotFound.
	Open(ctx context.Context, tenantID, key string) (io.ReadCloser, Info, error)
	// Delete removes the file. Deleting a missing file succeeds, so retries are safe.
	Delete(ctx context.Context, tenantID, key string) error
	// PresignGet returns a URL that lets anyone holding it GET the file for ttl (MinPresignTTL..MaxPresignTTL).
	// It does not check that the file exists. A store that cannot presign returns ErrNoPresign: the API then
	// streams the file from Open itself.
	PresignGet(ctx context.Context, tenantID, key string, ttl time.Duration) (url string, err error)
	// DeleteOlder removes, in every tenant, the files whose key starts with keyPrefix and whose ModTime is before
	// before, and returns how many it removed. It is for housekeeping (expired uploads), not for requests: it may
	// list the whole store. keyPrefix must be a valid key (ValidateKey).
	DeleteOlder(ctx context.Context, keyPrefix string, before time.Time) (int, error)
}

// Limits of the port.
const (
	// MaxKeyLen is the longest key (and tenant ID).
	MaxKeyLen = 200
	// MaxMimeLen is the longest MIME type Put accepts.
	MaxMimeLen = 255
	// DefaultMime is stored when Put gets no MIME type.
	DefaultMime = "application/octet-stream"
	// MinPresignTTL and MaxPresignTTL bound PresignGet's ttl (7 days is SigV4's limit).
	MinPresignTTL = time.Second
	MaxPresignTTL = 7 * 24 * time.Hour
)

var keyPattern = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// ValidateKey checks a key or tenant ID: 1 to MaxKeyLen characters of A-Z a-z 0-9 . _ -, not starting with a dot.
// So no key can be a path ("a/b", "..", ".hidden"), and adapters may use names starting with "." themselves.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > MaxKeyLen:
		return fmt.Errorf("%w: %d characters, at most %d", ErrInvalidKey, len(key), MaxKeyLen)
	case !keyPattern.MatchString(key):
		return fmt.Errorf("%w: %q: want A-Z a-z 0-9 . _ - only, not starting with a dot", ErrInvalidKey, key)
	}
	return nil
}

// ValidateScope checks a tenant ID and a key together, as every Store call must before it touches the store.
func ValidateScope(tenantID, key string) error {
	if err := ValidateKey(tenantID); err != nil {
		return fmt.Errorf("tenant ID: %w", err)
	}
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	return nil
}

// NormalizeMime checks the MIME type given to Put and returns the one to store: DefaultMime for "", else the type
// re-formatted by mime.FormatMediaType (lower-case type, canonical parameters), so it is a safe header value.
func NormalizeMime(m string) (string, error) {
	if strings.TrimSpace(m) == "" {
		return DefaultMime, nil
	}
	t, params, err := mime.ParseMediaType(m)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrInvalidMime, m, err)
	}
	if !strings.Contains(t, "/") {
		return "", fmt.Errorf("%w: %q: want type/subtype", ErrInvalidMime, m)
	}
	out := mime.FormatMediaType(t, params)
	if out == "" || len(out) > MaxMimeLen {
		return "", fmt.Errorf("%w: %q: want at most %d characters of a valid media type", ErrInvalidMime, m, MaxMimeLen)
	}
	return out, nil
}

// ValidateTTL checks a presign TTL.
func ValidateTTL(ttl time.Duration) error {
	if ttl < MinPresignTTL || ttl > MaxPresignTTL {
		return fmt.Errorf("%w: %s, want %s to %s", ErrInvalidTTL, ttl, MinPresignTTL, MaxPresignTTL)
	}
	return nil
}

// ExactReader reads r and fails with ErrSizeMismatch unless r holds exactly size bytes, and with ctx.Err() once
// ctx is done. Adapters stream Put's reader through it, so a short or long body, or a cancel, aborts the write.
// The read that delivers the last byte already probes r for more, so a consumer that stops after size bytes (an
// HTTP request with a Content-Length) still sees the error.
func ExactReader(ctx context.Context, r io.Reader, size int64) io.Reader {
	if size < 0 {
		return &exactReader{ctx: ctx, err: fmt.Errorf("%w: negative size %d", ErrSizeMismatch, size)}
	}
	return &exactReader{ctx: ctx, r: r, left: size}
}

type exactReader struct {
	ctx  context.Context
	r    io.Reader
	left int64
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if err := e.ctx.Err(); err != nil {
		e.err = err
		return 0, err
	}
	if e.left == 0 {
		e.err = e.probe()
		return 0, e.err
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case e.left == 0:
		// Probe before handing over the last bytes: a consumer that stops at size (an HTTP request with a
		// Content-Length) must not get a complete body from a reader that holds more.
		e.err = e.probe()
		if e.err == io.EOF {
			return n, nil
		}
		return 0, e.err
	case err == io.EOF:
		e.err = fmt.Errorf("%w: %d bytes short", ErrSizeMismatch, e.left)
		return n, e.err
	case err != nil:
		e.err = err
		return n, err
	}
	return n, nil
}

// probe returns io.EOF when r is exhausted, else an error.
func (e *exactReader) probe() error {
	var one [1]byte
	for range 100 {
		n, err := e.r.Read(one[:])
		if n > 0 {
			return fmt.Errorf("%w: more bytes than declared", ErrSizeMismatch)
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}
