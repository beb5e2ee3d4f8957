package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/session"
)

// handleUploadMedia stores a file to send later by its ID (send-media's media field), for media.UploadTTL. The
// body is a multipart form with the part "file" (and optionally "mimetype"), or the raw file with its type as
// Content-Type. It answers 201 with the ID, the detected MIME type, the kind it can be sent as, the size and the
// expiry.
func (s *Server) handleUploadMedia(w http.ResponseWriter, r *http.Request) error {
	u := uploadOf(r)
	if u.media != "" {
		return fieldErr("media", "is not taken here: send the file itself as the part \"file\" or as the raw body")
	}
	if u.file == nil {
		return fieldErr("file", "is required: the multipart part \"file\", or the raw body with the file's Content-Type")
	}
	if u.file.size == 0 {
		return fieldErr("file", "is empty")
	}
	if s.Media == nil {
		return &apperr.Error{Code: apperr.ServiceUnavailable, Message: "media storage is not configured on this server"}
	}
	declared := u.declared
	if m := u.form["mimetype"]; m != "" {
		declared = m
	}
	mt, kind, err := media.Sniff(u.file.head(), declared)
	if err != nil {
		return err
	}
	if max := media.MaxSize(session.Document); u.file.size > max {
		return apperr.New(apperr.TooLarge, "a file may be at most %d bytes (a document's limit); this one is %d bytes",
			max, u.file.size).WithDetails(map[string]any{"limit": max, "size": u.file.size})
	}
	tenantID := principalOf(r).TenantID
	id := media.NewUploadID()
	if err := s.Media.Put(r.Context(), tenantID, media.UploadKey(id), u.file.reader(), u.file.size, mt); err != nil {
		return fmt.Errorf("store upload: %w", err)
	}
	// The store's ModTime (second precision on S3) decides the expiry; this is the same to the second or earlier.
	expires := media.UploadExpiry(s.Now().UTC().Truncate(time.Second))
	writeJSON(w, http.StatusCreated, map[string]any{"mediaId": id, "mimetype": mt, "kind": kind, "size": u.file.size,
		"filename": u.filename, "expiresAt": expires})
	return nil
}
