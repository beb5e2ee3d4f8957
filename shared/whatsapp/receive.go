package whatsapp

import (
	"context"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waqtor/waqtor/shared/session"
)

// onMessage reports an incoming message (or one this account sent from another device). Protocol messages other
// than edits (key shares, history sync notices, revokes) are not messages for WaQtor and are acked silently.
func (c *Client) onMessage(ctx context.Context, wa *whatsmeow.Client, e *events.Message) bool {
	info := e.Info
	chatAlt := info.SenderAlt
	if info.IsFromMe {
		chatAlt = info.RecipientAlt
	}
	if info.IsGroup {
		chatAlt = types.EmptyJID
	}
	out := session.MessageReceived{
		ID: info.ID, Chat: addressOf(ctx, wa, info.Chat, chatAlt), Sender: addressOf(ctx, wa, info.Sender, info.SenderAlt),
		FromMe: info.IsFromMe, PushName: info.PushName, Time: info.Timestamp, Edit: e.IsEdit,
	}
	msg := e.Message
	if pm := msg.GetProtocolMessage(); pm != nil {
		if pm.GetType() != waE2E.ProtocolMessage_MESSAGE_EDIT || pm.GetEditedMessage() == nil {
			return true
		}
		out.Edit, out.ID, msg = true, pm.GetKey().GetID(), pm.GetEditedMessage()
	}
	decode(ctx, wa, msg, &out)
	if out.Type == "unknown" && msg.GetSenderKeyDistributionMessage() != nil {
		return true // a group key share with no content of its own
	}
	return c.emit(ctx, out) == nil
}

// decode fills the content fields of out from msg.
func decode(ctx context.Context, wa *whatsmeow.Client, msg *waE2E.Message, out *session.MessageReceived) {
	var ci *waE2E.ContextInfo
	switch {
	case msg.GetConversation() != "":
		out.Type, out.Text = "text", msg.GetConversation()
	case msg.GetExtendedTextMessage() != nil:
		t := msg.GetExtendedTextMessage()
		out.Type, out.Text, ci = "text", t.GetText(), t.GetContextInfo()
	case msg.GetImageMessage() != nil:
		m := msg.GetImageMessage()
		out.Type, out.Text, ci = "image", m.GetCaption(), m.GetContextInfo()
		out.Media = mediaRef(session.Image, m.GetMimetype(), "", m.GetCaption(), m)
	case msg.GetVideoMessage() != nil:
		m := msg.GetVideoMessage()
		out.Type, out.Text, ci = "video", m.GetCaption(), m.GetContextInfo()
		out.Media = mediaRef(session.Video, m.GetMimetype(), "", m.GetCaption(), m)
	case msg.GetAudioMessage() != nil:
		m := msg.GetAudioMessage()
		kind := session.Audio
		if m.GetPTT() {
			kind = session.Voice
		}
		out.Type, ci = string(kind), m.GetContextInfo()
		out.Media = mediaRef(kind, m.GetMimetype(), "", "", m)
	case msg.GetDocumentMessage() != nil:
		m := msg.GetDocumentMessage()
		out.Type, out.Text, ci = "document", m.GetCaption(), m.GetContextInfo()
		out.Media = mediaRef(session.Document, m.GetMimetype(), m.GetFileName(), m.GetCaption(), m)
	case msg.GetStickerMessage() != nil:
		m := msg.GetStickerMessage()
		out.Type, ci = "sticker", m.GetContextInfo()
		out.Media = mediaRef(session.Sticker, m.GetMimetype(), "", "", m)
	case msg.GetLocationMessage() != nil:
		m := msg.GetLocationMessage()
		out.Type, ci = "location", m.GetContextInfo()
		out.Location = &session.Location{Latitude: m.GetDegreesLatitude(), Longitude: m.GetDegreesLongitude(),
			Name: m.GetName(), Address: m.GetAddress()}
	case msg.GetLiveLocationMessage() != nil:
		m := msg.GetLiveLocationMessage()
		out.Type, ci = "location", m.GetContextInfo()
		out.Location = &session.Location{Latitude: m.GetDegreesLatitude(), Longitude: m.GetDegreesLongitude()}
	case msg.GetContactMessage() != nil:
		m := msg.GetContactMessage()
		out.Type, ci = "contact", m.GetContextInfo()
		out.Contact = parseVCard(m.GetDisplayName(), m.GetVcard())
	case poll(msg) != nil:
		p := poll(msg)
		out.Type, ci = "poll", p.GetContextInfo()
		out.Poll = &session.Poll{Question: p.GetName(), Selectable: int(p.GetSelectableOptionsCount())}
		for _, o := range p.GetOptions() {
			out.Poll.Options = append(out.Poll.Options, o.GetOptionName())
		}
	case msg.GetReactionMessage() != nil:
		out.Type = "reaction"
		out.Reaction = reaction(ctx, wa, msg.GetReactionMessage(), out)
	default:
		out.Type = "unknown"
	}
	if ci != nil {
		out.ReplyTo = ci.GetStanzaID()
		for _, m := range ci.GetMentionedJID() {
			if jid, err := types.ParseJID(m); err == nil {
				out.Mentions = append(out.Mentions, addressOf(ctx, wa, jid))
			}
		}
	}
}

