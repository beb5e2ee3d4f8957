package session

import (
	"bytes"
	"context"
	"io"
	"time"
)

// Address names a WhatsApp user or group. WhatsApp is moving direct chats from phone numbers to LIDs, so both
// forms are carried wherever they are known; exactly one of Phone/LID (a user) or Group is required.
type Address struct {
	// Phone is a user's number, E.164 digits without "+".
	Phone string `json:"phone,omitempty"`
	// LID is a user's linked ID, "digits@lid".
	LID string `json:"lid,omitempty"`
	// Group is a group's JID, "…@g.us".
	Group string `json:"group,omitempty"`
}

// IsZero reports whether a names nobody.
func (a Address) IsZero() bool { return a.Phone == "" && a.LID == "" && a.Group == "" }

// MediaKind is the kind of a media message.
type MediaKind string

// Media kinds.
const (
	Image    MediaKind = "image"
	Video    MediaKind = "video"
	Audio    MediaKind = "audio"
	Voice    MediaKind = "voice" // an audio message shown as a voice note (push-to-talk)
	Document MediaKind = "document"
	Sticker  MediaKind = "sticker"
)

// Outgoing is one message to send. Exactly one of Text, Media, Poll, Location, Contact, Reaction, Buttons, List is
// the content; ReplyTo and Mentions may accompany text and media.
type Outgoing struct {
	// ID is the WhatsApp message ID to use, from Client.NewMessageID, stored before sending so a retry reuses it.
	ID       string       `json:"id"`
	Text     string       `json:"text,omitempty"`
	ReplyTo  *Quoted      `json:"replyTo,omitempty"`
	Mentions []Address    `json:"mentions,omitempty"`
	Media    *Media       `json:"media,omitempty"`
	Poll     *Poll        `json:"poll,omitempty"`
	Location *Location    `json:"location,omitempty"`
	Contact  *ContactCard `json:"contact,omitempty"`
	Reaction *Reaction    `json:"reaction,omitempty"`
	Buttons  *Buttons     `json:"buttons,omitempty"`
	List     *List        `json:"list,omitempty"`
}

// Quoted is the message a reply quotes.
type Quoted struct {
	ID string `json:"id"`
	// Sender wrote the quoted message (zero when it was this session's own).
	Sender Address `json:"sender,omitempty"`
	FromMe bool    `json:"fromMe,omitempty"`
	Text   string  `json:"text,omitempty"`
}

// Media is a media attachment: the file is Data, or, when Body is set, Size bytes read from Body once (so a large
// file streams from disk instead of being held in memory).
type Media struct {
	Kind     MediaKind `json:"kind"`
	Mime     string    `json:"mime"`
	FileName string    `json:"fileName,omitempty"`
	Caption  string    `json:"caption,omitempty"`
	Data     []byte    `json:"-"`
	Body     io.Reader `json:"-"`
	Size     int64     `json:"-"`
}

// Reader returns the file to read and its length: Body and Size when Body is set, else Data.
func (m *Media) Reader() (io.Reader, int64) {
	if m.Body != nil {
		return m.Body, m.Size
	}
	return bytes.NewReader(m.Data), int64(len(m.Data))
}

// Poll asks a question with 2–12 options; Selectable is how many may be picked (0 or 1: one).
type Poll struct {
	Question   string   `json:"question"`
	Options    []string `json:"options"`
	Selectable int      `json:"selectable,omitempty"`
}

// Location is a pin on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// ContactCard shares a contact (sent as a vCard).
type ContactCard struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Reaction reacts to a message with an emoji ("" removes the reaction).
type Reaction struct {
	MessageID string  `json:"messageId"`
	Sender    Address `json:"sender,omitempty"`
	FromMe    bool    `json:"fromMe,omitempty"`
	Emoji     string  `json:"emoji"`
}

// Buttons is a text with up to 3 quick-reply buttons. Linked devices cannot send interactive messages reliably:
// WhatsApp may drop or downgrade them; polls are the reliable interactive type.
type Buttons struct {
	Text    string   `json:"text"`
	Footer  string   `json:"footer,omitempty"`
	Buttons []Button `json:"buttons"`
}

// Button is one quick-reply button.
type Button struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// List is a menu of rows in sections (best effort, as Buttons).
type List struct {
	Text       string        `json:"text"`
	Footer     string        `json:"footer,omitempty"`
	ButtonText string        `json:"buttonText"`
	Sections   []ListSection `json:"sections"`
}

// ListSection is one titled group of rows.
type ListSection struct {
	Title string    `json:"title"`
	Rows  []ListRow `json:"rows"`
}

// ListRow is one choice.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Sent is WhatsApp's acknowledgement of a send.
type Sent struct {
	ID         string
	ServerTime time.Time
	// From is the sender as WhatsApp recorded it (the account's phone or LID form).
	From Address
}

// NumberInfo says whether a phone number is on WhatsApp.
type NumberInfo struct {
	Query string  `json:"query"`
	OnWA  bool    `json:"exists"`
	User  Address `json:"user"`
	// VerifiedName is the business name of a verified business account.
	VerifiedName string `json:"verifiedName,omitempty"`
}

// MediaRef locates an incoming media file on WhatsApp's servers; Client.Download fetches and decrypts it.
// It is opaque outside the adapter but JSON-serialisable, so it can be stored and downloaded later.
type MediaRef struct {
	Kind     MediaKind `json:"kind"`
	Mime     string    `json:"mime,omitempty"`
	FileName string    `json:"fileName,omitempty"`
	Caption  string    `json:"caption,omitempty"`
	Size     int64     `json:"size,omitempty"`
	// Locator is the adapter's encoding of what it needs to download the file (paths, keys, hashes).
	Locator []byte `json:"locator"`
}

