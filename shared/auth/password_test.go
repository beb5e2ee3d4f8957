package auth_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/waqtor/waqtor/shared/auth"
)

// TestPasswordPolicy has one row per rule of CheckPasswordPolicy: what it rejects (with the exact message) and
// what it must still accept next to it.
func TestPasswordPolicy(t *testing.T) {
	const (
		short     = "must be at least 10 characters"
		long      = "must be at most 128 characters"
		control   = "must not contain control characters (such as NUL, tab, newline or DEL)"
		blank     = "must not be only spaces or invisible characters"
		product   = "must not contain the product name (WaQtor)"
		email     = "must not contain your email address or the part of it before the @"
		trivial   = "must not be a repeated character or pattern, a sequence or a keyboard row (such as aaaaaaaaaa, 1234567890 or qwertyuiop)"
		common    = "is on a list of common and breached passwords"
		commonAff = "is a common password with digits or symbols added; the common part is on a list of common and breached passwords"
		utf8      = "must be valid UTF-8 text"
	)
	const who = "mia.jones+work@a.example"
	tests := []struct {
		name, pw, want string
	}{
		// Length: at least 10 characters (runes, after NFKC), at most 128; 64 characters of any script pass.
		{"empty", "", short},
		{"nine characters", "bx7-qz!mv", short},
		{"ten characters", "bx7-qz!mvk", ""},
		{"ten Arabic letters count as ten", "كلمةسرطويل", ""},
		{"64 Arabic characters (over 72 bytes) pass", arabic64(), ""},
		{"128 characters", longPassphrase(128), ""},
		{"129 characters", longPassphrase(129), long},
		// Control characters: C0 (NUL, tab, newline), DEL and C1.
		{"ten NULs", strings.Repeat("\x00", 10), control},
		{"NUL inside", "bx7-qz\x00!mvk", control},
		{"tab", "bx7-qz\t!mvk", control},
		{"newline", "bx7-qz!mvk\n", control},
		{"DEL", "bx7-qz\x7f!mvk", control},
		{"C1 (U+0085)", "bx7-qz\u0085!mvk", control},
		{"invalid UTF-8", "bx7-qz\xff!mvkz", utf8},
		// Blank: spaces are allowed, but not only spaces or invisible characters.
		{"ten spaces", strings.Repeat(" ", 10), blank},
		{"ideographic and no-break spaces", strings.Repeat("\u3000\u00a0", 5), blank},
		{"zero-width spaces", strings.Repeat("\u200b", 10), blank},
		{"spaces inside are fine", "purple monkey dishwasher", ""},
		// Context-specific words.
		{"product name", "MyWaQtorLogin-77", product},
		{"whole email", "xx" + who + "yy", email},
		{"local part", "Mia.Jones+Work-77", email},
		{"local part without tag", "mia.jones#1987!", email},
		// Trivial patterns.
		{"one character repeated", "aaaaaaaaaa", trivial},
		{"two characters", "abababababab", trivial},
		{"unit repeated", "abcabcabca", trivial},
		{"word twice", "tigerlilytigerlily", trivial},
		{"digits up", "1234567890", trivial},
		{"digits down with wrap", "0987654321", trivial},
		{"letters up", "abcdefghijkl", trivial},
		{"sequence plus one", "abcdefghij!", trivial},
		{"repeat plus one", "zzzzzzzzzz1", trivial},
		{"keyboard row", "qwertyuiop", trivial},
		{"keyboard row backwards", "poiuytrewq", trivial},
		{"keyboard column", "1qaz2wsx3edc", trivial},
		// Common and breached passwords, case-insensitive, and with digits or symbols around a common one.
		{"issue example", "password12", common},
		{"common word, other case, digits and symbol", "Password2026!", commonAff},
		{"on the list", "1q2w3e4r5t", common},
		{"on the list, other case", "IloveYou123", common},
		{"common word plus digits", "sunshine2024!", commonAff},
		{"digits before a common word", "1999dragon", commonAff},
		{"uncommon passphrase", "correct horse battery staple", ""},
		{"uncommon with digits", "velvet-otter-42", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.CheckPasswordPolicy(tt.pw, who); got != tt.want {
				t.Fatalf("CheckPasswordPolicy(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}

// arabic64 is 64 characters (117 bytes) of Arabic text.
func arabic64() string {
	s := []rune("في الصباح الباكر ذهبت القطة الصغيرة إلى الحديقة الخضراء لتلعب مع الفراشات الملونة")[:64]
	return string(s)
}

// longPassphrase is n characters of an uncommon, unrepetitive passphrase.
func longPassphrase(n int) string {
	words := []string{"velvet", "otter", "quarry", "lantern", "mosaic", "juniper", "cobalt", "harbor", "fennel", "tundra"}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteString(string(rune('a' + i%26)))
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

func TestPasswordNormalization(t *testing.T) {
	auth.PasswordCost = bcrypt.MinCost
	// "ﬁ" (U+FB01) and full-width digits are NFKC-equivalent to "fi" and ASCII digits; "é" composed and decomposed.
	typed, other := "ﬁligree café １２３", "filigree cafe\u0301 123"
	h, err := auth.HashPassword(typed)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.CheckPassword(h, other); err != nil {
		t.Errorf("the NFKC-equivalent spelling does not log in: %v", err)
	}
	if err := auth.CheckPassword(h, typed); err != nil {
		t.Errorf("the password as typed does not log in: %v", err)
	}
	// A hash made before normalisation (of the raw bytes) still accepts what the user typed then.
	legacy, err := bcrypt.GenerateFromPassword([]byte(typed), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.CheckPassword(string(legacy), typed); err != nil {
		t.Errorf("a pre-normalisation hash no longer accepts its password: %v", err)
	}
	if err := auth.CheckPassword(string(legacy), "filigree cafe 123"); err == nil {
		t.Error("a pre-normalisation hash accepts another password")
	}
}

func TestLongPasswordsKeepEveryByte(t *testing.T) {
	auth.PasswordCost = bcrypt.MinCost
	// 100 bytes: bcrypt alone would refuse (or, elsewhere, truncate at 72 and accept any tail).
	pw := longPassphrase(100)
	h, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatalf("HashPassword(100 bytes): %v", err)
	}
	if err := auth.CheckPassword(h, pw); err != nil {
		t.Fatalf("CheckPassword(100 bytes): %v", err)
	}
	if err := auth.CheckPassword(h, pw[:99]+"#"); err == nil {
		t.Fatal("a long password that differs only in its last byte matches")
	}
	if err := auth.CheckPassword(h, pw[:72]); err == nil {
		t.Fatal("the first 72 bytes of a long password match")
	}
}
