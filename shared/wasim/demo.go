package wasim

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/demo"
)

// Demo is demo mode's WhatsApp: a Server keeping its state in a directory, with a few fake contacts who answer
// like people do, and demo phones that scan sessions' QR codes. It implements demo.World.
type Demo struct {
	srv *Server

	mu       sync.Mutex
	timers   map[types.JID]*time.Timer // keepalive faults heal after KeepaliveFault
	contacts []demo.Contact
}

var _ demo.World = (*Demo)(nil)

// demoContacts are the fake people of demo mode. The numbers are in ranges no real subscriber has.
var demoContacts = []struct {
	phone, name    string
	reply, read    bool
	behaviour      string
	greetingArabic bool
}{
	{"966500000101", "Layla (demo)", true, true, "reads and answers every message, in Arabic and English", true},
	{"966500000102", "Omar (demo)", false, true, "reads every message, never answers", false},
	{"15550000103", "Sam (demo)", true, false, "answers every message without sending read receipts", false},
}

// demoOwnPrefix numbers the demo phones that scan QR codes: the user's "own" phones.
const demoOwnPrefix = "9665000002"

// KeepaliveFault is how long a "keepalive" fault lasts before the server answers pings again.
var KeepaliveFault = 90 * time.Second

// OpenDemo starts demo mode's server with its state in dir and sets up the demo contacts. Close it when done.
func OpenDemo(dir string, log *slog.Logger) (*Demo, error) {
	srv, err := Start(Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, err
	}
	d := &Demo{srv: srv, timers: map[types.JID]*time.Timer{}}
	for _, c := range demoContacts {
		p := srv.Phone(c.phone)
		if p.Name() != c.name {
			p.Named(c.name)
		}
		p.AutoRead(c.read)
		if c.reply {
			arabic := c.greetingArabic
			p.AutoReply(func(r Received) string { return demoReply(r, arabic) })
		}
		d.contacts = append(d.contacts, demo.Contact{Phone: c.phone, LID: p.LID().User, Name: c.name, Behaviour: c.behaviour})
	}
	return d, nil
}

// demoReply is what a replying contact answers.
func demoReply(r Received, arabic bool) string {
	what := "your message"
	if t := r.Text(); t != "" {
		what = "«" + truncate(t, 60) + "»"
	} else if k := messageType(r.Message); k != "text" {
		what = "your " + k
	}
	if arabic {
		return "وصلتني رسالتك 👍 Got " + what + ", thanks!"
	}
	return "Got " + what + ", thanks!"
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// HTTPClient is the client whatsmeow must use to reach the demo server.
func (d *Demo) HTTPClient() *http.Client { return d.srv.HTTPClient() }

// Close stops the server (its state stays in the directory).
func (d *Demo) Close() {
	d.mu.Lock()
	for _, t := range d.timers {
		t.Stop()
	}
	d.mu.Unlock()
	d.srv.Close()
}

// Contacts lists the demo contacts.
func (d *Demo) Contacts() []demo.Contact { return append([]demo.Contact(nil), d.contacts...) }

// Scan has a new demo phone scan the QR code.
func (d *Demo) Scan(ctx context.Context, qr string) (string, error) {
	n := 0
	for _, p := range d.srv.Phones() {
		if strings.HasPrefix(p.number, demoOwnPrefix) {
			n++
		}
	}
	number := fmt.Sprintf("%s%02d", demoOwnPrefix, n+1)
	p := d.srv.Phone(number).Named(fmt.Sprintf("Demo phone %d", n+1))
	if _, err := p.Scan(qr); err != nil {
		return "", err
	}
	return number, nil
}

func (d *Demo) isContact(phone string) bool {
	for _, c := range d.contacts {
		if c.Phone == phone {
			return true
		}
	}
	return false
}

// Write has a contact send text to an account.
func (d *Demo) Write(ctx context.Context, from, to, text string) (string, error) {
	if !d.isContact(from) {
		return "", demo.ErrUnknownContact
	}
	return d.srv.Phone(from).SendText(ctx, d.srv.Phone(to), text)
}

// WriteImage has a contact send an image: uploaded to the server's media host as the phone's app would, then
// sent as an image message.
func (d *Demo) WriteImage(ctx context.Context, from, to string, image []byte, mime, caption string) (string, error) {
	if !d.isContact(from) {
		return "", demo.ErrUnknownContact
	}
	p := d.srv.Phone(from)
	up, err := p.Upload(image, whatsmeow.MediaImage)
	if err != nil {
		return "", err
	}
	msg := &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: proto.String(mime), Caption: proto.String(caption),
		URL: proto.String(up.URL), DirectPath: proto.String(up.DirectPath), MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: proto.Uint64(up.FileLength)}}
	return p.Send(ctx, d.srv.Phone(to), msg)
}

