package wsgateway

import "errors"

var (
	// ErrConnectionNotFound: the store has no connection with that ID (never connected, disconnected or removed).
	ErrConnectionNotFound = errors.New("wsgateway: connection not found")
	// ErrConnectionChanged: the connection was changed since it was read (its version moved); read it again.
	ErrConnectionChanged = errors.New("wsgateway: connection changed concurrently")
	// ErrGone: the API Gateway connection no longer exists (the Management API answered 410 Gone).
	ErrGone = errors.New("wsgateway: connection gone")
)
