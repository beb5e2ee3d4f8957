package httpapi

import (
	"bytes"
	"net/http"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/idempotency"
)

// recorder buffers a response so it can be stored before it is sent.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// idempotent serves a POST carrying an Idempotency-Key. Keys are per caller (the API key, or the user of a
// dashboard login), so a key never replays a response that was sent to someone else. The first request runs and
// its response is kept for a day; a retry with the same method, path and (canonical) body gets that response again
// (Idempotent-Replayed: true); the same key with another request is 422 idempotency_key_reused naming what
// differs. Server errors and 429s are not kept, so a retry runs again.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p auth.Principal, h handlerFunc) error {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > idempotency.MaxKeyLength {
		return apperr.New(apperr.Validation, "Idempotency-Key must be at most %d characters", idempotency.MaxKeyLength)
	}
	scope := idempotency.Scope{TenantID: p.TenantID, Caller: p.KeyID, Key: key}
	if scope.Caller == "" {
		scope.Caller = p.UserID
	}
	now := s.Now().UTC()
	fp := idempotency.NewFingerprint(r.Method, r.URL.Path, r.URL.RawQuery, state(r).body)
	begin := func() (idempotency.Record, bool, error) {
		return s.Idempotency.Begin(r.Context(), idempotency.Record{Scope: scope, Fingerprint: fp,
			CreatedAt: now, ExpiresAt: now.Add(idempotency.TTL)})
	}
	rec, created, err := begin()
	if err == nil && !created && !rec.Done && now.Sub(rec.CreatedAt) > idempotency.LockTimeout {
		// The first request died mid-way (crash, timeout): let this one run.
		if err = s.Idempotency.Release(r.Context(), scope); err == nil {
			rec, created, err = begin()
		}
	}
	if err != nil {
		return err
	}
	if !created {
		if differs := rec.Fingerprint.Diff(fp); differs != nil {
			return idempotency.ReusedError(differs)
		}
		if !rec.Done {
			return idempotency.ErrInProgress
		}
		w.Header().Set("Idempotent-Replayed", "true")
		if rec.ContentType != "" {
			w.Header().Set("Content-Type", rec.ContentType)
		}
		w.WriteHeader(rec.Status)
		w.Write(rec.Body)
		return nil
	}
	rw := &recorder{header: w.Header()}
	err = h(rw, r)
	if err != nil {
		rw.header.Del("Content-Type")
		s.writeError(rw, r, err)
	}
	if rw.status == 0 {
		rw.status = http.StatusOK
	}
	if rw.status >= 500 || rw.status == http.StatusTooManyRequests {
		if rerr := s.Idempotency.Release(r.Context(), scope); rerr != nil {
			s.log.ErrorContext(r.Context(), "release idempotency key", "err", rerr)
		}
	} else if cerr := s.Idempotency.Complete(r.Context(), scope, rw.status, rw.header.Get("Content-Type"), rw.body.Bytes()); cerr != nil {
		s.log.ErrorContext(r.Context(), "store idempotent response", "err", cerr)
		s.Idempotency.Release(r.Context(), scope)
	}
	w.WriteHeader(rw.status)
	w.Write(rw.body.Bytes())
	return nil
}
