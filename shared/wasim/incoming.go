package wasim

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/util/optional"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"
)

// SendText sends a plain text message from this phone to every connected companion of the account to. See Send.
func (p *Phone) SendText(ctx context.Context, to *Phone, text string) (string, error) {
	return p.Send(ctx, to, &waE2E.Message{Conversation: proto.String(text)})
}

// Send delivers msg from this phone's device 0 to every companion linked to the account to, Signal-encrypted: on
// the session the companion opened when it last wrote to this phone, or else a new session from the prekeys the
// companion uploaded (a pkmsg). The stanza comes from the phone's LID with its phone number as sender_pn, as
// WhatsApp sends DMs today. A companion that is offline gets it on its next login, and one that does not ack it
// gets it again (at-least-once). Send returns the message ID, or ErrNotLinked when to has no companion.
func (p *Phone) Send(ctx context.Context, to *Phone, msg *waE2E.Message) (string, error) {
	plain, err := proto.Marshal(msg)
	if err != nil {
		return "", fmt.Errorf("marshal message: %w", err)
	}
	companions := p.srv.companionsOf(to.number)
	if len(companions) == 0 {
		return "", fmt.Errorf("%s: %w", to.JID(), ErrNotLinked)
	}
	id := newMessageID()
	p.srv.mu.Lock()
	name := p.name
	p.srv.mu.Unlock()
	for _, d := range companions {
		typ, ciphertext, err := p.encrypt(ctx, d, pad(plain))
		if err != nil {
			return "", err
		}
		attrs := waBinary.Attrs{"from": p.LID(), "sender_pn": p.JID(), "id": id, "t": time.Now().Unix(), "type": "text"}
		if name != "" {
			attrs["notify"] = name
		}
		p.srv.deliverSigned(d, waBinary.Node{Tag: "message", Attrs: attrs, Content: []waBinary.Node{
			{Tag: "enc", Attrs: waBinary.Attrs{"v": "2", "type": typ}, Content: ciphertext},
		}}, p.signal)
	}
	return id, nil
}

// Named sets the push name the phone's messages carry (MessageInfo.PushName) and returns the phone.
func (p *Phone) Named(name string) *Phone {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.name = name
	p.srv.persist("phone "+p.number, func(tx *sql.Tx) error {
		return exec(tx, "UPDATE phone SET name = ? WHERE number = ?", name, p.number)
	})
	return p
}

// connsOf lists the live, logged-in connections of the account's companions.
func (s *Server) connsOf(number string) []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*conn
	for c := range s.conns {
		if c.device != nil && c.device.jid.User == number {
			out = append(out, c)
		}
	}
	return out
}

// encrypt encrypts padded plaintext for the companion's LID device address, opening a session from the
// companion's uploaded prekeys first if the phone has none.
func (p *Phone) encrypt(ctx context.Context, to *companion, padded []byte) (typ string, ciphertext []byte, err error) {
	addr := to.lid.SignalAddress()
	builder := session.NewBuilderFromSignal(p.signal, addr, serializer)
	p.signalMu.Lock()
	defer p.signalMu.Unlock()
	has, err := p.signal.ContainsSession(ctx, addr)
	if err != nil {
		return "", nil, err
	}
	if !has {
		bundle, err := p.srv.takeBundle(to)
		if err != nil {
			return "", nil, err
		}
		if err := builder.ProcessBundle(ctx, bundle); err != nil {
			return "", nil, fmt.Errorf("open session to %s: %w", to.lid, err)
		}
	}
	msg, err := session.NewCipher(builder, addr).Encrypt(ctx, padded)
	if err != nil {
		return "", nil, fmt.Errorf("encrypt to %s: %w", to.lid, err)
	}
	if msg.Type() == protocol.PREKEY_TYPE {
		return "pkmsg", msg.Serialize(), nil
	}
	return "msg", msg.Serialize(), nil
}

// takeBundle builds a prekey bundle for the companion and consumes one of its uploaded one-time prekeys, as the
// real server hands each one out once.
func (s *Server) takeBundle(d *companion) (*prekey.Bundle, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(d.signature) != 64 {
		return nil, fmt.Errorf("%s: %w", d.jid, ErrNoPreKeys)
	}
	var otk *preKey
	for id, pub := range d.preKeys {
		otk = &preKey{id: id, pub: pub}
		delete(d.preKeys, id)
		s.persist("prekey of "+d.jid.String(), func(tx *sql.Tx) error {
			return exec(tx, "DELETE FROM companion_prekey WHERE jid = ? AND id = ?", d.jid.String(), id)
		})
		break
	}
	ident := identity.NewKey(ecc.NewDjbECPublicKey(d.identityKey))
	spk := ecc.NewDjbECPublicKey(d.signedPreKey.pub)
	if otk == nil {
		return prekey.NewBundle(d.registrationID, uint32(d.lid.Device), optional.NewEmptyUint32(), d.signedPreKey.id,
			nil, spk, [64]byte(d.signature), ident), nil
	}
	return prekey.NewBundle(d.registrationID, uint32(d.lid.Device), optional.NewOptionalUint32(otk.id), d.signedPreKey.id,
		ecc.NewDjbECPublicKey(otk.pub), spk, [64]byte(d.signature), ident), nil
}

// pad applies WhatsApp's version 2 padding: N (1–15) bytes of value N.
func pad(plain []byte) []byte {
	var b [1]byte
	_, _ = rand.Read(b[:])
	n := b[0] & 0x0f
	if n == 0 {
		n = 0x0f
	}
	out := append([]byte(nil), plain...)
	for range n {
		out = append(out, n)
	}
	return out
}

// newMessageID makes an ID in the form WhatsApp clients use: "3EB0" and 18 upper-case hex digits.
func newMessageID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return "3EB0" + strings.ToUpper(hex.EncodeToString(b[:]))
}
