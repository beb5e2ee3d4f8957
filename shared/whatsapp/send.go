package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/session"
)

// Send sends m to to and returns once WhatsApp acknowledged it; see session.Client. Errors wrap
// session.ErrNotConnected (not logged in), session.ErrNotOnWhatsApp (the number has no account) or ErrBadMessage.
func (c *Client) Send(ctx context.Context, to session.Address, m session.Outgoing) (session.Sent, error) {
	wa := c.current()
	if wa.Store.ID == nil || !loggedIn(wa) {
		return session.Sent{}, fmt.Errorf("send: %w", session.ErrNotConnected)
	}
	jid, err := jidOf(to)
	if err != nil {
		return session.Sent{}, fmt.Errorf("send: %w", err)
	}
	msg, err := c.build(ctx, wa, jid, m)
	if err != nil {
		return session.Sent{}, fmt.Errorf("send: %w", err)
	}
	id := m.ID
	if id == "" {
		id = wa.GenerateMessageID()
	}
	resp, err := wa.SendMessage(ctx, jid, msg, whatsmeow.SendRequestExtra{ID: id, Timeout: c.opts.SendTimeout})
	c.dog.sendDone(errors.Is(err, whatsmeow.ErrMessageTimedOut))
	if err != nil {
		return session.Sent{}, c.sendError(ctx, wa, jid, err)
	}
	return session.Sent{ID: resp.ID, ServerTime: resp.Timestamp, From: addressOf(ctx, wa, resp.Sender)}, nil
}

// sendError maps a whatsmeow send error to the port's: a phone number WhatsApp has no LID for is checked with a
// lookup, so "not on WhatsApp" is reported only when WhatsApp says so.
func (c *Client) sendError(ctx context.Context, wa *whatsmeow.Client, to types.JID, err error) error {
	if errors.Is(err, whatsmeow.ErrNotLoggedIn) || errors.Is(err, whatsmeow.ErrNotConnected) ||
		errors.Is(err, whatsmeow.ErrIQDisconnected) || !loggedIn(wa) {
		return fmt.Errorf("send: %w: %w", session.ErrNotConnected, err)
	}
	if to.Server == types.DefaultUserServer && ctx.Err() == nil {
		if lid, lerr := wa.Store.LIDs.GetLIDForPN(ctx, to); lerr == nil && lid.IsEmpty() {
			infos, lerr := wa.IsOnWhatsApp(ctx, []string{"+" + to.User})
			if lerr == nil && (len(infos) == 0 || !infos[0].IsIn) {
				return fmt.Errorf("send to %s: %w", to.User, session.ErrNotOnWhatsApp)
			}
		}
	}
	return fmt.Errorf("send: %w", err)
}

// build turns m into the WhatsApp message proto for chat, uploading media first.
func (c *Client) build(ctx context.Context, wa *whatsmeow.Client, chat types.JID, m session.Outgoing) (*waE2E.Message, error) {
	kinds := 0
	for _, set := range []bool{m.Text != "" && m.Media == nil, m.Media != nil, m.Poll != nil, m.Location != nil,
		m.Contact != nil, m.Reaction != nil, m.Buttons != nil, m.List != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, fmt.Errorf("%w: %d kinds of content, want exactly one", ErrBadMessage, kinds)
	}
	ci, err := contextInfo(wa, m)
	if err != nil {
		return nil, err
	}
	switch {
	case m.Media != nil:
		return c.buildMedia(ctx, wa, m.Media, ci)
	case m.Text != "":
		if ci == nil {
			return &waE2E.Message{Conversation: proto.String(m.Text)}, nil
		}
		return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(m.Text), ContextInfo: ci}}, nil
	case m.Poll != nil:
		if m.Poll.Question == "" || len(m.Poll.Options) < 2 || len(m.Poll.Options) > 12 {
			return nil, fmt.Errorf("%w: a poll needs a question and 2 to 12 options", ErrBadMessage)
		}
		selectable := m.Poll.Selectable
		if selectable <= 0 {
			selectable = 1
		}
		return wa.BuildPollCreation(m.Poll.Question, m.Poll.Options, selectable), nil
	case m.Location != nil:
		l := m.Location
		return &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(l.Latitude),
			DegreesLongitude: proto.Float64(l.Longitude), Name: optional(l.Name), Address: optional(l.Address)}}, nil
	case m.Contact != nil:
		if m.Contact.Name == "" || m.Contact.Phone == "" {
			return nil, fmt.Errorf("%w: a contact needs a name and a phone", ErrBadMessage)
		}
		return &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String(m.Contact.Name),
			Vcard: proto.String(vCard(*m.Contact))}}, nil
	case m.Reaction != nil:
		return buildReaction(wa, chat, m.Reaction)
	case m.Buttons != nil:
		return buildButtons(m.Buttons), nil
	default:
		return buildList(m.List), nil
	}
}

// contextInfo carries the reply and mentions of m, nil when it has neither.
func contextInfo(wa *whatsmeow.Client, m session.Outgoing) (*waE2E.ContextInfo, error) {
	if m.ReplyTo == nil && len(m.Mentions) == 0 {
		return nil, nil
	}
	ci := &waE2E.ContextInfo{}
	if q := m.ReplyTo; q != nil {
		ci.StanzaID = proto.String(q.ID)
		sender := types.EmptyJID
		if q.FromMe {
			sender = wa.Store.ID.ToNonAD()
		} else if !q.Sender.IsZero() {
			jid, err := jidOf(q.Sender)
			if err != nil {
				return nil, fmt.Errorf("reply: %w", err)
			}
			sender = jid
		}
		if !sender.IsEmpty() {
			ci.Participant = proto.String(sender.String())
		}
		ci.QuotedMessage = &waE2E.Message{Conversation: proto.String(q.Text)}
	}
	for _, a := range m.Mentions {
		jid, err := jidOf(a)
		if err != nil {
			return nil, fmt.Errorf("mention: %w", err)
		}
		ci.MentionedJID = append(ci.MentionedJID, jid.String())
	}
	return ci, nil
}

