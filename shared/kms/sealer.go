// Package kms is the AWS KMS adapter of webhook.Sealer: on AWS, webhook secrets and custom header values are
// encrypted by KMS itself (Encrypt and Decrypt of a symmetric key, the value's place as encryption context), so no
// key material is ever held by WaQtor or stored next to the data. KMS rotates the key's material yearly (automatic
// rotation, set in infra/stack/kms.go) and keeps the old material to decrypt; moving to another key is setting
// WAQTOR_SECRETS_KMS_KEY and running webhook.Reseal (values sealed under the previous key still open while the
// role may decrypt with it).
package kms

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/webhook"
)

// API is the part of the KMS client the sealer uses.
type API interface {
	Encrypt(ctx context.Context, in *awskms.EncryptInput, optFns ...func(*awskms.Options)) (*awskms.EncryptOutput, error)
	Decrypt(ctx context.Context, in *awskms.DecryptInput, optFns ...func(*awskms.Options)) (*awskms.DecryptOutput, error)
}

var _ API = (*awskms.Client)(nil)

// contextKey is the encryption context key that binds each value to its place (webhook.Sealer's aad).
const contextKey = "waqtor:place"

// cacheSize bounds the opened values a process keeps, so a warm Lambda decrypts each secret once.
const cacheSize = 4096

// Sealer seals with Encrypt under one KMS key and opens with Decrypt. A sealed value is
// crypt.Prefix + "kms-<tag>:" + base64url(ciphertext blob), the tag naming the key it was sealed under (a hash of the
// configured key ID), so Current can tell values of an earlier key.
type Sealer struct {
	api   API
	keyID string
	tag   string

	mu    sync.Mutex
	cache map[string]string // sealed value + "\x00" + aad -> plain text
}

var _ webhook.Sealer = (*Sealer)(nil)

// NewSealer returns a sealer that encrypts under keyID (a key ID, ARN or alias).
func NewSealer(api API, keyID string) (*Sealer, error) {
	if keyID == "" {
		return nil, errors.New("kms: no key (WAQTOR_SECRETS_KMS_KEY)")
	}
	sum := sha256.Sum256([]byte(keyID))
	return &Sealer{api: api, keyID: keyID, tag: "kms-" + hex.EncodeToString(sum[:4]), cache: map[string]string{}}, nil
}

func (s *Sealer) Seal(ctx context.Context, plain, aad string) (string, error) {
	out, err := s.api.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String(s.keyID), Plaintext: []byte(plain),
		EncryptionContext: map[string]string{contextKey: aad}})
	if err != nil {
		return "", fmt.Errorf("kms encrypt: %w", err)
	}
	sealed := crypt.Prefix + s.tag + ":" + base64.RawURLEncoding.EncodeToString(out.CiphertextBlob)
	s.remember(sealed, aad, plain)
	return sealed, nil
}

// Open decrypts a value Seal made with the same aad (KMS finds the key from the blob); a value that was never
// sealed is returned as it is.
func (s *Sealer) Open(ctx context.Context, sealed, aad string) (string, error) {
	if !crypt.IsSealed(sealed) {
		return sealed, nil
	}
	s.mu.Lock()
	plain, ok := s.cache[sealed+"\x00"+aad]
	s.mu.Unlock()
	if ok {
		return plain, nil
	}
	tag, body, ok := strings.Cut(sealed[len(crypt.Prefix):], ":")
	if !ok || !strings.HasPrefix(tag, "kms-") {
		return "", fmt.Errorf("%w (key %s: not a KMS key)", crypt.ErrUnknownKey, tag)
	}
	blob, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return "", crypt.ErrCorrupt
	}
	out, err := s.api.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{contextKey: aad}})
	if err != nil {
		return "", fmt.Errorf("kms decrypt: %w", err)
	}
	s.remember(sealed, aad, string(out.Plaintext))
	return string(out.Plaintext), nil
}

// Current reports whether v was sealed under the configured key.
func (s *Sealer) Current(v string) bool { return strings.HasPrefix(v, crypt.Prefix+s.tag+":") }

func (s *Sealer) remember(sealed, aad, plain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= cacheSize {
		clear(s.cache)
	}
	s.cache[sealed+"\x00"+aad] = plain
}
