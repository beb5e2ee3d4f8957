package media

import (
	"errors"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Errors of the port. Adapters wrap them with %w, so errors.Is and apperr.CodeOf both see them.
var (
	// ErrNotFound: the tenant has no file under that key (another tenant's file is not found either).
	ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "media not found"}
	// ErrInvalidKey: a key or tenant ID breaks the key rules (ValidateKey).
	ErrInvalidKey = &apperr.Error{Code: apperr.Validation, Message: "invalid media key"}
	// ErrInvalidMime: the MIME type given to Put does not parse or is too long.
	ErrInvalidMime = &apperr.Error{Code: apperr.Validation, Message: "invalid media type"}
	// ErrSizeMismatch: the reader given to Put held fewer or more bytes than the declared size. Nothing is stored.
	ErrSizeMismatch = &apperr.Error{Code: apperr.Validation, Message: "media size does not match the declared size"}
	// ErrInvalidTTL: a presign TTL outside MinPresignTTL..MaxPresignTTL.
	ErrInvalidTTL = &apperr.Error{Code: apperr.Validation, Message: "presign TTL out of range"}
	// ErrNoPresign: the store cannot hand out URLs (the local disk); the API streams the file itself instead.
	ErrNoPresign = errors.New("media: store cannot presign URLs")
)
