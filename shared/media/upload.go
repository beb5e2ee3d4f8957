package media

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/id"
)

// Uploads (POST /api/media) are files a tenant stores once and sends by ID (send-media's media field), as often as
// it likes until they expire. They live in the media store beside message files, under UploadKey(id), with the
// MIME type detected at upload; the store's ModTime is the upload time.

// UploadTTL is how long an upload can be sent by its ID.
const UploadTTL = 24 * time.Hour

// uploadPrefix starts every upload ID: "med_" and a ULID. "_" is not in the base64 alphabet, so an upload ID is
// never mistaken for base64 content.
const uploadPrefix = "med"

// NewUploadID returns a new upload ID.
func NewUploadID() string { return id.New(uploadPrefix) }

// IsUploadID reports whether s has the form of an upload ID.
func IsUploadID(s string) bool { return id.Valid(uploadPrefix, s) }

// uploadKeyPrefix starts the media store key of every upload.
const uploadKeyPrefix = "upload-"

// UploadKey is the media store key of an upload.
func UploadKey(uploadID string) string { return uploadKeyPrefix + uploadID }

// Sweeper is the part of the Store that removes old files.
type Sweeper interface {
	DeleteOlder(ctx context.Context, keyPrefix string, before time.Time) (int, error)
}

// SweepUploads removes the uploads of every tenant that expired before now and returns how many.
func SweepUploads(ctx context.Context, s Sweeper, now time.Time) (int, error) {
	return s.DeleteOlder(ctx, uploadKeyPrefix, now.Add(-UploadTTL))
}

// SweepUploadsEvery runs SweepUploads at once and then every interval until ctx ends, reporting each result to
// report (removed count or error); the runtimes run it beside their other workers.
func SweepUploadsEvery(ctx context.Context, s Sweeper, interval time.Duration, report func(removed int, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := SweepUploads(ctx, s, time.Now())
		if ctx.Err() != nil {
			return
		}
		report(n, err)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// UploadExpiry is when an upload stored at modTime expires.
func UploadExpiry(modTime time.Time) time.Time { return modTime.Add(UploadTTL) }

// Opener is the part of the Store that reads files.
type Opener interface {
	Open(ctx context.Context, tenantID, key string) (io.ReadCloser, Info, error)
}

// OpenUpload opens the tenant's upload for sending. An unknown ID, another tenant's upload and an expired one are
// all apperr.NotFound (the message says which of unknown or expired); a malformed ID is apperr.Validation.
func OpenUpload(ctx context.Context, files Opener, tenantID, uploadID string, now time.Time) (io.ReadCloser, Info, error) {
	if !IsUploadID(uploadID) {
		return nil, Info{}, apperr.New(apperr.Validation, "%q is not an upload ID (med_…)", uploadID)
	}
	rc, info, err := files.Open(ctx, tenantID, UploadKey(uploadID))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, Info{}, apperr.New(apperr.NotFound, "upload %s does not exist (or expired and was removed)", uploadID)
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("open upload %s: %w", uploadID, err)
	}
	if exp := UploadExpiry(info.ModTime); !now.Before(exp) {
		rc.Close()
		return nil, Info{}, apperr.New(apperr.NotFound, "upload %s expired at %s; upload the file again", uploadID, exp.UTC().Format(time.RFC3339))
	}
	return rc, info, nil
}

// LogSweep is the report of SweepUploadsEvery that both runtimes use: removed uploads at info, a failure at warn.
func LogSweep(ctx context.Context, log *slog.Logger) func(removed int, err error) {
	return func(n int, err error) {
		if err != nil {
			log.WarnContext(ctx, "sweeping expired media uploads failed; the next sweep tries again", "error", err)
		} else if n > 0 {
			log.InfoContext(ctx, "removed expired media uploads", "count", n)
		}
	}
}
