package wasim

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"go.mau.fi/whatsmeow/util/keys"
	"golang.org/x/crypto/curve25519"
)

// linkCodeIterations is the PBKDF2 work factor WhatsApp uses to stretch the 8-character pairing code.
const linkCodeIterations = 2 << 16

// codePairing is a client waiting for its pairing code to be entered on a phone (whatsmeow PairPhone).
type codePairing struct {
	conn       *conn
	ref        string
	wrappedEph []byte // salt(32) ‖ iv(16) ‖ AES-CTR(code key, companion ephemeral pub)
	noiseKey   []byte
	finish     chan *waBinary.Node
	entered    bool // a phone is using this pairing; guarded by Server.mu
}

// answerLinkCode handles both stages of the client's side of code pairing: companion_hello registers the
// pending pairing and answers with a ref; companion_finish is handed to the EnterCode call waiting for it.
func (s *Server) answerLinkCode(c *conn, iq *waBinary.Node) error {
	reg := iq.GetChildByTag("link_code_companion_reg")
	jid, _ := reg.Attrs["jid"].(types.JID)
	stage, _ := reg.Attrs["stage"].(string)
	switch stage {
	case "companion_hello":
		wrapped, _ := reg.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub").Content.([]byte)
		noise, _ := reg.GetChildByTag("companion_server_auth_key_pub").Content.([]byte)
		if len(wrapped) != 80 || len(noise) != 32 {
			return c.replyError(iq, 400, "bad-request")
		}
		raw := make([]byte, 12)
		_, _ = rand.Read(raw)
		ref := "2@" + base64.StdEncoding.EncodeToString(raw)
		s.mu.Lock()
		s.codes[jid.User] = &codePairing{conn: c, ref: ref, wrappedEph: wrapped, noiseKey: noise, finish: make(chan *waBinary.Node, 1)}
		s.mu.Unlock()
		return c.reply(iq, waBinary.Node{Tag: "link_code_companion_reg", Content: []waBinary.Node{
			{Tag: "link_code_pairing_ref", Content: []byte(ref)},
		}})
	case "companion_finish":
		s.mu.Lock()
		pc, ok := s.codes[jid.User]
		s.mu.Unlock()
		if !ok || pc.conn != c {
			return c.replyError(iq, 404, "item-not-found")
		}
		select {
		case pc.finish <- iq:
			return nil
		default:
			return c.replyError(iq, 409, "conflict")
		}
	}
	return c.replyError(iq, 400, "bad-request")
}

// EnterCode links the client that asked for a pairing code for this phone's number (whatsmeow PairPhone), as
// typing the code into the WhatsApp app does: the phone unwraps the client's ephemeral key with the code, sends
// its own, checks the key bundle the client returns, derives the adv secret and then pairs as Scan does. The code
// may be given with or without its dash.
func (p *Phone) EnterCode(code string) (types.JID, error) {
	code = strings.ToUpper(strings.ReplaceAll(code, "-", ""))
	s := p.srv
	s.mu.Lock()
	pc, ok := s.codes[p.number]
	if ok && !pc.entered {
		pc.entered = true
		s.dropRefsLocked(pc.conn)
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return types.JID{}, fmt.Errorf("%s: %w", p.number, ErrNoCodePairing)
	}
	// One attempt per request, right or wrong, as the client's code is single-use once its key bundle is sent.
	defer func() {
		s.mu.Lock()
		if s.codes[p.number] == pc {
			delete(s.codes, p.number)
		}
		s.mu.Unlock()
	}()
	c := pc.conn
	companionEph, err := unwrapLinkKey(code, pc.wrappedEph)
	if err != nil {
		return types.JID{}, err
	}
	primaryEph := keys.NewKeyPair()
	wrapped, err := wrapLinkKey(code, primaryEph.Pub[:])
	if err != nil {
		return types.JID{}, err
	}
	err = c.send(waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "id": newMessageID(), "type": "link_code_companion_reg", "t": time.Now().Unix(),
	}, Content: []waBinary.Node{{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(pc.ref)},
		{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: wrapped},
		{Tag: "primary_identity_pub", Content: p.identity.Pub[:]},
	}}}})
	if err != nil {
		return types.JID{}, fmt.Errorf("send code pairing notification: %w", err)
	}

	ctx, cancel := context.WithTimeout(c.ctx, s.opts.Timeout)
	defer cancel()
	var finish *waBinary.Node
	select {
	case finish = <-pc.finish:
	case <-ctx.Done():
		return types.JID{}, fmt.Errorf("companion_finish: %w: %w", ErrTimeout, ctx.Err())
	}
	link, err := p.openKeyBundle(finish, primaryEph, companionEph)
	if err != nil {
		return types.JID{}, errors.Join(err, c.replyError(finish, 400, "bad-request"))
	}
	if err := c.reply(finish); err != nil {
		return types.JID{}, err
	}
	link.noiseKey = [32]byte(pc.noiseKey)
	device, keyIndex := p.nextCompanion()
	return p.link(c, link, device, keyIndex)
}

