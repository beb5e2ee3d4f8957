package realtime

import (
	"errors"

	"github.com/waqtor/waqtor/shared/apperr"
)

var (
	// ErrTicketNotFound: the store has no ticket with that hash (never issued, already taken, or swept).
	ErrTicketNotFound = errors.New("realtime: ticket not found")
	// ErrTicketInvalid: a ticket that cannot open a connection (malformed, unknown, used or expired).
	ErrTicketInvalid = &apperr.Error{Code: apperr.Unauthorized, Message: "invalid, expired or already used ticket: ask POST /api/realtime/ticket for a new one"}
)
