package kms_test

import (
	"context"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/kms"
)

// Against the KMS emulator (local-kms): values seal and open, bound to their place; a second key takes over
// sealing while values of the first still open; tampering fails.
func TestSealerOnKMS(t *testing.T) {
	ctx := context.Background()
	client, key1 := awstest.KMS(t)
	s, err := kms.NewSealer(client, key1)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "whsec_0123456789abcdef"
	sealed, err := s.Seal(ctx, plain, "webhook/ten_a/wh_1/secret")
	if err != nil {
		t.Fatal(err)
	}
	if !crypt.IsSealed(sealed) || strings.Contains(sealed, plain) || !s.Current(sealed) {
		t.Fatalf("sealed = %q", sealed)
	}
	// A fresh sealer (a cold start: nothing cached) opens it through KMS Decrypt.
	cold, _ := kms.NewSealer(client, key1)
	if got, err := cold.Open(ctx, sealed, "webhook/ten_a/wh_1/secret"); err != nil || got != plain {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// Bound to its place: another tenant's record cannot use it.
	if _, err := cold.Open(ctx, sealed, "webhook/ten_b/wh_1/secret"); err == nil {
		t.Fatal("opened with another encryption context")
	}
	if got, _ := cold.Open(ctx, "plain before encryption", "x"); got != "plain before encryption" {
		t.Fatalf("a plain value came back as %q", got)
	}

	// Moving to a second key: new values are sealed under it and the old ones are not Current (Reseal material),
	// yet still open.
	out, err := client.CreateKey(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := kms.NewSealer(client, *out.KeyMetadata.Arn)
	if s2.Current(sealed) {
		t.Fatal("a value of the first key is current under the second")
	}
	if got, err := s2.Open(ctx, sealed, "webhook/ten_a/wh_1/secret"); err != nil || got != plain {
		t.Fatalf("Open of the first key's value with the second sealer = %q, %v", got, err)
	}
	resealed, err := s2.Seal(ctx, plain, "webhook/ten_a/wh_1/secret")
	if err != nil || !s2.Current(resealed) {
		t.Fatalf("Seal under the second key = %q, %v", resealed, err)
	}
	tampered := resealed[:len(resealed)-4] + "AAAA"
	fresh, _ := kms.NewSealer(client, key1)
	if _, err := fresh.Open(ctx, tampered, "webhook/ten_a/wh_1/secret"); err == nil {
		t.Fatal("a tampered value opened")
	}
}
