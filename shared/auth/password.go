package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// PasswordCost is the bcrypt cost for dashboard passwords.
var PasswordCost = 12

// MinPasswordLength is the fewest characters (after normalisation) a password may have. NIST SP 800-63B asks for
// at least 8.
const MinPasswordLength = 10

// MaxPasswordLength is the most characters (after normalisation) a password may have. NIST SP 800-63B asks to
// allow at least 64; longer passwords are pre-hashed before bcrypt (see HashPassword), so the limit only bounds
// the work of a request.
const MaxPasswordLength = 128

// ProductName is the context-specific word no password may contain (compared case-insensitively).
const ProductName = "waqtor"

// ErrPasswordMismatch: the password does not match the hash.
var ErrPasswordMismatch = errors.New("auth: password mismatch")

// NormalizePassword returns pw in Unicode normalisation form NFKC, so that the same password typed on different
// keyboards (composed or decomposed accents, full-width digits) is the same password. Policy checks, hashing and
// login all see the normalised form.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// CheckPasswordPolicy says what is wrong with pw as the new password of the account with the given email, or "".
// It follows NIST SP 800-63B: a length range, any printable Unicode (spaces included) and no composition rules,
// but no control characters, nothing blank, nothing on the embedded list of common and breached passwords
// (IsCommonPassword, also with digits and symbols stripped from both ends: "password12"), nothing containing the
// email, its local part or the product name, and no trivial pattern (one character or a short unit repeated, a
// run of consecutive characters or a keyboard row: "aaaaaaaaaa", "1234567890", "qwertyuiop"). The message names
// the first rule broken and never repeats the password.
func CheckPasswordPolicy(pw, email string) string {
	if !utf8.ValidString(pw) {
		return "must be valid UTF-8 text"
	}
	if strings.ContainsFunc(pw, unicode.IsControl) {
		return "must not contain control characters (such as NUL, tab, newline or DEL)"
	}
	n := NormalizePassword(pw)
	if n != "" && strings.TrimFunc(n, isBlank) == "" {
		return "must not be only spaces or invisible characters"
	}
	switch c := utf8.RuneCountInString(n); {
	case c < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case c > MaxPasswordLength:
		return fmt.Sprintf("must be at most %d characters", MaxPasswordLength)
	}
	lower := strings.ToLower(n)
	if strings.Contains(lower, ProductName) {
		return "must not contain the product name (WaQtor)"
	}
	if containsEmail(lower, strings.ToLower(strings.TrimSpace(email))) {
		return "must not contain your email address or the part of it before the @"
	}
	if isTrivial(lower) {
		return "must not be a repeated character or pattern, a sequence or a keyboard row (such as aaaaaaaaaa, 1234567890 or qwertyuiop)"
	}
	if IsCommonPassword(lower) {
		return "is on a list of common and breached passwords"
	}
	if core := strings.TrimFunc(lower, isNotLetter); core != lower && core != "" && IsCommonPassword(core) {
		return "is a common password with digits or symbols added; the common part is on a list of common and breached passwords"
	}
	return ""
}

// isBlank: a space or an invisible formatting character (zero-width space, joiner, byte order mark).
func isBlank(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }

func isNotLetter(r rune) bool { return !unicode.IsLetter(r) }

// containsEmail: pw holds the whole email, or its local part (also without a +tag) when that has 4 or more
// characters; shorter local parts are too common as parts of words to reject.
func containsEmail(pw, email string) bool {
	if email == "" {
		return false
	}
	if strings.Contains(pw, email) {
		return true
	}
	local, _, _ := strings.Cut(email, "@")
	base, _, _ := strings.Cut(local, "+")
	for _, part := range []string{local, base} {
		if utf8.RuneCountInString(part) >= 4 && strings.Contains(pw, part) {
			return true
		}
	}
	return false
}

// keyboardWalks are rows and columns of a US keyboard, each also read backwards.
var keyboardWalks = []string{
	"`1234567890-=", "~!@#$%^&*()_+", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "qwertyuiopasdfghjklzxcvbnm",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]", "qazwsxedcrfvtgbyhnujmikolp", "azertyuiopqsdfghjklmwxcvbn",
	"qwertzuiopasdfghjklyxcvbnm",
}

// isTrivial: s (lowercase) has fewer than 3 distinct characters; or repeats a unit at least twice
// ("abcabcabca"); or is, all but at most two characters, one run of consecutive characters (each one after or
// before the previous, digits wrapping 9 to 0: "1234567890", "0987654321", "abcdefghij!"); or is part of a
// keyboard row or column, either way.
func isTrivial(s string) bool {
	r := []rune(s)
	distinct := map[rune]bool{}
	for _, c := range r {
		distinct[c] = true
	}
	if len(distinct) < 3 {
		return true
	}
	for p := 1; p <= len(r)/2; p++ {
		periodic := true
		for i := p; i < len(r) && periodic; i++ {
			periodic = r[i] == r[i-p]
		}
		if periodic {
			return true
		}
	}
	if longestRun(r) >= len(r)-2 {
		return true
	}
	for _, w := range keyboardWalks {
		if strings.Contains(w, s) || strings.Contains(reverse(w), s) {
			return true
		}
	}
	return false
}

// longestRun is the length of the longest stretch of r in which each character is the same as, one after, or one
// before the previous, with the same step throughout (digits wrap: 9 then 0, 0 then 9).
func longestRun(r []rune) int {
	best, cur, step := 1, 1, 0
	for i := 1; i < len(r); i++ {
		d := int(r[i] - r[i-1])
		switch {
		case r[i-1] == '9' && r[i] == '0':
			d = 1
		case r[i-1] == '0' && r[i] == '9':
			d = -1
		}
		switch {
		case d >= -1 && d <= 1 && (cur == 1 || d == step):
			cur++
		case d >= -1 && d <= 1:
			cur = 2
		default:
			cur = 1
		}
		step = d
		best = max(best, cur)
	}
	return best
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}

// bcryptInput is what bcrypt hashes for pw: pw itself up to bcrypt's limit of 72 bytes, else the base64 of its
// SHA-256 (44 bytes), so that long passphrases (64 characters of Arabic are 128 bytes) keep all their strength
// instead of being refused or truncated. Every password accepted before the limit rose had at most 72 bytes, so
// their hashes are unchanged.
func bcryptInput(pw string) []byte {
	if len(pw) <= 72 {
		return []byte(pw)
	}
	sum := sha256.Sum256([]byte(pw))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

// HashPassword hashes the normalised form of a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword(bcryptInput(NormalizePassword(pw)), PasswordCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the user does not exist, so a login takes as long either way.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("waqtor-timing-equaliser"), PasswordCost)
	return h
})

// CheckPassword compares pw with hash. It tries the normalised form of pw (how HashPassword stores passwords) and,
// when that differs, pw as typed, which is how passwords set before normalisation were hashed; so nobody has to
// reset a password. An empty hash (no such user) spends the time of the same comparisons and fails.
func CheckPassword(hash, pw string) error {
	candidates := [][]byte{bcryptInput(NormalizePassword(pw))}
	if n := NormalizePassword(pw); n != pw {
		candidates = append(candidates, bcryptInput(pw))
	}
	h := []byte(hash)
	if hash == "" {
		h = dummyHash()
	}
	for _, c := range candidates {
		if bcrypt.CompareHashAndPassword(h, c) == nil && hash != "" {
			return nil
		}
	}
	return ErrPasswordMismatch
}
