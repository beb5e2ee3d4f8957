package wasim

import (
	"database/sql"
	"fmt"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// nanos is t on disk: Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// savePhone writes a new phone. The caller holds s.mu.
func savePhone(tx *sql.Tx, p *Phone) error {
	st := p.signal
	st.mu.Lock()
	next := st.nextPreKey
	st.mu.Unlock()
	spk := st.signedPreKey
	return exec(tx, `INSERT OR REPLACE INTO phone (number, lid, identity, registration_id, signed_prekey_id,
		signed_prekey, signed_prekey_sig, next_prekey, next_device, key_index, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.number, p.lid, p.identity.Priv[:], st.regID, spk.KeyID, spk.Priv[:], spk.Signature[:], next,
		p.nextDevice, p.keyIndex, p.name)
}

// saveCompanion writes a newly linked companion with the prekeys it has. The caller holds s.mu.
func saveCompanion(tx *sql.Tx, d *companion) error {
	err := exec(tx, `INSERT OR REPLACE INTO companion (jid, lid, noise_key, identity_key, registration_id,
		signed_prekey_id, signed_prekey, signature, banned_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.jid.String(), d.lid.String(), d.noiseKey[:], d.identityKey[:], d.registrationID, d.signedPreKey.id,
		d.signedPreKey.pub[:], d.signature, nanos(d.bannedUntil))
	if err != nil {
		return err
	}
	for id, pub := range d.preKeys {
		if err := exec(tx, "INSERT OR REPLACE INTO companion_prekey (jid, id, pub) VALUES (?, ?, ?)",
			d.jid.String(), id, pub[:]); err != nil {
			return err
		}
	}
	return nil
}

// load reads the state on disk into the new server, before it accepts connections.
func (s *Server) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	steps := []struct {
		what  string
		query string
		row   func(scan func(...any) error) error
	}{
		{"meta", "SELECT key, value FROM meta", s.loadMeta},
		{"phones", `SELECT number, lid, identity, registration_id, signed_prekey_id, signed_prekey, signed_prekey_sig,
			next_prekey, next_device, key_index, name FROM phone`, s.loadPhone},
		{"signal records", "SELECT number, kind, key, value FROM signal", s.loadSignal},
		{"companions", `SELECT jid, lid, noise_key, identity_key, registration_id, signed_prekey_id, signed_prekey,
			signature, banned_until FROM companion`, s.loadCompanion},
		{"companion prekeys", "SELECT jid, id, pub FROM companion_prekey", s.loadCompanionPreKey},
		{"offline queue", "SELECT seq, jid, key, node FROM pending ORDER BY seq", s.loadPending},
		{"inboxes", `SELECT seq, number, id, sender, account, message, prekey, at, delivered, read FROM inbox
			ORDER BY seq`, s.loadInbox},
	}
	for _, step := range steps {
		if err := s.loadRows(step.query, step.row); err != nil {
			return fmt.Errorf("%s: %w", step.what, err)
		}
	}
	return nil
}

func (s *Server) loadRows(query string, row func(scan func(...any) error) error) error {
	rows, err := s.disk.db.Query(query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Server) loadMeta(scan func(...any) error) error {
	var key string
	var value int64
	if err := scan(&key, &value); err != nil {
		return err
	}
	if key == "next_lid" {
		s.nextLID = uint64(value)
	}
	return nil
}

func (s *Server) loadPhone(scan func(...any) error) error {
	var number, lid, name string
	var ident, spkPriv, spkSig []byte
	var regID, spkID, nextPreKey uint32
	var nextDevice uint16
	var keyIndex uint32
	if err := scan(&number, &lid, &ident, &regID, &spkID, &spkPriv, &spkSig, &nextPreKey, &nextDevice, &keyIndex,
		&name); err != nil {
		return err
	}
	if len(ident) != 32 || len(spkPriv) != 32 || len(spkSig) != 64 {
		return fmt.Errorf("phone %s: malformed keys", number)
	}
	identity := keys.NewKeyPairFromPrivateKey([32]byte(ident))
	spk := &keys.PreKey{KeyPair: *keys.NewKeyPairFromPrivateKey([32]byte(spkPriv)), KeyID: spkID,
		Signature: (*[64]byte)(spkSig)}
	p := s.addPhoneLocked(number, lid, identity, newSignalStore(number, identity, regID, spk, nextPreKey, true))
	p.nextDevice, p.keyIndex, p.name = nextDevice, keyIndex, name
	return nil
}

func (s *Server) loadSignal(scan func(...any) error) error {
	var number, kind, key string
	var value []byte
	if err := scan(&number, &kind, &key, &value); err != nil {
		return err
	}
	p, ok := s.phones[number]
	if !ok {
		return fmt.Errorf("record %s/%s of unknown phone %s", kind, key, number)
	}
	return p.signal.load(kind, key, value)
}

func (s *Server) loadCompanion(scan func(...any) error) error {
	var jidStr, lidStr string
	var noise, ident, spk, sig []byte
	var regID, spkID uint32
	var banned int64
	if err := scan(&jidStr, &lidStr, &noise, &ident, &regID, &spkID, &spk, &sig, &banned); err != nil {
		return err
	}
	jid, err := types.ParseJID(jidStr)
	if err != nil {
		return err
	}
	lid, err := types.ParseJID(lidStr)
	if err != nil {
		return err
	}
	if len(noise) != 32 || len(ident) != 32 || len(spk) != 32 {
		return fmt.Errorf("companion %s: malformed keys", jid)
	}
	s.companions[jid] = &companion{jid: jid, lid: lid, noiseKey: [32]byte(noise), identityKey: [32]byte(ident),
		registrationID: regID, signedPreKey: preKey{id: spkID, pub: [32]byte(spk)}, signature: sig,
		preKeys: map[uint32][32]byte{}, bannedUntil: fromNanos(banned)}
	return nil
}

func (s *Server) loadCompanionPreKey(scan func(...any) error) error {
	var jidStr string
	var id uint32
	var pub []byte
	if err := scan(&jidStr, &id, &pub); err != nil {
		return err
	}
	d, err := s.companionByString(jidStr)
	if err != nil || d == nil {
		return err
	}
	if len(pub) != 32 {
		return fmt.Errorf("prekey %d of %s: %d bytes", id, jidStr, len(pub))
	}
	d.preKeys[id] = [32]byte(pub)
	return nil
}

func (s *Server) loadPending(scan func(...any) error) error {
	var seq int64
	var jidStr, key string
	var raw []byte
	if err := scan(&seq, &jidStr, &key, &raw); err != nil {
		return err
	}
	d, err := s.companionByString(jidStr)
	if err != nil || d == nil {
		return err
	}
	data, err := waBinary.Unpack(raw)
	if err != nil {
		return fmt.Errorf("stanza %s: %w", key, err)
	}
	node, err := waBinary.Unmarshal(data)
	if err != nil {
		return fmt.Errorf("stanza %s: %w", key, err)
	}
	d.pending = append(d.pending, queued{seq: seq, key: key, node: *node})
	s.seq = max(s.seq, seq)
	return nil
}

func (s *Server) loadInbox(scan func(...any) error) error {
	var e inboxEntry
	var number, sender string
	var raw []byte
	var at, delivered, read int64
	if err := scan(&e.seq, &number, &e.ID, &sender, &e.account, &raw, &e.PreKey, &at, &delivered, &read); err != nil {
		return err
	}
	p, ok := s.phones[number]
	if !ok {
		return fmt.Errorf("message %s to unknown phone %s", e.ID, number)
	}
	from, err := types.ParseJID(sender)
	if err != nil {
		return err
	}
	var msg waE2E.Message
	if err := proto.Unmarshal(raw, &msg); err != nil {
		return fmt.Errorf("message %s: %w", e.ID, err)
	}
	e.From, e.Message = from, &msg
	e.Time, e.Delivered, e.Read = fromNanos(at), fromNanos(delivered), fromNanos(read)
	p.seen[e.account+"/"+e.ID] = len(p.history)
	p.history = append(p.history, e)
	s.seq = max(s.seq, e.seq)
	return nil
}

// companionByString finds the companion a row belongs to; nil for one unlinked while a stanza for it was being
// queued, whose rows are left over and skipped.
func (s *Server) companionByString(jidStr string) (*companion, error) {
	jid, err := types.ParseJID(jidStr)
	if err != nil {
		return nil, err
	}
	return s.companions[jid], nil
}