// reaction decodes a reaction. Its key names the reacted message relative to whoever reacted, so FromMe is
// turned around to mean "sent by this account", and the reacted message's sender is filled in.
func reaction(ctx context.Context, wa *whatsmeow.Client, m *waE2E.ReactionMessage, out *session.MessageReceived) *session.Reaction {
	key := m.GetKey()
	r := &session.Reaction{MessageID: key.GetID(), Emoji: m.GetText()}
	reactorsOwn := key.GetFromMe() // the reactor wrote the reacted message
	switch participant, err := types.ParseJID(key.GetParticipant()); {
	case key.GetParticipant() != "" && err == nil: // a group: the key names the reacted message's sender
		own := wa.Store.ID
		r.FromMe = (own != nil && participant.User == own.User) || participant.User == wa.Store.LID.User
		if !r.FromMe {
			r.Sender = addressOf(ctx, wa, participant)
		}
	case out.FromMe:
		r.FromMe = reactorsOwn
		if !reactorsOwn {
			r.Sender = out.Chat
		}
	default:
		r.FromMe = !reactorsOwn
		if reactorsOwn {
			r.Sender = out.Sender
		}
	}
	return r
}

// poll is the poll creation message of any version, nil if msg is none.
func poll(msg *waE2E.Message) *waE2E.PollCreationMessage {
	switch {
	case msg.GetPollCreationMessage() != nil:
		return msg.GetPollCreationMessage()
	case msg.GetPollCreationMessageV2() != nil:
		return msg.GetPollCreationMessageV2()
	case msg.GetPollCreationMessageV3() != nil:
		return msg.GetPollCreationMessageV3()
	}
	return nil
}

// parseVCard takes the contact's name and first number (the waid, else the TEL value) from a vCard.
func parseVCard(name, card string) *session.ContactCard {
	cc := &session.ContactCard{Name: name}
	for _, line := range strings.Split(strings.ReplaceAll(card, "\r\n", "\n"), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		upper := strings.ToUpper(key)
		switch {
		case upper == "FN" && cc.Name == "":
			cc.Name = value
		case strings.HasPrefix(upper, "TEL") && cc.Phone == "":
			if _, waid, ok := strings.Cut(key, "waid="); ok {
				cc.Phone, _, _ = strings.Cut(waid, ";")
			} else {
				cc.Phone = strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return r
					}
					return -1
				}, value)
			}
		}
	}
	return cc
}

// onReceipt reports delivered, read and played receipts for messages this account sent; other receipt types
// (inactive, sender, retry, self) are acked silently.
func (c *Client) onReceipt(ctx context.Context, wa *whatsmeow.Client, e *events.Receipt) bool {
	var kind session.ReceiptKind
	switch e.Type {
	case types.ReceiptTypeDelivered:
		kind = session.Delivered
	case types.ReceiptTypeRead:
		kind = session.Read
	case types.ReceiptTypePlayed:
		kind = session.Played
	default:
		return true
	}
	if e.IsFromMe {
		return true // this account's other device read someone else's message
	}
	chatAlt := e.SenderAlt
	if e.IsGroup {
		chatAlt = types.EmptyJID
	}
	return c.emit(ctx, session.ReceiptReceived{Chat: addressOf(ctx, wa, e.Chat, chatAlt),
		From: addressOf(ctx, wa, e.Sender, e.SenderAlt), IDs: e.MessageIDs, Kind: kind, Time: e.Timestamp}) == nil
}
