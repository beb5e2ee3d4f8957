// Package demo describes demo mode: a fake WhatsApp (shared/wasim) running inside WaQtor with a few fake contacts,
// so someone without a phone can pair a session, send, get replies and watch statuses. The API's /api/dev/demo
// endpoints drive it through World; they exist only in demo mode.
package demo

import (
	"context"
	"errors"
	"time"
)

// Contact is a fake WhatsApp user.
type Contact struct {
	Phone string `json:"phone"`
	LID   string `json:"lid"`
	Name  string `json:"name"`
	// Behaviour says how the contact answers ("replies and reads", "reads only", ...).
	Behaviour string `json:"behaviour"`
}

// Message is one message a contact received, with the receipts it sent back.
type Message struct {
	ID          string     `json:"messageId"`
	From        string     `json:"from"`
	Type        string     `json:"type"`
	Text        string     `json:"text,omitempty"`
	Time        time.Time  `json:"timestamp"`
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
	ReadAt      *time.Time `json:"readAt,omitempty"`
}

// Fault kinds a session can be hit with.
const (
	FaultDrop      = "drop"      // the socket drops; the client reconnects by itself
	FaultReplaced  = "replaced"  // another connection with the same keys takes over
	FaultBan       = "ban"       // a temporary ban (one hour)
	FaultLogout    = "logout"    // the phone unlinks the device
	FaultKeepalive = "keepalive" // the server stops answering keepalives (for 90 seconds)
	FaultOutdated  = "outdated"  // the server refuses the client version at its next connect
)

// Faults lists the fault kinds.
var Faults = []string{FaultDrop, FaultReplaced, FaultBan, FaultLogout, FaultKeepalive, FaultOutdated}

// ErrUnknownContact: no demo contact has that phone number.
var ErrUnknownContact = errors.New("no demo contact has that phone number")

// World is the fake WhatsApp of demo mode.
type World interface {
	// Contacts lists the fake contacts.
	Contacts() []Contact
	// Scan has a new demo phone (the user's own, as it were) scan a session's QR code; it returns the phone's
	// number, which becomes the session's account.
	Scan(ctx context.Context, qr string) (phone string, err error)
	// Write has contact `from` send text to the account with phone number `to`; it returns the message ID.
	Write(ctx context.Context, from, to, text string) (string, error)
	// WriteImage has contact `from` send an image (with a caption) to the account with phone number `to`.
	WriteImage(ctx context.Context, from, to string, image []byte, mime, caption string) (string, error)
	// Inbox lists what contact `phone` received, oldest first.
	Inbox(phone string) ([]Message, error)
	// Fault injects a fault into the linked device deviceJID.
	Fault(ctx context.Context, deviceJID, kind string) error
}
