package httpapi

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
)

// Uploads (send-media and POST /api/media) are streamed: their bodies are never read whole into memory. The route
// wrapper authenticates first, then takes an upload slot when the body is large, then parses the body as it
// arrives (JSON with the file as a base64 string, a multipart form, or the raw file), writing the file to a
// spool file on disk; the handler sniffs, checks and stores the file from there. See readUpload.

// streamedRoutes take their bodies as uploads, up to Config.MaxUploadBytes.
var streamedRoutes = map[string]bool{
	"POST /api/messages/send-media": true,
	"POST /api/media":               true,
}

// maxFormField bounds one multipart form field other than the file (and the number of fields).
const maxFormField = 64 << 10

// spool is an upload's file on disk: a temporary file removed at once (it lives while open, and nothing is left
// behind if the process dies).
type spool struct {
	f    *os.File
	size int64
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "waqtor-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool upload: %w", err)
	}
	os.Remove(f.Name())
	return &spool{f: f}, nil
}

func (s *spool) Write(p []byte) (int, error) {
	n, err := s.f.Write(p)
	s.size += int64(n)
	return n, err
}

// head returns the first bytes, for media.Sniff.
func (s *spool) head() []byte {
	buf := make([]byte, media.SniffLen)
	n, _ := s.f.ReadAt(buf, 0)
	return buf[:n]
}

// reader reads the whole file from the start (each call a new reader).
func (s *spool) reader() io.Reader { return io.NewSectionReader(s.f, 0, s.size) }

func (s *spool) Close() error { return s.f.Close() }

// upload is a parsed upload request.
type upload struct {
	// fields are the fields of a JSON body other than media, as a JSON object (for decode).
	fields []byte
	// form are the fields of a multipart form other than file and media.
	form map[string]string
	// file is the file sent in the body: the media string of JSON, the multipart part "file" or the raw body.
	file *spool
	// fileField names where the file came from ("media" or "file"), for errors.
	fileField string
	// declared is the MIME type the body gave the file: a data: URL's, the multipart part's or the raw body's.
	declared string
	// filename is the multipart part's file name.
	filename string
	// media is the media field when it is not file content: a URL or an upload ID.
	media string
	// spools are every spool file of the request, closed when it ends.
	spools []*spool
	// slot tells whether the request holds an upload slot.
	slot bool
}

func (u *upload) newSpool() (*spool, error) {
	sp, err := newSpool()
	if err == nil {
		u.spools = append(u.spools, sp)
	}
	return sp, err
}

func (u *upload) close() {
	for _, sp := range u.spools {
		sp.Close()
	}
}

func uploadOf(r *http.Request) *upload {
	if u := state(r).upload; u != nil {
		return u
	}
	return &upload{}
}

// uploadSlots bound how many large uploads run at once.
type uploadSlots chan struct{}

// acquire takes a slot, waiting at most wait; it fails with a 503 naming when to retry.
func (s uploadSlots) acquire(ctx context.Context, wait time.Duration) error {
	select {
	case s <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s <- struct{}{}:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	secs := max(1, int(math.Ceil(wait.Seconds()/4)))
	return &apperr.Error{Code: apperr.ServiceUnavailable,
		Message: fmt.Sprintf("%d large uploads are in progress; retry after %d s", cap(s), secs),
		Details: map[string]any{"retryAfterSeconds": secs}}
}

func (s uploadSlots) release() { <-s }

// readUpload parses the body of a streamed route into state(r).upload and returns what ends it (removing the
// spool files, freeing the slot). A body over Config.LargeUploadBytes, or of unknown length, first takes one of
// Config.UploadSlots slots, waiting up to Config.UploadWait. The body's SHA-256 stands for the body in the
// idempotency hash.
func (s *Server) readUpload(r *http.Request) (func(), error) {
	done := func() {}
	if r.ContentLength < 0 || r.ContentLength > s.cfg.LargeUploadBytes {
		if err := s.slots.acquire(r.Context(), s.cfg.UploadWait); err != nil {
			return done, err
		}
		done = s.slots.release
	}
	u := &upload{slot: r.ContentLength < 0 || r.ContentLength > s.cfg.LargeUploadBytes}
	end := func() { u.close(); done() }
	hash := sha256.New()
	body := io.TeeReader(r.Body, hash)
	err := s.parseUpload(r, body, u)
	if err == nil {
		_, err = io.Copy(io.Discard, body) // a multipart epilogue; hashed too
	}
	if err != nil {
		end()
		return func() {}, s.bodyError(err)
	}
	state(r).upload = u
	setBody(r, hash.Sum(nil))
	return end, nil
}

// bodyError maps a failure to read the body: over the limit is 413, a broken connection 400; parse errors pass.
func (s *Server) bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "request body is over the limit of %d bytes", s.cfg.MaxUploadBytes).
			WithDetails(map[string]any{"limit": s.cfg.MaxUploadBytes})
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	return apperr.New(apperr.BadRequest, "could not read the request body: %v", err)
}

