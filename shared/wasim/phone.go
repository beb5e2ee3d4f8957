package wasim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// qrPrefix starts every QR code of the pinned whatsmeow (pair.go makeQRData).
const qrPrefix = "https://wa.me/settings/linked_devices#"

// Phone is a fake primary phone: a WhatsApp account (phone number and LID) with its account identity key, which
// signs the companion devices it links.
type Phone struct {
	srv      *Server
	number   string
	lid      string
	identity *keys.KeyPair // the account key, which is also device 0's Signal identity
	signal   *signalStore  // device 0's Signal state
	inbox    chan Received
	receipts chan Receipt

	signalMu sync.Mutex // serialises Signal operations on device 0

	// Guarded by srv.mu.
	nextDevice uint16
	keyIndex   uint32
	name       string
	history    []inboxEntry   // every message received, in order (Inbox)
	seen       map[string]int // index into history by sender account "/" message ID
	copies     map[string]int // copies that arrived (duplicates included) by message ID, since the server started
	autoReply  func(Received) string
	autoRead   bool
	behaving   chan struct{} // closed when the behaviours for the latest message are done
}

// Phone returns the fake phone for number (digits only, no "+"), creating it on first use. The same number always
// gets the same Phone, and so the same account keys and LID, also after a restart on the same Options.Dir.
func (s *Server) Phone(number string) *Phone {
	number = strings.TrimPrefix(number, "+")
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.phones[number]; ok {
		return p
	}
	identity := keys.NewKeyPair()
	var reg [2]byte
	_, _ = rand.Read(reg[:])
	regID := uint32(binary.BigEndian.Uint16(reg[:])&0x3fff) + 1
	p := s.addPhoneLocked(number, strconv.FormatUint(s.nextLID, 10), identity,
		newSignalStore(number, identity, regID, nil, 1, s.disk != nil))
	p.nextDevice = 1
	s.nextLID++
	s.persist("phone "+number, func(tx *sql.Tx) error {
		if err := savePhone(tx, p); err != nil {
			return err
		}
		return exec(tx, "INSERT OR REPLACE INTO meta (key, value) VALUES ('next_lid', ?)", s.nextLID)
	})
	return p
}

// addPhoneLocked registers a phone, new or loaded from disk. The caller holds s.mu.
func (s *Server) addPhoneLocked(number, lid string, identity *keys.KeyPair, signal *signalStore) *Phone {
	p := &Phone{srv: s, number: number, lid: lid, identity: identity, signal: signal,
		inbox: make(chan Received, 256), receipts: make(chan Receipt, 256), seen: map[string]int{}}
	s.phones[number] = p
	return p
}

// Phones lists every phone the server knows, by number: those created with Phone, and after a restart on the same
// Options.Dir those created before it.
func (s *Server) Phones() []*Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Phone, 0, len(s.phones))
	for _, p := range s.phones {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Phone) int { return strings.Compare(a.number, b.number) })
	return out
}

// Name is the push name set with Named, "" if none.
func (p *Phone) Name() string {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return p.name
}

// JID is the phone's account on the phone-number server, e.g. 15551234567@s.whatsapp.net.
func (p *Phone) JID() types.JID { return types.NewJID(p.number, types.DefaultUserServer) }

// LID is the phone's account on the LID server, e.g. 100000000000001@lid.
func (p *Phone) LID() types.JID { return types.NewJID(p.lid, types.HiddenUserServer) }

// qrCode is what a phone learns about a companion to link: from a QR code, or from code pairing (no ref).
type qrCode struct {
	ref         string
	noiseKey    [32]byte
	identityKey [32]byte
	advSecret   []byte
}

