// Package demo describes demo mode: a fake WhatsApp (shared/wasim) running inside WaQtor with a few fake contacts,
// so someone without a phone can pair a session, send, get replies and watch statuses. The API's /api/dev/demo
// endpoints drive it through World; they exist only in demo mode.
package demo

import (
	"context"
	"errors"
	"time"

	"github.com/waqtor/waqtor/shared/session"
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
	// Inbox lists what contact `phone` received from the accounts (phone numbers) in `accounts`, oldest first.
	Inbox(phone string, accounts []string) ([]Message, error)
	// Fault injects a fault into the linked device deviceJID.
	Fault(ctx context.Context, deviceJID, kind string) error
}

// TenantInbox lists what contact phone received from the tenant's own sessions, oldest first. The demo contacts
// are shared by every tenant of a demo server; what they received is not: another tenant's messages to the same
// contact are left out, as WhatsApp never shows one user another's chat. A session's messages are listed while it
// is linked to the account that sent them (a deleted or logged-out session's are not).
func TenantInbox(ctx context.Context, world World, sessions session.Store, tenantID, phone string) ([]Message, error) {
	list, err := sessions.ListSessions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	accounts := []string{}
	for _, s := range list {
		if s.Account != nil && s.Account.Phone != "" {
			accounts = append(accounts, s.Account.Phone)
		}
	}
	return world.Inbox(phone, accounts)
}
