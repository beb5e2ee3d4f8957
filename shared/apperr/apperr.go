// Package apperr is WaQtor's one application error type. Domain code returns *Error for anything a caller can
// act on; the HTTP layer maps Code to a status in one table (httpapi) and writes
// {"error":{"code","message","details"}}. Any other error is internal: logged, and answered as 500 without detail.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code.
type Code string

const (
	BadRequest       Code = "bad_request"        // malformed syntax (JSON that does not parse)
	Validation       Code = "validation_failed"  // well-formed but invalid input
	Unauthorized     Code = "unauthorized"       // missing, bad or expired credentials
	Forbidden        Code = "forbidden"          // authenticated but not allowed
	NotFound         Code = "not_found"          // no such resource (also for another tenant's IDs)
	MethodNotAllowed Code = "method_not_allowed" // route exists, method does not
	Conflict         Code = "conflict"           // state conflict (duplicate, idempotent request in progress)
	// IdempotencyKeyReused: an Idempotency-Key the caller already used with another method, path or body.
	IdempotencyKeyReused Code = "idempotency_key_reused"
	TooLarge             Code = "payload_too_large"      // body over the limit
	UnsupportedMedia     Code = "unsupported_media_type" // body is not JSON where JSON is required
	RateLimited          Code = "rate_limited"           // token bucket empty
	KeyOwnerInactive     Code = "key_owner_inactive"     // an API key whose creator is disabled or deleted
	AccountLocked        Code = "account_locked"         // sign-in paused after repeated failures (429, Retry-After)
	FeatureLocked        Code = "feature_locked"         // the tenant's plan does not include the feature (403, details.feature)
	Internal             Code = "internal"               // anything else
	ServiceUnavailable   Code = "unavailable"            // not ready, shutting down
)

// Error is an error a client can act on.
type Error struct {
	Code    Code
	Message string
	// Details is extra machine-readable context (the invalid fields, the retry delay, ...). It must never hold secrets.
	Details any
	// Err is the cause, never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithDetails returns e with details attached.
func (e *Error) WithDetails(d any) *Error {
	c := *e
	c.Details = d
	return &c
}

// FieldError names one invalid field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Fields collects invalid fields and turns them into one validation error.
type Fields []FieldError

// Add records a problem with a field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// AddErr adds the invalid fields of a validation error made by Field or Fields.Err and reports true; any other
// error adds nothing and reports false.
func (f *Fields) AddErr(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != Validation {
		return false
	}
	d, _ := e.Details.(map[string]any)
	fields, ok := d["fields"].([]FieldError)
	if !ok {
		return false
	}
	*f = append(*f, fields...)
	return true
}

// Err is nil when no field was added, else a Validation error listing every field.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := f[0].Field + ": " + f[0].Message
	if len(f) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(f)-1)
	}
	return &Error{Code: Validation, Message: msg, Details: map[string]any{"fields": []FieldError(f)}}
}

// Field is the validation error of one invalid field, in the same shape as Fields.Err.
func Field(field, msg string) *Error {
	return &Error{Code: Validation, Message: field + ": " + msg,
		Details: map[string]any{"fields": []FieldError{{Field: field, Message: msg}}}}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }
