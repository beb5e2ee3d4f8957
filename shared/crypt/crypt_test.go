package crypt_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/crypt"
)

var ctx = context.Background()

// The key file is created 0600 on first use, gives the same keys again, and a rotation puts a new current key on
// top while the old one still opens what it sealed.
func TestKeyFileAndRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "secrets.key")
	ring, err := crypt.OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Fatalf("key dir mode %v, want 0700", fi.Mode().Perm())
	}
	sealed, err := ring.Seal(ctx, "whsec_abc", "place")
	if err != nil || !strings.HasPrefix(sealed, crypt.Prefix+ring.CurrentID()+":") || strings.Contains(sealed, "whsec_abc") {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	again, err := crypt.OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(ctx, sealed, "place"); err != nil || got != "whsec_abc" {
		t.Fatalf("reopened key file: Open = %q, %v", got, err)
	}
	if _, err := again.Open(ctx, sealed, "another place"); !errors.Is(err, crypt.ErrCorrupt) {
		t.Fatalf("Open with other associated data: %v, want ErrCorrupt", err)
	}
	if _, err := again.Open(ctx, sealed[:len(sealed)-2]+"xx", "place"); !errors.Is(err, crypt.ErrCorrupt) {
		t.Fatalf("Open of a changed value: %v, want ErrCorrupt", err)
	}

	newID, err := crypt.RotateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := crypt.OpenKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.CurrentID() != newID || newID == ring.CurrentID() {
		t.Fatalf("after rotation the current key is %s, want the new %s", rotated.CurrentID(), newID)
	}
	if rotated.Current(sealed) {
		t.Fatal("a value of the old key counts as current")
	}
	if got, err := rotated.Open(ctx, sealed, "place"); err != nil || got != "whsec_abc" {
		t.Fatalf("the old key's value after rotation: %q, %v", got, err)
	}
	fresh, _ := crypt.NewKeyring(crypt.NewKey())
	if _, err := fresh.Open(ctx, sealed, "place"); !errors.Is(err, crypt.ErrUnknownKey) {
		t.Fatalf("Open without the key: %v, want ErrUnknownKey", err)
	}
	if got, _ := fresh.Open(ctx, "plain", "place"); got != "plain" {
		t.Fatalf("a plain value came back as %q", got)
	}
}
