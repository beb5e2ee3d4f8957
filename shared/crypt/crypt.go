// Package crypt encrypts small secrets at rest (webhook signing secrets, custom header values) with AES-256-GCM
// under a Keyring: the current key seals, every key of the ring opens. A sealed value names its key, so rotating is
// adding a new current key, re-sealing what the old key sealed (webhook.Reseal), then retiring the old key.
//
// Where the keys come from is an adapter's business: a key file kept apart from the database in standalone
// (OpenKeyFile), a data key wrapped by KMS on AWS (shared/kms).
package crypt

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Prefix starts every sealed value: "wqs1:<key ID>:<base64url of nonce ‖ ciphertext ‖ tag>".
const Prefix = "wqs1:"

// KeySize is the length of a key: AES-256.
const KeySize = 32

var (
	// ErrUnknownKey is a sealed value whose key is not in the ring (retired too early, or another deployment's).
	ErrUnknownKey = errors.New("crypt: sealed with a key that is not in the keyring")
	// ErrCorrupt is a sealed value that does not open: altered, truncated, or bound to other associated data.
	ErrCorrupt = errors.New("crypt: sealed value does not open")
)

// Key is one AES-256 key and its ID (short, no ":").
type Key struct {
	ID  string
	Raw []byte
}

// Keyring seals with its current key and opens with any of its keys. It is safe for concurrent use; Replace swaps
// the keys.
type Keyring struct {
	mu      sync.RWMutex
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring returns a keyring whose current key is keys[0].
func NewKeyring(keys ...Key) (*Keyring, error) {
	k := &Keyring{}
	if err := k.Replace(keys...); err != nil {
		return nil, err
	}
	return k, nil
}

// Replace makes keys the ring's keys, keys[0] the current one.
func (k *Keyring) Replace(keys ...Key) error {
	if len(keys) == 0 {
		return errors.New("crypt: a keyring needs at least one key")
	}
	aeads := make(map[string]cipher.AEAD, len(keys))
	for _, key := range keys {
		if key.ID == "" || strings.ContainsAny(key.ID, ": \t\n") || len(key.ID) > 64 {
			return fmt.Errorf("crypt: key ID %q: want 1 to 64 characters without ':' or spaces", key.ID)
		}
		if len(key.Raw) != KeySize {
			return fmt.Errorf("crypt: key %s is %d bytes, want %d", key.ID, len(key.Raw), KeySize)
		}
		if _, dup := aeads[key.ID]; dup {
			return fmt.Errorf("crypt: key ID %s twice in the keyring", key.ID)
		}
		block, err := aes.NewCipher(key.Raw)
		if err != nil {
			return err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return err
		}
		aeads[key.ID] = aead
	}
	k.mu.Lock()
	k.current, k.aeads = keys[0].ID, aeads
	k.mu.Unlock()
	return nil
}

// CurrentID is the ID of the key that seals.
func (k *Keyring) CurrentID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// Seal encrypts plain with the current key, bound to aad (the value's owner and place: opening it with other aad
// fails, so a sealed value cannot be moved to another tenant's record).
func (k *Keyring) Seal(_ context.Context, plain, aad string) (string, error) {
	k.mu.RLock()
	id, aead := k.current, k.aeads[k.current]
	k.mu.RUnlock()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return Prefix + id + ":" + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with the same aad. A value without Prefix is returned as it is: it was stored
// before encryption at rest (webhook.Reseal seals it).
func (k *Keyring) Open(_ context.Context, sealed, aad string) (string, error) {
	if !IsSealed(sealed) {
		return sealed, nil
	}
	id, body, ok := strings.Cut(sealed[len(Prefix):], ":")
	if !ok {
		return "", ErrCorrupt
	}
	k.mu.RLock()
	aead := k.aeads[id]
	k.mu.RUnlock()
	if aead == nil {
		return "", fmt.Errorf("%w (key %s)", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", ErrCorrupt
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(aad))
	if err != nil {
		return "", ErrCorrupt
	}
	return string(plain), nil
}

// Current reports whether v is sealed with the current key (false for plaintext and for older keys: Reseal
// material).
func (k *Keyring) Current(v string) bool {
	return strings.HasPrefix(v, Prefix+k.CurrentID()+":")
}

// IsSealed reports whether v has the form Seal gives.
func IsSealed(v string) bool { return strings.HasPrefix(v, Prefix) }

// NewKey returns a random key with a random ID.
func NewKey() Key {
	raw := make([]byte, KeySize)
	rand.Read(raw)
	id := make([]byte, 6)
	rand.Read(id)
	return Key{ID: "k" + base64.RawURLEncoding.EncodeToString(id), Raw: raw}
}