// LoginUpdate is one step of a login: a QR code to show, then Paired or Err.
type LoginUpdate struct {
	// QR is a code to render; ExpiresAt is when the next one replaces it.
	QR        string
	ExpiresAt time.Time
	// Paired is set when the phone linked this device.
	Paired *Account
	// Err ends the login without pairing (codes ran out, pairing refused, client outdated).
	Err error
}

// Client is one WhatsApp linked device (one whatsmeow.Client). A Client is safe for concurrent use; sends are
// serialised per client.
type Client interface {
	// Account is the linked account, known once paired.
	Account() (Account, bool)
	// Connect logs a paired client in; ctx bounds the connection's whole lifetime (not just the dial). The client
	// then reconnects by itself after transient failures and reports its statuses through the handler.
	Connect(ctx context.Context) error
	// Disconnect closes the connection on purpose (status Stopped, no reconnect).
	Disconnect()
	// Logout unlinks the device from the phone and deletes its keys.
	Logout(ctx context.Context) error
	// LoginQR starts pairing an unpaired client by QR code. The channel yields rotating codes and ends with one
	// update carrying Paired or Err; after Paired the client is connected and logged in. ctx bounds the login.
	LoginQR(ctx context.Context) (<-chan LoginUpdate, error)
	// LoginCode starts pairing by phone code: it returns the 8-character code the user types on the phone with
	// that phone number, and the same updates as LoginQR.
	LoginCode(ctx context.Context, phone string) (string, <-chan LoginUpdate, error)
	// NewMessageID allocates a WhatsApp message ID; store it before sending so a retried send reuses it.
	NewMessageID() string
	// Send sends m and returns once WhatsApp acknowledged it. Receipts for m may arrive before Send returns.
	Send(ctx context.Context, to Address, m Outgoing) (Sent, error)
	// MarkRead sends read receipts for ids in chat (sender only matters in groups).
	MarkRead(ctx context.Context, chat, sender Address, ids []string, at time.Time) error
	// Lookup asks WhatsApp which of phones are on WhatsApp.
	Lookup(ctx context.Context, phones []string) ([]NumberInfo, error)
	// Download fetches and decrypts an incoming media file.
	Download(ctx context.Context, ref MediaRef) ([]byte, error)
	// SetHandler sets the one event handler. It runs synchronously before WhatsApp is acked: returning an error
	// means "not processed", and WhatsApp delivers the event again later. Set it before Connect or LoginQR.
	SetHandler(h func(ctx context.Context, e Event) error)
}

// Devices is the device store holding every linked device's keys (one whatsmeow sqlstore.Container).
type Devices interface {
	// New returns a fresh, unpaired client (persisted once pairing succeeds).
	New(ctx context.Context) (Client, error)
	// Open returns the client of a paired device by its DeviceJID; ErrDeviceNotFound when its keys are gone
	// (logged out).
	Open(ctx context.Context, deviceJID string) (Client, error)
	Close() error
}

// Event is something WhatsApp told a client: StatusChanged, MessageReceived, ReceiptReceived or Undecryptable.
type Event interface{ isEvent() }

// StatusChanged: the client entered a status (the supervisor's mapping of every lifecycle event).
type StatusChanged struct {
	Status Status
	Reason string
	// Until is when a ban ends (Banned only).
	Until time.Time
	// Cause is set (one of the Cause constants) when the status is entered because WhatsApp cannot be reached,
	// and NextRetryAt says when the client tries again.
	Cause       string
	NextRetryAt time.Time
}

// MessageReceived is an incoming message (or one this account sent from another device: FromMe).
type MessageReceived struct {
	ID     string
	Chat   Address
	Sender Address
	FromMe bool
	// PushName is the sender's display name.
	PushName string
	Time     time.Time
	// Type is the content type: text, image, video, audio, voice, document, sticker, location, contact, poll,
	// reaction, or "unknown" for what WaQtor does not decode.
	Type     string
	Text     string
	Media    *MediaRef
	Location *Location
	Contact  *ContactCard
	Poll     *Poll
	Reaction *Reaction
	// ReplyTo is the ID of the quoted message, if any.
	ReplyTo string
	// Mentions are the users mentioned in the text.
	Mentions []Address
	Edit     bool
}

// ReceiptKind is what a receipt says about outgoing messages.
type ReceiptKind string

// Receipt kinds.
const (
	Delivered ReceiptKind = "delivered"
	Read      ReceiptKind = "read"
	Played    ReceiptKind = "played"
)

// ReceiptReceived says messages this account sent reached (or were read by) a recipient. Match on IDs: Chat may
// name the recipient by LID even when the message was sent to a phone number.
type ReceiptReceived struct {
	Chat Address
	From Address
	IDs  []string
	Kind ReceiptKind
	Time time.Time
}

// Undecryptable is a message that could not be decrypted (whatsmeow has asked the sender to send it again).
type Undecryptable struct {
	ID     string
	Chat   Address
	Sender Address
	Time   time.Time
}

func (StatusChanged) isEvent()   {}
func (MessageReceived) isEvent() {}
func (ReceiptReceived) isEvent() {}
func (Undecryptable) isEvent()   {}