// openKeyBundle decrypts companion_finish's key bundle (companion identity ‖ primary identity ‖ adv random) and
// derives the adv secret from both ephemeral and identity agreements.
func (p *Phone) openKeyBundle(finish *waBinary.Node, primaryEph *keys.KeyPair, companionEph []byte) (qrCode, error) {
	reg := finish.GetChildByTag("link_code_companion_reg")
	wrapped, _ := reg.GetChildByTag("link_code_pairing_wrapped_key_bundle").Content.([]byte)
	if len(wrapped) < 32+12+96 {
		return qrCode{}, fmt.Errorf("%w: key bundle of %d bytes", ErrPairRejected, len(wrapped))
	}
	ephShared, err := curve25519.X25519(primaryEph.Priv[:], companionEph)
	if err != nil {
		return qrCode{}, fmt.Errorf("x25519: %w", err)
	}
	key := hkdfutil.SHA256(ephShared, wrapped[:32], []byte("link_code_pairing_key_bundle_encryption_key"), 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return qrCode{}, fmt.Errorf("key bundle cipher: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return qrCode{}, fmt.Errorf("key bundle cipher: %w", err)
	}
	bundle, err := gcm.Open(nil, wrapped[32:44], wrapped[44:], nil)
	if err != nil || len(bundle) != 96 {
		return qrCode{}, fmt.Errorf("%w: key bundle does not open (wrong code?)", ErrPairRejected)
	}
	companionIdentity, primaryIdentity, advRandom := bundle[:32], bundle[32:64], bundle[64:]
	if string(primaryIdentity) != string(p.identity.Pub[:]) {
		return qrCode{}, fmt.Errorf("%w: key bundle names another phone", ErrPairRejected)
	}
	identityShared, err := curve25519.X25519(p.identity.Priv[:], companionIdentity)
	if err != nil {
		return qrCode{}, fmt.Errorf("x25519: %w", err)
	}
	secret := hkdfutil.SHA256(concat(ephShared, identityShared, advRandom), nil, []byte("adv_secret"), 32)
	return qrCode{identityKey: [32]byte(companionIdentity), advSecret: secret}, nil
}

func linkCodeCipher(code string, salt, iv []byte) (cipher.Stream, error) {
	key, err := pbkdf2.Key(sha256.New, code, salt, linkCodeIterations, 32)
	if err != nil {
		return nil, fmt.Errorf("pbkdf2: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("link code cipher: %w", err)
	}
	return cipher.NewCTR(block, iv), nil
}

func unwrapLinkKey(code string, wrapped []byte) ([]byte, error) {
	stream, err := linkCodeCipher(code, wrapped[:32], wrapped[32:48])
	if err != nil {
		return nil, err
	}
	pub := make([]byte, 32)
	stream.XORKeyStream(pub, wrapped[48:80])
	return pub, nil
}

func wrapLinkKey(code string, pub []byte) ([]byte, error) {
	out := make([]byte, 80)
	_, _ = rand.Read(out[:48])
	stream, err := linkCodeCipher(code, out[:32], out[32:48])
	if err != nil {
		return nil, err
	}
	stream.XORKeyStream(out[48:], pub)
	return out, nil
}