func parseQR(qr string) (qrCode, error) {
	rest, ok := strings.CutPrefix(qr, qrPrefix)
	if !ok {
		return qrCode{}, fmt.Errorf("%w: missing %q prefix", ErrBadQR, qrPrefix)
	}
	parts := strings.Split(rest, ",")
	if len(parts) != 5 {
		return qrCode{}, fmt.Errorf("%w: %d comma-separated fields, want 5", ErrBadQR, len(parts))
	}
	var raw [3][]byte
	for i, part := range parts[1:4] {
		b, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			return qrCode{}, fmt.Errorf("%w: field %d: %w", ErrBadQR, i+2, err)
		}
		raw[i] = b
	}
	if len(raw[0]) != 32 || len(raw[1]) != 32 || len(raw[2]) != 32 {
		return qrCode{}, fmt.Errorf("%w: key lengths %d/%d/%d, want 32", ErrBadQR, len(raw[0]), len(raw[1]), len(raw[2]))
	}
	return qrCode{ref: parts[0], noiseKey: [32]byte(raw[0]), identityKey: [32]byte(raw[1]), advSecret: raw[2]}, nil
}

// Scan links the client showing qr to this phone, as the WhatsApp app does: the server sends the client a
// pair-success with a device identity signed by the phone's account key and authenticated with the QR's adv
// secret, checks the device signature the client returns, and then sends stream error 515 so the client reconnects
// and logs in. Scan returns the new companion's device JID once the client has accepted the pairing (its
// events.PairSuccess fires around the same time); login happens after Scan returns.
func (p *Phone) Scan(qr string) (types.JID, error) {
	code, err := parseQR(qr)
	if err != nil {
		return types.JID{}, err
	}
	s := p.srv
	s.mu.Lock()
	c, ok := s.refs[code.ref]
	if ok {
		s.dropRefsLocked(c)
	}
	s.mu.Unlock()
	if !ok {
		return types.JID{}, ErrUnknownRef
	}
	device, keyIndex := p.nextCompanion()
	return p.link(c, code, device, keyIndex)
}

// link sends pair-success for a companion whose adv secret and keys the phone learnt (from a QR code or a pairing
// code), checks the device signature the client returns, registers the companion and sends stream error 515.
func (p *Phone) link(c *conn, code qrCode, device uint16, keyIndex uint32) (types.JID, error) {
	s := p.srv
	reg := c.payload.GetDevicePairingData()
	if !bytes.Equal(reg.GetEIdent(), code.identityKey[:]) || c.clientKey != code.noiseKey {
		return types.JID{}, fmt.Errorf("%w: keys differ from the connection's registration", ErrBadQR)
	}

	jid := types.JID{User: p.number, Device: device, Server: types.DefaultUserServer}
	lid := types.JID{User: p.lid, Device: device, Server: types.HiddenUserServer}
	identity, err := p.signDevice(code, keyIndex)
	if err != nil {
		return types.JID{}, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, s.opts.Timeout)
	defer cancel()
	resp, err := c.request(ctx, "set", waBinary.Node{Tag: "pair-success", Content: []waBinary.Node{
		{Tag: "device-identity", Content: identity},
		{Tag: "device", Attrs: waBinary.Attrs{"jid": jid, "lid": lid}},
		{Tag: "platform", Attrs: waBinary.Attrs{"name": "android"}},
	}})
	if err != nil {
		return types.JID{}, fmt.Errorf("pair-success: %w", err)
	}
	if err := p.checkDeviceSignature(resp, code.identityKey); err != nil {
		return types.JID{}, err
	}

	comp, err := newCompanion(jid, lid, code, reg.GetERegid(), reg.GetESkeyID(), reg.GetESkeyVal(), reg.GetESkeySig())
	if err != nil {
		return types.JID{}, err
	}
	s.mu.Lock()
	s.companions[jid] = comp
	s.persist("companion "+jid.String(), func(tx *sql.Tx) error { return saveCompanion(tx, comp) })
	s.mu.Unlock()
	if err := c.send(waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "515"}}); err != nil {
		return types.JID{}, fmt.Errorf("send 515: %w", err)
	}
	return jid, nil
}

