package wasim

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Received is a message a Phone decrypted: one the client sent it.
type Received struct {
	// ID is the message ID the client chose (SendResponse.ID).
	ID string
	// From is the sending companion device, on the LID server when the client addressed the phone by LID.
	From types.JID
	// Message is the decrypted content.
	Message *waE2E.Message
	// PreKey is true when the message opened a new Signal session (enc type pkmsg), false on an existing one.
	PreKey bool
	// Time is when the phone received the message, just before the server acked it to the client.
	Time time.Time
	// Delivered is when the phone queued its delivery receipt for the sending companion (at receipt, so equal to
	// Time), Read when it queued a read receipt (MarkRead, AutoRead); zero while it has not.
	Delivered, Read time.Time
}

// Text is the message's text, whether plain or extended.
func (r Received) Text() string {
	if t := r.Message.GetConversation(); t != "" {
		return t
	}
	return r.Message.GetExtendedTextMessage().GetText()
}

// NextMessage waits for the next message a client sent to this phone. Like Inbox it skips a message ID the
// phone already received from the same account. Messages received before a restart are in Inbox, not here.
func (p *Phone) NextMessage(ctx context.Context) (Received, error) {
	select {
	case r := <-p.inbox:
		return r, nil
	case <-ctx.Done():
		return Received{}, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

// account finds the phone behind a user JID, by phone number or by LID.
func (s *Server) account(jid types.JID) (*Phone, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch jid.Server {
	case types.DefaultUserServer:
		p, ok := s.phones[jid.User]
		return p, ok
	case types.HiddenUserServer:
		for _, p := range s.phones {
			if p.lid == jid.User {
				return p, true
			}
		}
	}
	return nil, false
}

// answerUsync answers user queries: the LID of a phone-number account and device lists. A contact has only its
// phone (device 0); the asking client's own account lists only the asking companion, so the client does not
// encrypt copies for a phone the fake does not model as a recipient.
func (s *Server) answerUsync(c *conn, iq *waBinary.Node) error {
	usync := iq.GetChildByTag("usync")
	wants := map[string]bool{}
	query, list := usync.GetChildByTag("query"), usync.GetChildByTag("list")
	for _, q := range query.GetChildren() {
		wants[q.Tag] = true
	}
	var users []waBinary.Node
	for _, u := range list.GetChildren() {
		jid, ok := u.Attrs["jid"].(types.JID)
		if u.Tag != "user" || !ok {
			continue
		}
		user := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}}
		var children []waBinary.Node
		if p, known := s.account(jid); known {
			if wants["lid"] {
				children = append(children, waBinary.Node{Tag: "lid", Attrs: waBinary.Attrs{"val": p.LID()}})
			}
			if wants["devices"] {
				id := 0
				if own := c.device; own != nil && own.jid.User == p.number {
					id = int(own.jid.Device)
				}
				children = append(children, waBinary.Node{Tag: "devices", Content: []waBinary.Node{{
					Tag: "device-list", Content: []waBinary.Node{{Tag: "device", Attrs: waBinary.Attrs{"id": id}}},
				}}})
			}
		}
		if len(children) > 0 {
			user.Content = children
		}
		users = append(users, user)
	}
	return c.reply(iq, waBinary.Node{
		Tag:   "usync",
		Attrs: waBinary.Attrs{"sid": usync.Attrs["sid"], "mode": usync.Attrs["mode"], "context": usync.Attrs["context"], "last": "true", "index": "0"},
		Content: []waBinary.Node{
			{Tag: "result"},
			{Tag: "list", Content: users},
		},
	})
}

// answerPreKeys hands out a phone's Signal bundle (identity, signed prekey and a fresh one-time prekey) so the
// client can open a session to the phone's device 0. Other devices get a 404 in their user node.
func (s *Server) answerPreKeys(c *conn, iq *waBinary.Node) error {
	var users []waBinary.Node
	key := iq.GetChildByTag("key")
	for _, u := range key.GetChildren() {
		jid, ok := u.Attrs["jid"].(types.JID)
		if u.Tag != "user" || !ok {
			continue
		}
		p, known := s.account(jid)
		if !known || jid.Device != 0 {
			users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}, Content: []waBinary.Node{
				{Tag: "error", Attrs: waBinary.Attrs{"code": 404, "text": "item-not-found"}},
			}})
			continue
		}
		st := p.signal
		otk := st.newPreKey()
		s.persist("prekey of "+p.number, st.flush) // on disk before the client can use it
		reg := make([]byte, 4)
		reg[0], reg[1], reg[2], reg[3] = byte(st.regID>>24), byte(st.regID>>16), byte(st.regID>>8), byte(st.regID)
		users = append(users, waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}, Content: []waBinary.Node{
			{Tag: "registration", Content: reg},
			{Tag: "type", Content: []byte{5}},
			{Tag: "identity", Content: st.identity.Pub[:]},
			{Tag: "skey", Content: []waBinary.Node{
				{Tag: "id", Content: keyID(st.signedPreKey.KeyID)},
				{Tag: "value", Content: st.signedPreKey.Pub[:]},
				{Tag: "signature", Content: st.signedPreKey.Signature[:]},
			}},
			{Tag: "key", Content: []waBinary.Node{
				{Tag: "id", Content: keyID(otk.KeyID)},
				{Tag: "value", Content: otk.Pub[:]},
			}},
		}})
	}
	return c.reply(iq, waBinary.Node{Tag: "list", Content: users})
}

