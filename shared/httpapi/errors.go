package httpapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/waqtor/waqtor/shared/apperr"
)

// statusOf is THE table from application error codes to HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.BadRequest:           http.StatusBadRequest,
	apperr.Validation:           http.StatusUnprocessableEntity,
	apperr.Unauthorized:         http.StatusUnauthorized,
	apperr.KeyOwnerInactive:     http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.MethodNotAllowed:     http.StatusMethodNotAllowed,
	apperr.Conflict:             http.StatusConflict,
	apperr.IdempotencyKeyReused: http.StatusUnprocessableEntity,
	apperr.TooLarge:             http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia:     http.StatusUnsupportedMediaType,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.AccountLocked:        http.StatusTooManyRequests,
	apperr.FeatureLocked:        http.StatusForbidden,
	apperr.Internal:             http.StatusInternalServerError,
	apperr.ServiceUnavailable:   http.StatusServiceUnavailable,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      apperr.Code `json:"code"`
	Message   string      `json:"message"`
	Details   any         `json:"details"`
	RequestID string      `json:"requestId,omitempty"`
}

// writeError answers with the JSON error of err. Only internal errors are logged, and their text never reaches the
// client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		s.log.ErrorContext(r.Context(), "internal error", "err", err)
		ae = &apperr.Error{Code: apperr.Internal, Message: "internal error"}
	}
	status, ok := statusOf[ae.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if ae.Code == apperr.RateLimited || ae.Code == apperr.AccountLocked || ae.Code == apperr.ServiceUnavailable {
		if d, ok := ae.Details.(map[string]any); ok {
			w.Header().Set("Retry-After", fmt.Sprint(d["retryAfterSeconds"]))
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="waqtor"`)
	}
	details := ae.Details
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: ae.Code, Message: ae.Message, Details: details,
		RequestID: w.Header().Get(headerRequestID)}})
}

func logLevel(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
