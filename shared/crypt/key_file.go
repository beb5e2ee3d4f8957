package crypt

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OpenKeyFile reads the keyring kept in the file at path, creating the file (0600, in a 0700 directory) with one
// new key if it does not exist, and tightening its mode if it is wider. One key per line, "<id> <base64 key>", the
// current key first; blank lines and lines starting with "#" are ignored.
func OpenKeyFile(path string) (*Keyring, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secrets key file: %w", err)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := writeKeyFile(path, []Key{NewKey()}, os.O_CREATE|os.O_EXCL); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets key file: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("secrets key file: %w", err)
	}
	keys, err := parseKeys(b)
	if err != nil {
		return nil, fmt.Errorf("secrets key file %s: %w", path, err)
	}
	return NewKeyring(keys...)
}

// RotateKeyFile puts a new current key at the top of the key file at path, keeping the others for opening what
// they sealed, and returns the new key's ID. The next start re-seals everything with it; after that the old lines
// may be deleted.
func RotateKeyFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("secrets key file: %w", err)
	}
	keys, err := parseKeys(b)
	if err != nil {
		return "", fmt.Errorf("secrets key file %s: %w", path, err)
	}
	k := NewKey()
	tmp := path + ".new"
	if err := writeKeyFile(tmp, append([]Key{k}, keys...), os.O_CREATE|os.O_TRUNC); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("secrets key file: %w", err)
	}
	return k.ID, nil
}

func parseKeys(b []byte) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, enc, ok := strings.Cut(line, " ")
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if !ok || err != nil || len(raw) != KeySize {
			return nil, fmt.Errorf("line %d: want \"<id> <base64 of %d bytes>\"", n, KeySize)
		}
		keys = append(keys, Key{ID: id, Raw: raw})
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in it")
	}
	return keys, nil
}

func writeKeyFile(path string, keys []Key, flag int) error {
	var b strings.Builder
	b.WriteString("# WaQtor secrets keys (AES-256), current first. Keep this file apart from the database backups.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k.ID, base64.StdEncoding.EncodeToString(k.Raw))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|flag, 0o600)
	if err != nil {
		return fmt.Errorf("secrets key file: %w", err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("secrets key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