func keyID(id uint32) []byte { return []byte{byte(id >> 16), byte(id >> 8), byte(id)} }

// receiveMessage plays the server and the recipient phones for a message the client sends: each <to> addressed
// to a phone's device 0 is decrypted into that phone's inbox; the client gets the server ack and then, per
// recipient, a delivery receipt.
func (s *Server) receiveMessage(c *conn, node *waBinary.Node) {
	id, _ := node.Attrs["id"].(string)
	to, _ := node.Attrs["to"].(types.JID)
	if c.device == nil {
		return
	}
	sender := c.device.jid
	if to.Server == types.HiddenUserServer {
		sender = c.device.lid
	}
	now := time.Now()
	var got []arrival
	participants := node.GetChildByTag("participants")
	for _, t := range participants.GetChildren() {
		jid, _ := t.Attrs["jid"].(types.JID)
		p, known := s.account(jid)
		if t.Tag != "to" || !known || jid.Device != 0 {
			continue
		}
		enc := t.GetChildByTag("enc")
		msg, err := p.decrypt(c.ctx, sender, enc)
		if err != nil {
			s.problem(fmt.Sprintf("decrypt %s from %s to %s: %v", id, sender, jid, err))
			continue
		}
		got = append(got, arrival{phone: p, msg: Received{ID: id, From: sender, Message: msg,
			PreKey: enc.Attrs["type"] == "pkmsg", Time: now, Delivered: now}})
	}
	var receipt outgoing
	if len(got) > 0 {
		s.mu.Lock()
		fresh := s.arriveLocked(c.device.jid.User, got)
		// The delivery receipt is queued with the inbox entries, before the ack: once the client has the ack, the
		// contact has the message and the client gets the receipt, even across a restart.
		receipt = s.enqueueLocked(c.device, waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{
			"from": to, "id": id, "t": now.Unix()}}, func(tx *sql.Tx) error { return saveArrivals(tx, got, fresh) })
		s.mu.Unlock()
		for i, a := range got {
			if !fresh[i] {
				continue
			}
			select {
			case a.phone.inbox <- a.msg:
			default:
				s.problem(fmt.Sprintf("inbox of %s full, dropped %s", a.phone.number, id))
			}
		}
		defer func() {
			for i, a := range got {
				if fresh[i] {
					s.behave(a.phone, c.device.jid.User, a.msg)
				}
			}
		}()
	}
	if err := c.send(waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{"class": "message", "id": id, "from": to, "t": now.Unix()}}); err != nil {
		s.logf("ack %s: %v", id, err)
		return
	}
	receipt.push(s)
}

// decrypt opens one <enc> node the companion sender encrypted for this phone's device 0.
func (p *Phone) decrypt(ctx context.Context, sender types.JID, enc waBinary.Node) (*waE2E.Message, error) {
	content, ok := enc.Content.([]byte)
	if !ok {
		return nil, fmt.Errorf("enc content is %T", enc.Content)
	}
	addr := sender.SignalAddress()
	cipher := session.NewCipher(session.NewBuilderFromSignal(p.signal, addr, serializer), addr)
	p.signalMu.Lock()
	defer p.signalMu.Unlock()
	var plain []byte
	switch typ, _ := enc.Attrs["type"].(string); typ {
	case "pkmsg":
		m, err := protocol.NewPreKeySignalMessageFromBytes(content, serializer.PreKeySignalMessage, serializer.SignalMessage)
		if err != nil {
			return nil, fmt.Errorf("parse pkmsg: %w", err)
		}
		if plain, err = cipher.DecryptMessage(ctx, m); err != nil {
			return nil, fmt.Errorf("decrypt pkmsg: %w", err)
		}
	case "msg":
		m, err := protocol.NewSignalMessageFromBytes(content, serializer.SignalMessage)
		if err != nil {
			return nil, fmt.Errorf("parse msg: %w", err)
		}
		if plain, err = cipher.Decrypt(ctx, m); err != nil {
			return nil, fmt.Errorf("decrypt msg: %w", err)
		}
	default:
		return nil, fmt.Errorf("enc type %q", typ)
	}
	// Version 2 padding: the last byte N is repeated N times.
	if len(plain) == 0 || int(plain[len(plain)-1]) > len(plain) {
		return nil, fmt.Errorf("bad padding")
	}
	plain = plain[:len(plain)-int(plain[len(plain)-1])]
	var msg waE2E.Message
	if err := proto.Unmarshal(plain, &msg); err != nil {
		return nil, fmt.Errorf("unmarshal message: %w", err)
	}
	return &msg, nil
}
