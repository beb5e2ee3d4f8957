package sqlite

import "errors"

// ErrClosed is returned by a write submitted after DB.Close.
var ErrClosed = errors.New("sqlite: database closed")
