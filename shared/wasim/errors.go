package wasim

import "errors"

var (
	// ErrHandshake means the client's Noise handshake messages were malformed or failed to decrypt.
	ErrHandshake = errors.New("wasim: noise handshake failed")
	// ErrBadQR means the string given to Phone.Scan is not a whatsmeow linked-device QR code.
	ErrBadQR = errors.New("wasim: not a linked-device QR code")
	// ErrUnknownRef means no connected client is currently showing the QR code's ref (it expired, was already
	// scanned, or the client disconnected).
	ErrUnknownRef = errors.New("wasim: QR ref is not pending on any connection")
	// ErrNoCodePairing means no connected client asked for a pairing code for the phone's number.
	ErrNoCodePairing = errors.New("wasim: no client is waiting for a pairing code for this number")
	// ErrPairRejected means the client answered pair-success with an error or an invalid device signature.
	ErrPairRejected = errors.New("wasim: client rejected pairing")
	// ErrTimeout means the client did not answer the server within the server's deadline.
	ErrTimeout = errors.New("wasim: client did not answer in time")
	// ErrNotLinked means the addressed account has no linked companion to deliver to.
	ErrNotLinked = errors.New("wasim: account has no linked companion")
	// ErrNoPreKeys means the companion has not uploaded prekeys yet, so no session can be opened to it.
	ErrNoPreKeys = errors.New("wasim: companion has no uploaded prekeys")
	// ErrClosed means the connection or the server closed while waiting.
	ErrClosed = errors.New("wasim: connection closed")
)
