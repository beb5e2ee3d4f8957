package auth

import (
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// PasswordCost is the bcrypt cost for dashboard passwords.
var PasswordCost = 12

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ErrPasswordMismatch: the password does not match the hash.
var ErrPasswordMismatch = errors.New("auth: password mismatch")

// CheckPasswordPolicy says what is wrong with a new password, or "".
func CheckPasswordPolicy(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLength)
	case len(pw) > 72:
		return "must be at most 72 bytes"
	}
	return ""
}

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
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

// CheckPassword compares pw with hash; an empty hash still spends the time of one comparison.
func CheckPassword(hash, pw string) error {
	if hash == "" {
		bcrypt.CompareHashAndPassword(dummyHash(), []byte(pw))
		return ErrPasswordMismatch
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		return ErrPasswordMismatch
	}
	return nil
}
