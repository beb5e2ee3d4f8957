package session_test

import (
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/session"
)

// FuzzNormalizePhone checks NormalizePhone on any input: it never panics; what it accepts is E.164 digits (7 to
// 15, no leading 0) that CheckPhone accepts and that normalise to themselves, also written with a leading "+";
// and it only ever drops the separators it documents (the digits of the input, less a "00" prefix, are the output).
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"+966 50 123 4567", "966-50-123-4567", "(966) 501234567", "00966501234567", "966.50.123.4567", "",
		"+", "+0966501234567", "0501234567", "000966501234567", "12345678901234567", "123456", "+1 (555) 010-9999",
		"٩٦٦٥٠١٢٣٤٥٦٧", "966501234567+", "96650123456７", "0096650123456\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := session.NormalizePhone(in)
		if err != nil {
			return
		}
		if len(out) < session.MinPhoneDigits || len(out) > session.MaxPhoneDigits || out[0] == '0' ||
			strings.Trim(out, "0123456789") != "" {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164 digits", in, out)
		}
		if err := session.CheckPhone(out); err != nil {
			t.Fatalf("NormalizePhone(%q) = %q, which CheckPhone refuses: %v", in, out, err)
		}
		for _, again := range []string{out, "+" + out} {
			if got, err := session.NormalizePhone(again); err != nil || got != out {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q (from %q)", again, got, err, out, in)
			}
		}
		var digits strings.Builder
		for _, r := range in {
			if r >= '0' && r <= '9' {
				digits.WriteRune(r)
			}
		}
		if d := digits.String(); d != out && d != "00"+out {
			t.Fatalf("NormalizePhone(%q) = %q: the input's digits are %q", in, out, d)
		}
	})
}
