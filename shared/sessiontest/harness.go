// Package sessiontest is the contract suite of the WhatsApp port (session.Devices and session.Client): every
// implementation, the whatsmeow adapter against the fake server and any in-memory simulator, runs the same Run so
// they cannot drift apart.
package sessiontest

import (
	"context"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/session"
)

// Harness connects the suite to one implementation of the port.
type Harness struct {
	// New starts a fresh world for one test: an empty device store and the WhatsApp network it talks to. It
	// registers its own cleanup with t.Cleanup. The devices must use short timings so the suite stays fast: QR
	// codes rotating every few hundred milliseconds (at most 1 s each), a keepalive watchdog that fires after about
	// a second of failed pings.
	New func(t *testing.T) (session.Devices, Network)
}

// Network is the other side of the port: the accounts on WhatsApp and the failures the suite injects. Devices
// are named by their DeviceJID (session.Account.DeviceJID).
type Network interface {
	// Phone returns the account of number (E.164 digits without "+"), creating it on first use.
	Phone(number string) Phone
	// Drop cuts the device's connection without a goodbye, as a network failure does; the client reconnects.
	Drop(deviceJID string)
	// Replace tells the device another connection with its keys took over.
	Replace(deviceJID string)
	// Ban bans the device's account for d: it is disconnected and every login fails until then.
	Ban(deviceJID string, d time.Duration)
	// Unlink removes the device from its phone ("Log out" in the phone's linked devices).
	Unlink(deviceJID string)
	// Outdate makes WhatsApp refuse the device's client version (405) from its next login on; it reconnects now.
	Outdate(deviceJID string)
	// StallKeepalive makes the network ignore (true) or answer again (false) the device's keepalive pings.
	StallKeepalive(deviceJID string, stall bool)
	// Problems lists protocol problems the network saw (requests it could not answer, messages it could not
	// decrypt). The suite requires none.
	Problems() []string
}

// Phone is a WhatsApp account's primary phone: it links devices and is also a contact that writes to sessions
// and reads what they send.
type Phone interface {
	// Number is the account's phone number (E.164 digits without "+"), LID its linked ID ("digits@lid").
	Number() string
	LID() string
	// Scan links the device showing qr to this account.
	Scan(qr string) error
	// EnterCode links the device that asked for a pairing code for this number.
	EnterCode(code string) error
	// Send sends a message to the account with number to (its linked devices) and returns its ID. It supports
	// the content a phone writes: Text (with ReplyTo and Mentions), Media (uploaded first), Poll, Location, Contact
	// and Reaction (MessageID and Emoji; the reacted message is one the account to sent).
	Send(ctx context.Context, to string, m session.Outgoing) (string, error)
	// Edit replaces the text of message id this phone sent to the account to.
	Edit(ctx context.Context, to, id, text string) error
	// SendUndecryptable sends the account to a message its devices cannot decrypt, and returns its ID.
	SendUndecryptable(ctx context.Context, to string) (string, error)
	// NextMessage waits for the next message a device sent to this phone, decoded.
	NextMessage(ctx context.Context) (Received, error)
	// NextRead waits for the next read receipt a device sent this phone, and returns the message IDs it covers;
	// delivery receipts are skipped.
	NextRead(ctx context.Context) ([]string, error)
	// MarkRead tells the devices of account to that this phone read ids.
	MarkRead(to string, ids ...string) error
}

// Received is a message a phone got from a session, decoded; exactly one of the content fields is set.
type Received struct {
	ID string
	// Type is text, image, video, audio, voice, document, sticker, poll, location, contact, reaction, buttons or
	// list.
	Type string
	// Text is the text, or a media caption.
	Text string
	// ReplyTo is the quoted message's ID.
	ReplyTo string
	// Mentions are the mentioned users, each by the one form the message named them with.
	Mentions []session.Address
	// Media is the media file as the phone downloaded and decrypted it (Data set).
	Media    *session.Media
	Poll     *session.Poll
	Location *session.Location
	Contact  *session.ContactCard
	Reaction *session.Reaction
}
