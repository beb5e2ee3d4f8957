package whatsapp_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessiontest"
	"github.com/waqtor/waqtor/shared/wasim"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// TestMain shortens whatsmeow's keepalive timing (process globals, set before any client exists): pings every
// 100–200 ms, a missed answer after 500 ms.
func TestMain(m *testing.M) {
	whatsmeow.KeepAliveIntervalMin = 100 * time.Millisecond
	whatsmeow.KeepAliveIntervalMax = 200 * time.Millisecond
	whatsmeow.KeepAliveResponseDeadline = 500 * time.Millisecond
	os.Exit(m.Run())
}

// The adapter on the fake WhatsApp server passes the port's contract suite.
func TestContract(t *testing.T) {
	sessiontest.Run(t, sessiontest.Harness{New: newWorld})
}

func newWorld(t *testing.T) (session.Devices, sessiontest.Network) {
	srv := wasim.New(t)
	logger := slog.New(slog.DiscardHandler)
	if os.Getenv("WHATSAPP_DEBUG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	devs, err := whatsapp.Open(context.Background(), whatsapp.Options{
		DSN:               filepath.Join(t.TempDir(), "wa.db"),
		HTTPClient:        srv.HTTPClient(),
		Logger:            logger,
		QRIntervals:       []time.Duration{time.Second, 500 * time.Millisecond, 500 * time.Millisecond},
		WatchdogKeepalive: time.Second,
	})
	if err != nil {
		t.Fatalf("open devices: %v", err)
	}
	t.Cleanup(func() { _ = devs.Close() })
	return devs, network{srv}
}

// network is the contract suite's view of wasim.
type network struct{ srv *wasim.Server }

func device(jid string) types.JID {
	j, err := types.ParseJID(jid)
	if err != nil {
		panic(err)
	}
	return j
}

func (n network) Phone(number string) sessiontest.Phone { return phone{n.srv, n.srv.Phone(number)} }
func (n network) Drop(jid string)                       { n.srv.Kick(device(jid)) }
func (n network) Replace(jid string)                    { n.srv.Replace(device(jid)) }
func (n network) Ban(jid string, d time.Duration)       { n.srv.Ban(device(jid), d) }
func (n network) Unlink(jid string)                     { n.srv.Unlink(device(jid)) }
func (n network) Outdate(jid string)                    { n.srv.Outdate(device(jid), true) }
func (n network) StallKeepalive(jid string, stall bool) { n.srv.DropPings(device(jid), stall) }
func (n network) Problems() []string                    { return n.srv.Problems() }

type phone struct {
	srv *wasim.Server
	p   *wasim.Phone
}

func (p phone) Number() string { return p.p.JID().User }
func (p phone) LID() string    { return p.p.LID().String() }

func (p phone) Scan(qr string) error {
	_, err := p.p.Scan(qr)
	return err
}

func (p phone) EnterCode(code string) error {
	_, err := p.p.EnterCode(code)
	return err
}

var mediaTypes = map[session.MediaKind]whatsmeow.MediaType{
	session.Image: whatsmeow.MediaImage, session.Video: whatsmeow.MediaVideo, session.Audio: whatsmeow.MediaAudio,
	session.Voice: whatsmeow.MediaAudio, session.Document: whatsmeow.MediaDocument, session.Sticker: whatsmeow.MediaImage,
}

