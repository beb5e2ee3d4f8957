package whatsapp

import "errors"

// Errors of the adapter beyond the port's own (shared/session/errors.go).
var (
	// ErrInvalidPhone: LoginCode got a number WhatsApp cannot pair with (too short, or not international). The
	// wrapped whatsmeow error says which.
	ErrInvalidPhone = errors.New("whatsapp: invalid phone number for code pairing")
	// ErrLoginInProgress: LoginQR or LoginCode while another login of the same client runs.
	ErrLoginInProgress = errors.New("whatsapp: a login is already in progress")
	// ErrPairFailed: the phone scanned or entered the code but pairing failed (the wrapped error says why).
	ErrPairFailed = errors.New("whatsapp: pairing failed")
	// ErrClientOutdated: WhatsApp refused this client version (405) during a login.
	ErrClientOutdated = errors.New("whatsapp: client version outdated")
	// ErrLoginInterrupted: the connection ended during a login before pairing finished.
	ErrLoginInterrupted = errors.New("whatsapp: login interrupted")
	// ErrBadMediaRef: Download got a MediaRef whose Locator this adapter did not write.
	ErrBadMediaRef = errors.New("whatsapp: media reference not downloadable")
	// ErrBadAddress: an Address names nobody, or names a JID on the wrong server.
	ErrBadAddress = errors.New("whatsapp: bad address")
	// ErrBadMessage: an Outgoing has no content, or more than one kind of content, or invalid content.
	ErrBadMessage = errors.New("whatsapp: bad outgoing message")
	// ErrBadOptions: Open got invalid Options.
	ErrBadOptions = errors.New("whatsapp: bad options")
)
