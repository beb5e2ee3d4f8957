package eventbus

import "errors"

var (
	// ErrInvalidRoute: New was given a route without a name or target, a duplicate name, or a bad pattern.
	ErrInvalidRoute = errors.New("router: invalid route")
	// ErrEventTooLarge: a bus event is larger than a queue message may be (256 KiB, as SQS and EventBridge).
	ErrEventTooLarge = errors.New("router: event too large")
	// ErrHandlerPanic: a handler panicked; the router recovered and treats the event as failed.
	ErrHandlerPanic = errors.New("router: handler panicked")
	// ErrNoConsumers: Run was called before any Handle.
	ErrNoConsumers = errors.New("router: no consumers registered")
	// ErrRunning: Run was called while the router is already running.
	ErrRunning = errors.New("router: already running")
	// ErrShutdownTimeout: handlers were still running when the shutdown grace period ended; their contexts were
	// cancelled and their events come back later.
	ErrShutdownTimeout = errors.New("router: shutdown grace period exceeded")
)
