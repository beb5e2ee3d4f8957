package plan

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// CodeLength is the number of symbols of an access code. Each is one of the 32 symbols of CodeAlphabet, so a code
// carries 60 random bits: far beyond online guessing (which RedeemLockout also slows to a few tries an hour per
// tenant) and beyond an offline search of a leaked hash within a code's lifetime (at most MaxCodeTTL).
const CodeLength = 12

// CodeAlphabet is Crockford's base 32: digits and capitals without I, L, O and U, so a code read aloud or typed
// from paper has no look-alikes. NormalizeCode maps the look-alikes back.
const CodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewCode returns a fresh random access code of CodeLength symbols, grouped by four with dashes for reading
// ("7K2M-9QXD-4HTB"). NormalizeCode removes the dashes again.
func NewCode() string {
	b := make([]byte, CodeLength)
	rand.Read(b) // never fails (crypto/rand)
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(CodeAlphabet[x&31]) // 256 is a multiple of 32: unbiased
	}
	return sb.String()
}

// NormalizeCode uppercases s, drops spaces and dashes, and maps the look-alikes I, L → 1 and O → 0. ok is false
// unless the result is CodeLength symbols of CodeAlphabet.
func NormalizeCode(s string) (code string, ok bool) {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'I', 'L':
			r = '1'
		case 'O':
			r = '0'
		}
		if !strings.ContainsRune(CodeAlphabet, r) {
			return "", false
		}
		sb.WriteRune(r)
	}
	code = sb.String()
	return code, len(code) == CodeLength
}

// CodeHash is the stored form of a normalised code: the hex SHA-256 of "access-code:" and the code.
func CodeHash(code string) string {
	sum := sha256.Sum256([]byte("access-code:" + code))
	return hex.EncodeToString(sum[:])
}