// buildMedia uploads the file and builds the media message of its kind.
func (c *Client) buildMedia(ctx context.Context, wa *whatsmeow.Client, md *session.Media, ci *waE2E.ContextInfo) (*waE2E.Message, error) {
	body, size := md.Reader()
	if size <= 0 {
		return nil, fmt.Errorf("%w: empty media", ErrBadMessage)
	}
	mediaType, ok := mediaTypes[md.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: media kind %q", ErrBadMessage, md.Kind)
	}
	var up whatsmeow.UploadResponse
	var err error
	if md.Body != nil {
		// Streamed: whatsmeow encrypts into a temporary file and uploads from it, so a 100 MB document costs
		// buffers, not 100 MB (twice) of memory.
		up, err = wa.UploadReader(ctx, body, nil, mediaType)
		if err == nil && up.FileLength != uint64(size) {
			err = fmt.Errorf("%w: read %d bytes of media, want %d", ErrBadMessage, up.FileLength, size)
		}
	} else {
		up, err = wa.Upload(ctx, md.Data, mediaType)
	}
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", md.Kind, err)
	}
	mime := proto.String(md.Mime)
	switch md.Kind {
	case session.Image:
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Mimetype: mime, Caption: optional(md.Caption),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, ContextInfo: ci}}, nil
	case session.Video:
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Mimetype: mime, Caption: optional(md.Caption),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, ContextInfo: ci}}, nil
	case session.Audio, session.Voice:
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: mime, PTT: proto.Bool(md.Kind == session.Voice),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, ContextInfo: ci}}, nil
	case session.Document:
		name := md.FileName
		if name == "" {
			name = "file"
		}
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{Mimetype: mime, FileName: proto.String(name),
			Title: proto.String(name), Caption: optional(md.Caption),
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, ContextInfo: ci}}, nil
	default: // sticker
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{Mimetype: mime,
			URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
			FileSHA256: up.FileSHA256, FileLength: &up.FileLength, ContextInfo: ci}}, nil
	}
}

// mediaTypes are the encryption domains of the media kinds (stickers are encrypted as images).
var mediaTypes = map[session.MediaKind]whatsmeow.MediaType{
	session.Image: whatsmeow.MediaImage, session.Video: whatsmeow.MediaVideo, session.Audio: whatsmeow.MediaAudio,
	session.Voice: whatsmeow.MediaAudio, session.Document: whatsmeow.MediaDocument, session.Sticker: whatsmeow.MediaImage,
}

func buildReaction(wa *whatsmeow.Client, chat types.JID, r *session.Reaction) (*waE2E.Message, error) {
	if r.MessageID == "" {
		return nil, fmt.Errorf("%w: a reaction needs the message ID", ErrBadMessage)
	}
	var sender types.JID
	switch {
	case r.FromMe:
		sender = wa.Store.ID.ToNonAD()
	case !r.Sender.IsZero():
		jid, err := jidOf(r.Sender)
		if err != nil {
			return nil, fmt.Errorf("reaction: %w", err)
		}
		sender = jid
	default:
		sender = chat // a direct chat: the other side wrote it
	}
	return wa.BuildReaction(chat, sender, r.MessageID, r.Emoji), nil
}

// buildButtons is best effort: WhatsApp may drop or downgrade interactive messages from linked devices.
func buildButtons(b *session.Buttons) *waE2E.Message {
	buttons := make([]*waE2E.ButtonsMessage_Button, len(b.Buttons))
	for i, btn := range b.Buttons {
		buttons[i] = &waE2E.ButtonsMessage_Button{ButtonID: proto.String(btn.ID),
			ButtonText: &waE2E.ButtonsMessage_Button_ButtonText{DisplayText: proto.String(btn.Text)},
			Type:       waE2E.ButtonsMessage_Button_RESPONSE.Enum()}
	}
	return &waE2E.Message{ButtonsMessage: &waE2E.ButtonsMessage{ContentText: proto.String(b.Text),
		FooterText: optional(b.Footer), Buttons: buttons,
		HeaderType: waE2E.ButtonsMessage_EMPTY.Enum()}}
}

// buildList is best effort, as buildButtons.
func buildList(l *session.List) *waE2E.Message {
	sections := make([]*waE2E.ListMessage_Section, len(l.Sections))
	for i, s := range l.Sections {
		rows := make([]*waE2E.ListMessage_Row, len(s.Rows))
		for j, r := range s.Rows {
			rows[j] = &waE2E.ListMessage_Row{RowID: proto.String(r.ID), Title: proto.String(r.Title), Description: optional(r.Description)}
		}
		sections[i] = &waE2E.ListMessage_Section{Title: proto.String(s.Title), Rows: rows}
	}
	return &waE2E.Message{ListMessage: &waE2E.ListMessage{Description: proto.String(l.Text), FooterText: optional(l.Footer),
		ButtonText: proto.String(l.ButtonText), ListType: waE2E.ListMessage_SINGLE_SELECT.Enum(), Sections: sections}}
}

// vCard is the vCard 3.0 WhatsApp clients send for a shared contact.
func vCard(cc session.ContactCard) string {
	digits := strings.TrimPrefix(cc.Phone, "+")
	return "BEGIN:VCARD\nVERSION:3.0\nFN:" + cc.Name + "\nTEL;type=CELL;type=VOICE;waid=" + digits + ":+" + digits + "\nEND:VCARD"
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
