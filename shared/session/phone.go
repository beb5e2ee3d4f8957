package session

import (
	"fmt"
	"strings"
)

// Bounds of a phone number in E.164 digits (country code included, no "+").
const (
	MinPhoneDigits = 7
	MaxPhoneDigits = 15
)

// NormalizePhone reads a phone number in any common notation ("+966 50 123 4567", "966-50-123-4567",
// "(966) 501234567", "00966501234567") and returns its E.164 digits without "+". The error is a sentence for
// people; callers put it on their own field.
func NormalizePhone(in string) (string, error) {
	var b strings.Builder
	for i, r := range in {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return "", fmt.Errorf("%q is not a phone number: %q is not allowed (digits, spaces, dashes, dots, parentheses and a leading + only)", in, r)
		}
	}
	digits := b.String()
	if strings.HasPrefix(in, "+") && strings.HasPrefix(digits, "0") {
		return "", fmt.Errorf("%q is not a phone number: the country code after + cannot start with 0", in)
	}
	digits = strings.TrimPrefix(digits, "00")
	if err := CheckPhone(digits); err != nil {
		return "", err
	}
	return digits, nil
}

// CheckPhone checks E.164 digits: 7 to 15 of them, starting with the country code.
func CheckPhone(digits string) error {
	switch {
	case len(digits) < MinPhoneDigits || len(digits) > MaxPhoneDigits:
		return fmt.Errorf("a phone number has %d to %d digits including the country code, not %d", MinPhoneDigits, MaxPhoneDigits, len(digits))
	case digits[0] == '0':
		return fmt.Errorf("phone number %q must start with the country code, not 0", digits)
	}
	return nil
}