// Inbox lists what a contact received from the given accounts.
func (d *Demo) Inbox(phone string, accounts []string) ([]demo.Message, error) {
	if !d.isContact(phone) {
		return nil, demo.ErrUnknownContact
	}
	out := []demo.Message{}
	for _, r := range d.srv.Phone(phone).InboxFrom(accounts...) {
		m := demo.Message{ID: r.ID, From: r.From.User, Type: messageType(r.Message), Text: messageText(r.Message), Time: r.Time}
		if !r.Delivered.IsZero() {
			t := r.Delivered
			m.DeliveredAt = &t
		}
		if !r.Read.IsZero() {
			t := r.Read
			m.ReadAt = &t
		}
		out = append(out, m)
	}
	return out, nil
}

// Fault injects a fault into a linked device.
func (d *Demo) Fault(ctx context.Context, deviceJID, kind string) error {
	jid, err := types.ParseJID(deviceJID)
	if err != nil {
		return fmt.Errorf("device %q: %w", deviceJID, err)
	}
	switch kind {
	case demo.FaultDrop:
		d.srv.Kick(jid)
	case demo.FaultReplaced:
		d.srv.Replace(jid)
	case demo.FaultBan:
		d.srv.Ban(jid, time.Hour)
	case demo.FaultLogout:
		d.srv.Unlink(jid)
	case demo.FaultOutdated:
		d.srv.Outdate(jid, true)
	case demo.FaultKeepalive:
		d.srv.DropPings(jid, true)
		d.mu.Lock()
		if t := d.timers[jid]; t != nil {
			t.Stop()
		}
		d.timers[jid] = time.AfterFunc(KeepaliveFault, func() { d.srv.DropPings(jid, false) })
		d.mu.Unlock()
	default:
		return fmt.Errorf("unknown fault %q", kind)
	}
	return nil
}

// messageType names a message's content the way WaQtor's API does.
func messageType(m *waE2E.Message) string {
	switch {
	case m.GetConversation() != "" || m.GetExtendedTextMessage() != nil:
		return "text"
	case m.GetImageMessage() != nil:
		return "image"
	case m.GetVideoMessage() != nil:
		return "video"
	case m.GetAudioMessage() != nil:
		if m.GetAudioMessage().GetPTT() {
			return "voice"
		}
		return "audio"
	case m.GetDocumentMessage() != nil:
		return "document"
	case m.GetStickerMessage() != nil:
		return "sticker"
	case m.GetLocationMessage() != nil:
		return "location"
	case m.GetContactMessage() != nil:
		return "contact"
	case m.GetPollCreationMessage() != nil || m.GetPollCreationMessageV2() != nil || m.GetPollCreationMessageV3() != nil:
		return "poll"
	case m.GetReactionMessage() != nil:
		return "reaction"
	case m.GetButtonsMessage() != nil:
		return "buttons"
	case m.GetListMessage() != nil:
		return "list"
	}
	return "unknown"
}

func messageText(m *waE2E.Message) string {
	switch {
	case m.GetConversation() != "":
		return m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		return m.GetExtendedTextMessage().GetText()
	case m.GetImageMessage() != nil:
		return m.GetImageMessage().GetCaption()
	case m.GetVideoMessage() != nil:
		return m.GetVideoMessage().GetCaption()
	case m.GetDocumentMessage() != nil:
		return m.GetDocumentMessage().GetCaption()
	case m.GetLocationMessage() != nil:
		return m.GetLocationMessage().GetName()
	case m.GetContactMessage() != nil:
		return m.GetContactMessage().GetDisplayName()
	case m.GetPollCreationMessage() != nil:
		return m.GetPollCreationMessage().GetName()
	case m.GetPollCreationMessageV3() != nil:
		return m.GetPollCreationMessageV3().GetName()
	case m.GetReactionMessage() != nil:
		return m.GetReactionMessage().GetText()
	}
	return ""
}
