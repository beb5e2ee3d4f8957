package wasim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"go.mau.fi/libsignal/ecc"
	groupRecord "go.mau.fi/libsignal/groups/state/record"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/state/record"
	"go.mau.fi/libsignal/state/store"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/util/keys"
)

var serializer = wastore.SignalProtobufSerializer

// signalStore is the in-memory libsignal state of one fake device (a phone's device 0). Records are kept
// serialised and keyed by address string, so every load returns a fresh copy and any *SignalAddress value with
// the same name and device finds it.
type signalStore struct {
	identity     *keys.KeyPair
	regID        uint32
	signedPreKey *keys.PreKey

	mu         sync.Mutex
	nextPreKey uint32
	preKeys    map[uint32][]byte
	sessions   map[string][]byte
	identities map[string][32]byte
	senderKeys map[string][]byte
}

var _ store.SignalProtocol = (*signalStore)(nil)

func newSignalStore(identity *keys.KeyPair, regID uint32) *signalStore {
	return &signalStore{
		identity: identity, regID: regID, signedPreKey: identity.CreateSignedPreKey(1), nextPreKey: 1,
		preKeys: map[uint32][]byte{}, sessions: map[string][]byte{}, identities: map[string][32]byte{},
		senderKeys: map[string][]byte{},
	}
}

// newPreKey creates and keeps a one-time prekey, as a phone would before handing out its bundle.
func (s *signalStore) newPreKey() *keys.PreKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	pk := keys.NewPreKey(s.nextPreKey)
	s.nextPreKey++
	s.preKeys[pk.KeyID] = record.NewPreKey(pk.KeyID, ecc.NewECKeyPair(
		ecc.NewDjbECPublicKey(*pk.Pub), ecc.NewDjbECPrivateKey(*pk.Priv)), serializer.PreKeyRecord).Serialize()
	return pk
}

func (s *signalStore) GetIdentityKeyPair() *identity.KeyPair {
	return identity.NewKeyPair(identity.NewKey(ecc.NewDjbECPublicKey(*s.identity.Pub)),
		ecc.NewDjbECPrivateKey(*s.identity.Priv))
}

func (s *signalStore) GetLocalRegistrationID() uint32 { return s.regID }

func (s *signalStore) SaveIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identities[addr.String()] = key.PublicKey().PublicKey()
	return nil
}

// IsTrustedIdentity trusts on first use and afterwards only the same key.
func (s *signalStore) IsTrustedIdentity(_ context.Context, addr *protocol.SignalAddress, key *identity.Key) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	known, ok := s.identities[addr.String()]
	return !ok || known == key.PublicKey().PublicKey(), nil
}

func (s *signalStore) LoadPreKey(_ context.Context, id uint32) (*record.PreKey, error) {
	s.mu.Lock()
	raw, ok := s.preKeys[id]
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	pk, err := record.NewPreKeyFromBytes(raw, serializer.PreKeyRecord)
	if err != nil {
		return nil, fmt.Errorf("load prekey %d: %w", id, err)
	}
	return pk, nil
}

func (s *signalStore) StorePreKey(_ context.Context, id uint32, pk *record.PreKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.preKeys[id] = pk.Serialize()
	return nil
}

func (s *signalStore) ContainsPreKey(_ context.Context, id uint32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.preKeys[id]
	return ok, nil
}

func (s *signalStore) RemovePreKey(_ context.Context, id uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.preKeys, id)
	return nil
}

func (s *signalStore) LoadSession(_ context.Context, addr *protocol.SignalAddress) (*record.Session, error) {
	s.mu.Lock()
	raw, ok := s.sessions[addr.String()]
	s.mu.Unlock()
	if !ok {
		return record.NewSession(serializer.Session, serializer.State), nil
	}
	sess, err := record.NewSessionFromBytes(raw, serializer.Session, serializer.State)
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", addr, err)
	}
	return sess, nil
}

func (s *signalStore) GetSubDeviceSessions(_ context.Context, name string) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []uint32
	for addr := range s.sessions {
		if rest, ok := strings.CutPrefix(addr, name+"."); ok {
			if dev, err := strconv.ParseUint(rest, 10, 32); err == nil {
				ids = append(ids, uint32(dev))
			}
		}
	}
	return ids, nil
}

func (s *signalStore) StoreSession(_ context.Context, addr *protocol.SignalAddress, sess *record.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[addr.String()] = sess.Serialize()
	return nil
}

func (s *signalStore) ContainsSession(_ context.Context, addr *protocol.SignalAddress) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.sessions[addr.String()]
	return ok, nil
}

func (s *signalStore) DeleteSession(_ context.Context, addr *protocol.SignalAddress) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, addr.String())
	return nil
}

func (s *signalStore) DeleteAllSessions(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
	return nil
}

func (s *signalStore) LoadSignedPreKey(_ context.Context, id uint32) (*record.SignedPreKey, error) {
	if id != s.signedPreKey.KeyID {
		return nil, nil
	}
	return record.NewSignedPreKey(id, 0, ecc.NewECKeyPair(
		ecc.NewDjbECPublicKey(*s.signedPreKey.Pub), ecc.NewDjbECPrivateKey(*s.signedPreKey.Priv),
	), *s.signedPreKey.Signature, serializer.SignedPreKeyRecord), nil
}

func (s *signalStore) LoadSignedPreKeys(ctx context.Context) ([]*record.SignedPreKey, error) {
	spk, err := s.LoadSignedPreKey(ctx, s.signedPreKey.KeyID)
	return []*record.SignedPreKey{spk}, err
}

// The signed prekey is fixed for the life of the fake device; libsignal never stores or removes one while
// building or using sessions.
func (s *signalStore) StoreSignedPreKey(context.Context, uint32, *record.SignedPreKey) error {
	return nil
}

func (s *signalStore) ContainsSignedPreKey(_ context.Context, id uint32) (bool, error) {
	return id == s.signedPreKey.KeyID, nil
}

func (s *signalStore) RemoveSignedPreKey(context.Context, uint32) error { return nil }

func (s *signalStore) StoreSenderKey(_ context.Context, name *protocol.SenderKeyName, rec *groupRecord.SenderKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.senderKeys[name.GroupID()+"|"+name.Sender().String()] = rec.Serialize()
	return nil
}

func (s *signalStore) LoadSenderKey(_ context.Context, name *protocol.SenderKeyName) (*groupRecord.SenderKey, error) {
	s.mu.Lock()
	raw, ok := s.senderKeys[name.GroupID()+"|"+name.Sender().String()]
	s.mu.Unlock()
	if !ok {
		return groupRecord.NewSenderKey(serializer.SenderKeyRecord, serializer.SenderKeyState), nil
	}
	rec, err := groupRecord.NewSenderKeyFromBytes(raw, serializer.SenderKeyRecord, serializer.SenderKeyState)
	if err != nil {
		return nil, fmt.Errorf("load sender key: %w", err)
	}
	return rec, nil
}
