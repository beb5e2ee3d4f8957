// Package id makes WaQtor's record IDs: a short type prefix, an underscore and a ULID ("usr_01J…"), so IDs sort
// by creation time and say what they name.
package id

import (
	"crypto/rand"
	"strings"
	"sync"

	"github.com/oklog/ulid/v2"
)

var (
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// New returns prefix + "_" + a new ULID. IDs made by one process are strictly increasing, even within a millisecond.
func New(prefix string) string {
	mu.Lock()
	u := ulid.MustNew(ulid.Now(), entropy)
	mu.Unlock()
	return prefix + "_" + u.String()
}

// Valid reports whether s looks like an ID with the prefix (so a malformed ID can answer 404 without a lookup).
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok {
		return false
	}
	_, err := ulid.ParseStrict(rest)
	return err == nil
}
