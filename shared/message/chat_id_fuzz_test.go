package message_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
)

// FuzzParseChatID checks ParseChatID on any input: it never panics; an error is always a validation error on the
// field chatId; an accepted chat ID is canonical (it parses again to itself, with the same address),
// FormatChatID of the address gives it back, and it is one of the forms WaQtor stores.
func FuzzParseChatID(f *testing.F) {
	for _, s := range []string{
		"966501234567@c.us", "966501234567@s.whatsapp.net", "+966 50 123 4567", "966-50-123-4567",
		"(966) 501234567", "00966501234567", "123456789012345@lid", "120363012345678901@g.us",
		"966501234567-1609876543@g.us", "", " ", "abc", "0501234567", "+0966501234567", "966501234567@C.US",
		"@g.us", "1@lid@x", "-1@g.us", "1-@g.us", "٩٦٦٥٠١٢٣٤٥٦٧", "966501234567@lid", "+", "++966501234567",
		"966501234567 @c.us", "12345678901234567890@lid", "123456789012345678901@lid",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		addr, canon, err := message.ParseChatID(in)
		if err != nil {
			var fe apperr.Fields
			if !fe.AddErr(err) || len(fe) != 1 || fe[0].Field != "chatId" {
				t.Fatalf("ParseChatID(%q) error %v is not a validation error on chatId", in, err)
			}
			return
		}
		if !utf8.ValidString(canon) || strings.TrimSpace(canon) != canon || strings.Count(canon, "@") != 1 {
			t.Fatalf("ParseChatID(%q) = %q: not a clean chat ID", in, canon)
		}
		user, server, _ := strings.Cut(canon, "@")
		switch server {
		case "s.whatsapp.net":
			if addr.Phone != user || addr.LID != "" || addr.Group != "" || len(user) < 7 || len(user) > 15 || user[0] == '0' {
				t.Fatalf("ParseChatID(%q) = %+v, %q: not a phone JID", in, addr, canon)
			}
		case "lid":
			if addr.LID != canon || addr.Phone != "" || addr.Group != "" {
				t.Fatalf("ParseChatID(%q) = %+v, %q: not a LID", in, addr, canon)
			}
		case "g.us":
			if addr.Group != canon || addr.Phone != "" || addr.LID != "" {
				t.Fatalf("ParseChatID(%q) = %+v, %q: not a group", in, addr, canon)
			}
		default:
			t.Fatalf("ParseChatID(%q) = %q: server %q is not canonical", in, canon, server)
		}
		if strings.Trim(strings.ReplaceAll(user, "-", ""), "0123456789") != "" {
			t.Fatalf("ParseChatID(%q) = %q: the user part holds more than digits", in, canon)
		}
		addr2, canon2, err := message.ParseChatID(canon)
		if err != nil || canon2 != canon || addr2 != addr {
			t.Fatalf("ParseChatID(%q) = %+v, %q, but %q parses to %+v, %q, %v", in, addr, canon, canon, addr2, canon2, err)
		}
		if got := message.FormatChatID(addr); got != canon {
			t.Fatalf("FormatChatID(%+v) = %q, want %q", addr, got, canon)
		}
	})
}