// Send builds the message as the phone's app would, independently of the adapter's own builder.
func (p phone) Send(ctx context.Context, to string, m session.Outgoing) (string, error) {
	var msg *waE2E.Message
	var err error
	switch {
	case m.Media != nil:
		msg, err = p.mediaMessage(*m.Media)
	case m.Text != "" && m.ReplyTo == nil && len(m.Mentions) == 0:
		msg = &waE2E.Message{Conversation: proto.String(m.Text)}
	case m.Text != "":
		ci := &waE2E.ContextInfo{}
		if m.ReplyTo != nil {
			ci.StanzaID = proto.String(m.ReplyTo.ID)
			ci.Participant = proto.String(types.NewJID(to, types.DefaultUserServer).String())
			ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(m.ReplyTo.Text)}
		}
		for _, a := range m.Mentions {
			ci.MentionedJID = append(ci.MentionedJID, types.NewJID(a.Phone, types.DefaultUserServer).String())
		}
		msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(m.Text), ContextInfo: ci}}
	case m.Poll != nil:
		opts := make([]*waE2E.PollCreationMessage_Option, len(m.Poll.Options))
		for i, o := range m.Poll.Options {
			opts[i] = &waE2E.PollCreationMessage_Option{OptionName: proto.String(o)}
		}
		msg = &waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String(m.Poll.Question),
			Options: opts, SelectableOptionsCount: proto.Uint32(uint32(m.Poll.Selectable))},
			MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: make([]byte, 32)}}
	case m.Location != nil:
		msg = &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(m.Location.Latitude),
			DegreesLongitude: proto.Float64(m.Location.Longitude), Name: proto.String(m.Location.Name),
			Address: proto.String(m.Location.Address)}}
	case m.Contact != nil:
		msg = &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String(m.Contact.Name),
			Vcard: proto.String("BEGIN:VCARD\nVERSION:3.0\nN:;" + m.Contact.Name + ";;;\nFN:" + m.Contact.Name +
				"\nTEL;type=CELL;waid=" + m.Contact.Phone + ":+" + m.Contact.Phone + "\nEND:VCARD")}}
	case m.Reaction != nil:
		msg = &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String(m.Reaction.Emoji),
			SenderTimestampMS: proto.Int64(time.Now().UnixMilli()), Key: &waCommon.MessageKey{
				RemoteJID: proto.String(types.NewJID(to, types.DefaultUserServer).String()), FromMe: proto.Bool(false),
				ID: proto.String(m.Reaction.MessageID)}}}
	default:
		return "", fmt.Errorf("phone cannot send %+v", m)
	}
	if err != nil {
		return "", err
	}
	return p.p.Send(ctx, p.srv.Phone(to), msg)
}

// Edit sends the edit as WhatsApp clients do: a MESSAGE_EDIT protocol message inside EditedMessage.
func (p phone) Edit(ctx context.Context, to, id, text string) error {
	_, err := p.p.Send(ctx, p.srv.Phone(to), &waE2E.Message{EditedMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
		ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), TimestampMS: proto.Int64(time.Now().UnixMilli()),
			Key: &waCommon.MessageKey{FromMe: proto.Bool(true), ID: proto.String(id),
				RemoteJID: proto.String(types.NewJID(to, types.DefaultUserServer).String())},
			EditedMessage: &waE2E.Message{Conversation: proto.String(text)},
		},
	}}})
	return err
}

func (p phone) SendUndecryptable(ctx context.Context, to string) (string, error) {
	return p.p.SendUndecryptable(ctx, p.srv.Phone(to))
}

// mediaMessage uploads the file as the phone's app does and builds the media message of its kind.
func (p phone) mediaMessage(m session.Media) (*waE2E.Message, error) {
	up, err := p.p.Upload(m.Data, mediaTypes[m.Kind])
	if err != nil {
		return nil, err
	}
	var caption, fileName *string
	if m.Caption != "" {
		caption = proto.String(m.Caption)
	}
	if m.FileName != "" {
		fileName = proto.String(m.FileName)
	}
	mime := proto.String(m.Mime)
	var msg waE2E.Message
	switch m.Kind {
	case session.Image:
		msg.ImageMessage = &waE2E.ImageMessage{Mimetype: mime, Caption: caption, URL: &up.URL, DirectPath: &up.DirectPath,
			MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}
	case session.Video:
		msg.VideoMessage = &waE2E.VideoMessage{Mimetype: mime, Caption: caption, URL: &up.URL, DirectPath: &up.DirectPath,
			MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}
	case session.Audio, session.Voice:
		msg.AudioMessage = &waE2E.AudioMessage{Mimetype: mime, PTT: proto.Bool(m.Kind == session.Voice), URL: &up.URL,
			DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256,
			FileLength: &up.FileLength}
	case session.Document:
		msg.DocumentMessage = &waE2E.DocumentMessage{Mimetype: mime, Caption: caption, FileName: fileName, URL: &up.URL,
			DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256,
			FileLength: &up.FileLength}
	case session.Sticker:
		msg.StickerMessage = &waE2E.StickerMessage{Mimetype: mime, URL: &up.URL, DirectPath: &up.DirectPath,
			MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength}
	default:
		return nil, fmt.Errorf("media kind %q", m.Kind)
	}
	return &msg, nil
}

func (p phone) MarkRead(to string, ids ...string) error { return p.p.MarkRead(p.srv.Phone(to), ids...) }

func (p phone) NextRead(ctx context.Context) ([]string, error) {
	for {
		r, err := p.p.NextReceipt(ctx)
		if err != nil {
			return nil, err
		}
		if r.Type == types.ReceiptTypeRead {
			return r.IDs, nil
		}
	}
}

