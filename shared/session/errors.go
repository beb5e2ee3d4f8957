package session

import (
	"errors"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Errors of the domain and the port.
var (
	// ErrNotFound: no such session for the tenant.
	ErrNotFound = &apperr.Error{Code: apperr.NotFound, Message: "session not found"}
	// ErrNoReply: the session host has not answered the request yet.
	ErrNoReply = errors.New("no reply from the session host yet")
	// ErrDeviceNotFound: the device's keys are gone (logged out); the session must pair again.
	ErrDeviceNotFound = errors.New("whatsapp device not found")
	// ErrNotPaired: the client has no account yet (pair it first).
	ErrNotPaired = errors.New("whatsapp client not paired")
	// ErrAlreadyPaired: LoginQR/LoginCode on a paired client.
	ErrAlreadyPaired = errors.New("whatsapp client already paired")
	// ErrNotConnected: a send or lookup while the client is not logged in.
	ErrNotConnected = errors.New("whatsapp client not connected")
	// ErrNotOnWhatsApp: the recipient's number has no WhatsApp account.
	ErrNotOnWhatsApp = errors.New("recipient is not on whatsapp")
	// ErrLoginTimeout: the QR codes ran out before a phone scanned one.
	ErrLoginTimeout = errors.New("login timed out: no phone scanned the QR code")
)

// ErrExists: CreateSession with the ID of a session the tenant already has.
var ErrExists = &apperr.Error{Code: apperr.Conflict, Message: "a session with this ID exists"}