// nextCompanion reserves the device number and key index of the phone's next companion.
func (p *Phone) nextCompanion() (uint16, uint32) {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	device, keyIndex := p.nextDevice, p.keyIndex
	p.nextDevice++
	p.keyIndex++
	p.srv.persist("phone "+p.number, func(tx *sql.Tx) error {
		return exec(tx, "UPDATE phone SET next_device = ?, key_index = ? WHERE number = ?", p.nextDevice, p.keyIndex, p.number)
	})
	return device, keyIndex
}

// signDevice builds the ADVSignedDeviceIdentityHMAC of pair-success: device details signed by the account key
// over the companion's identity key, wrapped in an HMAC keyed by the QR's adv secret.
func (p *Phone) signDevice(code qrCode, keyIndex uint32) ([]byte, error) {
	var rawID [4]byte
	_, _ = rand.Read(rawID[:])
	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID:       proto.Uint32(binary.BigEndian.Uint32(rawID[:])),
		Timestamp:   proto.Uint64(uint64(time.Now().Unix())),
		KeyIndex:    proto.Uint32(keyIndex),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
		DeviceType:  waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal device identity: %w", err)
	}
	msg := concat(whatsmeow.AdvAccountSignaturePrefix, details, code.identityKey[:])
	sig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*p.identity.Priv), msg)
	signed, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentity{
		Details: details, AccountSignatureKey: p.identity.Pub[:], AccountSignature: sig[:],
	})
	if err != nil {
		return nil, fmt.Errorf("marshal signed device identity: %w", err)
	}
	mac := hmac.New(sha256.New, code.advSecret)
	mac.Write(signed)
	out, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{
		Details: signed, HMAC: mac.Sum(nil), AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal device identity hmac: %w", err)
	}
	return out, nil
}

// checkDeviceSignature verifies the pair-device-sign answer: the companion's identity key signed the details and
// the account key.
func (p *Phone) checkDeviceSignature(resp *waBinary.Node, identityKey [32]byte) error {
	if typ, _ := resp.Attrs["type"].(string); typ != "result" {
		return fmt.Errorf("%w: %s", ErrPairRejected, resp)
	}
	raw, _ := resp.GetChildByTag("pair-device-sign", "device-identity").Content.([]byte)
	var signed waAdv.ADVSignedDeviceIdentity
	if err := proto.Unmarshal(raw, &signed); err != nil {
		return fmt.Errorf("%w: device identity: %w", ErrPairRejected, err)
	}
	if len(signed.GetDeviceSignature()) != 64 {
		return fmt.Errorf("%w: device signature of %d bytes", ErrPairRejected, len(signed.GetDeviceSignature()))
	}
	msg := concat(whatsmeow.AdvDeviceSignaturePrefix, signed.GetDetails(), identityKey[:], p.identity.Pub[:])
	if !ecc.VerifySignature(ecc.NewDjbECPublicKey(identityKey), msg, [64]byte(signed.GetDeviceSignature())) {
		return fmt.Errorf("%w: bad device signature", ErrPairRejected)
	}
	return nil
}

func newCompanion(jid, lid types.JID, code qrCode, regID, skeyID, skeyVal, skeySig []byte) (*companion, error) {
	if len(regID) != 4 || len(skeyID) != 3 || len(skeyVal) != 32 || len(skeySig) != 64 {
		return nil, fmt.Errorf("%w: malformed registration data", ErrHandshake)
	}
	return &companion{
		jid: jid, lid: lid, noiseKey: code.noiseKey, identityKey: code.identityKey,
		registrationID: binary.BigEndian.Uint32(regID),
		signedPreKey:   preKey{id: binary.BigEndian.Uint32(append([]byte{0}, skeyID...)), pub: [32]byte(skeyVal)},
		signature:      skeySig,
		preKeys:        map[uint32][32]byte{},
	}, nil
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