// NextMessage decodes what the phone received, independently of the adapter's own decoder.
func (p phone) NextMessage(ctx context.Context) (sessiontest.Received, error) {
	r, err := p.p.NextMessage(ctx)
	if err != nil {
		return sessiontest.Received{}, err
	}
	out := sessiontest.Received{ID: r.ID}
	msg := r.Message
	var ci *waE2E.ContextInfo
	media := func(kind session.MediaKind, mime, caption, fileName string, d whatsmeow.DownloadableMessage) error {
		data, err := p.p.Download(d, mediaTypes[kind])
		if err != nil {
			return err
		}
		out.Type, out.Text = string(kind), caption
		out.Media = &session.Media{Kind: kind, Mime: mime, Caption: caption, FileName: fileName, Data: data}
		return nil
	}
	switch {
	case msg.Conversation != nil:
		out.Type, out.Text = "text", msg.GetConversation()
	case msg.ExtendedTextMessage != nil:
		out.Type, out.Text, ci = "text", msg.GetExtendedTextMessage().GetText(), msg.GetExtendedTextMessage().GetContextInfo()
	case msg.ImageMessage != nil:
		m := msg.GetImageMessage()
		err = media(session.Image, m.GetMimetype(), m.GetCaption(), "", m)
	case msg.VideoMessage != nil:
		m := msg.GetVideoMessage()
		err = media(session.Video, m.GetMimetype(), m.GetCaption(), "", m)
	case msg.AudioMessage != nil:
		m := msg.GetAudioMessage()
		kind := session.Audio
		if m.GetPTT() {
			kind = session.Voice
		}
		err = media(kind, m.GetMimetype(), "", "", m)
	case msg.DocumentMessage != nil:
		m := msg.GetDocumentMessage()
		err = media(session.Document, m.GetMimetype(), m.GetCaption(), m.GetFileName(), m)
	case msg.StickerMessage != nil:
		m := msg.GetStickerMessage()
		err = media(session.Sticker, m.GetMimetype(), "", "", m)
	case msg.PollCreationMessage != nil || msg.PollCreationMessageV3 != nil:
		pc := msg.GetPollCreationMessage()
		if pc == nil {
			pc = msg.GetPollCreationMessageV3()
		}
		out.Type = "poll"
		out.Poll = &session.Poll{Question: pc.GetName(), Selectable: int(pc.GetSelectableOptionsCount())}
		for _, o := range pc.GetOptions() {
			out.Poll.Options = append(out.Poll.Options, o.GetOptionName())
		}
	case msg.LocationMessage != nil:
		m := msg.GetLocationMessage()
		out.Type = "location"
		out.Location = &session.Location{Latitude: m.GetDegreesLatitude(), Longitude: m.GetDegreesLongitude(),
			Name: m.GetName(), Address: m.GetAddress()}
	case msg.ContactMessage != nil:
		m := msg.GetContactMessage()
		out.Type = "contact"
		out.Contact = &session.ContactCard{Name: m.GetDisplayName(), Phone: waid(m.GetVcard())}
	case msg.ReactionMessage != nil:
		m := msg.GetReactionMessage()
		out.Type = "reaction"
		out.Reaction = &session.Reaction{MessageID: m.GetKey().GetID(), FromMe: m.GetKey().GetFromMe(), Emoji: m.GetText()}
	case msg.ButtonsMessage != nil:
		out.Type, out.Text = "buttons", msg.GetButtonsMessage().GetContentText()
	case msg.ListMessage != nil:
		out.Type, out.Text = "list", msg.GetListMessage().GetDescription()
	default:
		out.Type = "unknown"
	}
	if ci != nil {
		out.ReplyTo = ci.GetStanzaID()
		for _, m := range ci.GetMentionedJID() {
			jid, _ := types.ParseJID(m)
			switch jid.Server {
			case types.DefaultUserServer:
				out.Mentions = append(out.Mentions, session.Address{Phone: jid.User})
			case types.HiddenUserServer:
				out.Mentions = append(out.Mentions, session.Address{LID: jid.String()})
			}
		}
	}
	return out, err
}

// waid is the WhatsApp number in a vCard's TEL line ("…;waid=966500000003:+966500000003").
func waid(vcard string) string {
	const key = "waid="
	for i := 0; i+len(key) < len(vcard); i++ {
		if vcard[i:i+len(key)] == key {
			rest := vcard[i+len(key):]
			end := 0
			for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
				end++
			}
			return rest[:end]
		}
	}
	return ""
}
