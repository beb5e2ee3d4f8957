package wasim

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
	"time"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCert"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/keys"
	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"
	"google.golang.org/protobuf/proto"
)

// The root key plays WhatsApp's certificate authority. whatsmeow.WACertPubKey is a process-wide variable that
// clients read during every handshake, so one root serves every Server in the process and the variable is written
// exactly once, before the first Server accepts a connection.
var (
	rootOnce sync.Once
	rootKey  *keys.KeyPair
)

func installRoot() *keys.KeyPair {
	rootOnce.Do(func() {
		rootKey = keys.NewKeyPair()
		whatsmeow.WACertPubKey = *rootKey.Pub
	})
	return rootKey
}

// certChain builds the intermediate (signed by the root, issuer serial 0 as whatsmeow.WACertIssuerSerial demands)
// and the leaf (signed by the intermediate) certifying the server's Noise static key, valid for a day either side
// of now because the client checks NotBefore and NotAfter.
func certChain(root *keys.KeyPair, static [32]byte, now time.Time) ([]byte, error) {
	inter := keys.NewKeyPair()
	const interSerial = 7
	notBefore, notAfter := uint64(now.Add(-24*time.Hour).Unix()), uint64(now.Add(24*time.Hour).Unix())
	interDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(interSerial), IssuerSerial: proto.Uint32(whatsmeow.WACertIssuerSerial),
		Key: inter.Pub[:], NotBefore: &notBefore, NotAfter: &notAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal intermediate certificate: %w", err)
	}
	leafDetails, err := proto.Marshal(&waCert.CertChain_NoiseCertificate_Details{
		Serial: proto.Uint32(interSerial + 1), IssuerSerial: proto.Uint32(interSerial),
		Key: static[:], NotBefore: &notBefore, NotAfter: &notAfter,
	})
	if err != nil {
		return nil, fmt.Errorf("marshal leaf certificate: %w", err)
	}
	interSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*root.Priv), interDetails)
	leafSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*inter.Priv), leafDetails)
	chain, err := proto.Marshal(&waCert.CertChain{
		Intermediate: &waCert.CertChain_NoiseCertificate{Details: interDetails, Signature: interSig[:]},
		Leaf:         &waCert.CertChain_NoiseCertificate{Details: leafDetails, Signature: leafSig[:]},
	})
	if err != nil {
		return nil, fmt.Errorf("marshal certificate chain: %w", err)
	}
	return chain, nil
}

// handshake is the responder's half of WhatsApp's Noise_XX_25519_AESGCM_SHA256 state: the running hash, the
// chaining salt and the current AEAD with its nonce counter. It mirrors whatsmeow's socket.NoiseHandshake.
type handshake struct {
	hash    []byte
	salt    []byte
	key     cipher.AEAD
	counter uint32
}

func newHandshake(pattern string, prologue []byte) (*handshake, error) {
	h := &handshake{}
	if len(pattern) == 32 {
		h.hash = []byte(pattern)
	} else {
		sum := sha256.Sum256([]byte(pattern))
		h.hash = sum[:]
	}
	h.salt = h.hash
	key, err := gcmutil.Prepare(h.hash)
	if err != nil {
		return nil, fmt.Errorf("prepare handshake cipher: %w", err)
	}
	h.key = key
	h.authenticate(prologue)
	return h, nil
}

func (h *handshake) authenticate(data []byte) {
	sum := sha256.Sum256(append(h.hash, data...))
	h.hash = sum[:]
}

func nonce(counter uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], counter)
	return iv
}

func (h *handshake) encrypt(plaintext []byte) []byte {
	ct := h.key.Seal(nil, nonce(h.counter), plaintext, h.hash)
	h.counter++
	h.authenticate(ct)
	return ct
}

func (h *handshake) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := h.key.Open(nil, nonce(h.counter), ciphertext, h.hash)
	h.counter++
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	h.authenticate(ciphertext)
	return pt, nil
}

func (h *handshake) mix(priv, pub [32]byte) error {
	secret, err := curve25519.X25519(priv[:], pub[:])
	if err != nil {
		return fmt.Errorf("x25519: %w", err)
	}
	h.counter = 0
	write, read, err := expand(h.salt, secret)
	if err != nil {
		return err
	}
	h.salt = write
	h.key, err = gcmutil.Prepare(read)
	if err != nil {
		return fmt.Errorf("prepare handshake cipher: %w", err)
	}
	return nil
}

// finish splits the transport keys. The client writes with the first and reads with the second, so the server
// reads with the first and writes with the second.
func (h *handshake) finish() (read, write cipher.AEAD, err error) {
	first, second, err := expand(h.salt, nil)
	if err != nil {
		return nil, nil, err
	}
	if read, err = gcmutil.Prepare(first); err != nil {
		return nil, nil, fmt.Errorf("prepare read cipher: %w", err)
	}
	if write, err = gcmutil.Prepare(second); err != nil {
		return nil, nil, fmt.Errorf("prepare write cipher: %w", err)
	}
	return read, write, nil
}

func expand(salt, data []byte) (first, second []byte, err error) {
	r := hkdf.New(sha256.New, data, salt, nil)
	first, second = make([]byte, 32), make([]byte, 32)
	if _, err = io.ReadFull(r, first); err != nil {
		return nil, nil, fmt.Errorf("hkdf: %w", err)
	}
	if _, err = io.ReadFull(r, second); err != nil {
		return nil, nil, fmt.Errorf("hkdf: %w", err)
	}
	return first, second, nil
}