// parseUpload reads body by its Content-Type: JSON (send-media only), a multipart form, or (POST /api/media only)
// the raw file.
func (s *Server) parseUpload(r *http.Request, body io.Reader, u *upload) error {
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	sendMedia := state(r).route == "POST /api/messages/send-media"
	switch {
	case mt == "multipart/form-data":
		return u.readMultipart(body, params["boundary"])
	case sendMedia && (ct == "" || mt == "application/json"):
		fields, err := readMediaJSON(body, func(content io.Reader) error { return u.readMediaString(content) })
		u.fields = fields
		return err
	case sendMedia:
		return apperr.New(apperr.UnsupportedMedia, "Content-Type must be application/json or multipart/form-data, got %q", ct)
	}
	sp, err := u.newSpool()
	if err != nil {
		return err
	}
	if _, err := io.Copy(sp, body); err != nil {
		return err
	}
	u.file, u.fileField, u.declared = sp, "file", ct
	return nil
}

// readMediaString reads the content of a media string: a URL or an upload ID is kept as it is; a data: URL or
// base64 is decoded into a spool file as it streams.
func (u *upload) readMediaString(content io.Reader) error {
	head := make([]byte, 4096)
	n, err := io.ReadFull(content, head)
	whole := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !whole {
		return err
	}
	head = head[:n]
	v := strings.TrimSpace(string(head))
	switch {
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		if !whole {
			return fieldErr("media", "a media URL must be shorter than 4096 characters")
		}
		u.media = v
		return nil
	case whole && (v == "" || media.IsUploadID(v)):
		u.media = v
		return nil
	}
	rest := io.MultiReader(strings.NewReader(string(head)), content)
	bad := "must be an https URL, an upload ID (med_…), a data: URL or valid base64"
	if data, ok := strings.CutPrefix(strings.TrimLeft(string(head), " \t\r\n"), "data:"); ok {
		meta, payload, ok := strings.Cut(data, ",")
		if !ok || !strings.HasSuffix(meta, ";base64") {
			return fieldErr("media", "a data: URL must be base64 (data:<mime>;base64,<data>)")
		}
		u.declared = strings.TrimSuffix(meta, ";base64")
		rest = io.MultiReader(strings.NewReader(payload), content)
		bad = "the data: URL's base64 is invalid"
	}
	sp, err := u.newSpool()
	if err != nil {
		return err
	}
	if _, err := decodeBase64To(sp, rest); err != nil {
		if errors.Is(err, errBadBase64) {
			return fieldErr("media", bad)
		}
		return err
	}
	u.file, u.fileField = sp, "media"
	return nil
}

// readMultipart streams a multipart form: the part "file" to a spool file, the other fields (each at most
// maxFormField bytes) into u.fields as a JSON object of strings.
func (u *upload) readMultipart(body io.Reader, boundary string) error {
	if boundary == "" {
		return apperr.New(apperr.BadRequest, "malformed multipart form: no boundary in Content-Type")
	}
	mr := multipart.NewReader(body, boundary)
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var ae *apperr.Error
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) || errors.As(err, &ae) {
				return err
			}
			return apperr.New(apperr.BadRequest, "malformed multipart form: %v", err)
		}
		name := part.FormName()
		if name == "file" {
			if u.file != nil {
				return fieldErr("file", "exactly one file is required")
			}
			sp, err := u.newSpool()
			if err != nil {
				return err
			}
			if _, err := io.Copy(sp, part); err != nil {
				return err
			}
			u.file, u.fileField, u.filename = sp, "file", part.FileName()
			u.declared = part.Header.Get("Content-Type")
			continue
		}
		if len(fields) >= 64 {
			return apperr.New(apperr.BadRequest, "malformed multipart form: more than 64 fields")
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
		if err != nil {
			return err
		}
		if len(v) > maxFormField {
			return fieldErr(name, fmt.Sprintf("is longer than %d bytes", maxFormField))
		}
		if _, dup := fields[name]; dup {
			return fieldErr(name, "is given twice")
		}
		fields[name] = string(v)
	}
	if v, ok := fields["media"]; ok {
		delete(fields, "media")
		if u.file != nil {
			return fieldErr("media", "give the file once: as the part \"file\" or in media, not both")
		}
		if err := u.readMediaString(strings.NewReader(v)); err != nil {
			return err
		}
	}
	u.form = fields
	return nil
}
