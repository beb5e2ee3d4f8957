package wasim

import (
	"context"
	"database/sql"
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
// the same name and device finds it. With a disk, every change is also marked dirty until flush writes it.
type signalStore struct {
	number       string // the phone's number: the owner of the records on disk
	identity     *keys.KeyPair
	regID        uint32
	signedPreKey *keys.PreKey
	persistent   bool // track changes for flush

	mu         sync.Mutex
	nextPreKey uint32
	preKeys    map[uint32][]byte
	sessions   map[string][]byte
	identities map[string][32]byte
	senderKeys map[string][]byte
	dirty      map[signalKey]struct{}
	nextDirty  bool // nextPreKey changed
}

// signalKey names one record on disk.
type signalKey struct{ kind, key string }

// The kinds of signal records on disk.
const (
	kindSession   = "session"
	kindPreKey    = "prekey"
	kindIdentity  = "identity"
	kindSenderKey = "senderkey"
)

// touch marks a record changed. The caller holds s.mu.
func (s *signalStore) touch(kind, key string) {
	if s.persistent {
		s.dirty[signalKey{kind, key}] = struct{}{}
	}
}

// flush writes every record changed since the last flush, within tx, so the caller can commit them together
// with what they produced (an inbox entry, a queued stanza). Records are read inside the transaction, and
// transactions run one at a time, so the disk sees changes in order.
func (s *signalStore) flush(tx *sql.Tx) error {
	type change struct {
		signalKey
		value []byte
		ok    bool
	}
	s.mu.Lock()
	changes := make([]change, 0, len(s.dirty))
	for k := range s.dirty {
		c := change{signalKey: k}
		switch k.kind {
		case kindSession:
			c.value, c.ok = s.sessions[k.key]
		case kindSenderKey:
			c.value, c.ok = s.senderKeys[k.key]
		case kindIdentity:
			var id [32]byte
			id, c.ok = s.identities[k.key]
			c.value = id[:]
		case kindPreKey:
			id, _ := strconv.ParseUint(k.key, 10, 32)
			c.value, c.ok = s.preKeys[uint32(id)]
		}
		changes = append(changes, c)
	}
	clear(s.dirty)
	next, nextDirty := s.nextPreKey, s.nextDirty
	s.nextDirty = false
	s.mu.Unlock()
	for _, c := range changes {
		var err error
		if c.ok {
			err = exec(tx, "INSERT OR REPLACE INTO signal (number, kind, key, value) VALUES (?, ?, ?, ?)",
				s.number, c.kind, c.key, c.value)
		} else {
			err = exec(tx, "DELETE FROM signal WHERE number = ? AND kind = ? AND key = ?", s.number, c.kind, c.key)
		}
		if err != nil {
			return err
		}
	}
	if nextDirty {
		return exec(tx, "UPDATE phone SET next_prekey = ? WHERE number = ?", next, s.number)
	}
	return nil
}

// load puts a record read from disk back.
func (s *signalStore) load(kind, key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch kind {
	case kindSession:
		s.sessions[key] = value
	case kindSenderKey:
		s.senderKeys[key] = value
	case kindIdentity:
		if len(value) != 32 {
			return fmt.Errorf("identity %s of %d bytes", key, len(value))
		}
		s.identities[key] = [32]byte(value)
	case kindPreKey:
		id, err := strconv.ParseUint(key, 10, 32)
		if err != nil {
			return fmt.Errorf("prekey id %q: %w", key, err)
		}
		s.preKeys[uint32(id)] = value
	default:
		return fmt.Errorf("signal record kind %q", kind)
	}
	return nil
}

var _ store.SignalProtocol = (*signalStore)(nil)

// newSignalStore makes the state of a phone's device 0; signedPreKey is nil for a new phone (one is created).
func newSignalStore(number string, identity *keys.KeyPair, regID uint32, signedPreKey *keys.PreKey, nextPreKey uint32,
	persistent bool) *signalStore {
	if signedPreKey == nil {
		signedPreKey = identity.CreateSignedPreKey(1)
	}
	return &signalStore{
		number: number, identity: identity, regID: regID, signedPreKey: signedPreKey, nextPreKey: nextPreKey,
		persistent: persistent, preKeys: map[uint32][]byte{}, sessions: map[string][]byte{},
		identities: map[string][32]byte{}, senderKeys: map[string][]byte{}, dirty: map[signalKey]struct{}{},
	}
}

// newPreKey creates and keeps a one-time prekey, as a phone would before handing out its bundle.
func (s *signalStore) newPreKey() *keys.PreKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	pk := keys.NewPreKey(s.nextPreKey)
	s.nextPreKey++
	s.nextDirty = true
	s.touch(kindPreKey, strconv.FormatUint(uint64(pk.KeyID), 10))
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
	s.touch(kindIdentity, addr.String())
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
	s.touch(kindPreKey, strconv.FormatUint(uint64(id), 10))
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
	s.touch(kindPreKey, strconv.FormatUint(uint64(id), 10))
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
	s.touch(kindSession, addr.String())
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
	s.touch(kindSession, addr.String())
	return nil
}

func (s *signalStore) DeleteAllSessions(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for addr := range s.sessions {
		s.touch(kindSession, addr)
	}
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
	key := name.GroupID() + "|" + name.Sender().String()
	s.senderKeys[key] = rec.Serialize()
	s.touch(kindSenderKey, key)
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
