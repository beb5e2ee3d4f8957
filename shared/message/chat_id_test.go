package message_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

func TestParseChatID(t *testing.T) {
	phone := session.Address{Phone: "966501234567"}
	const canonical = "966501234567@s.whatsapp.net"
	tests := []struct {
		in     string
		want   session.Address
		chatID string
	}{
		{"966501234567@c.us", phone, canonical},
		{"966501234567@s.whatsapp.net", phone, canonical},
		{"966501234567@C.US", phone, canonical},
		{"+966 50 123 4567", phone, canonical},
		{"966-50-123-4567", phone, canonical},
		{"(966) 501234567", phone, canonical},
		{"966501234567", phone, canonical},
		{"00966501234567", phone, canonical},
		{"  +966.50.123.4567 ", phone, canonical},
		{"1234567", session.Address{Phone: "1234567"}, "1234567@s.whatsapp.net"},
		{"123456789012345", session.Address{Phone: "123456789012345"}, "123456789012345@s.whatsapp.net"},
		{"123456789012345@lid", session.Address{LID: "123456789012345@lid"}, "123456789012345@lid"},
		{"120363012345678901@g.us", session.Address{Group: "120363012345678901@g.us"}, "120363012345678901@g.us"},
		{"966501234567-1609876543@g.us", session.Address{Group: "966501234567-1609876543@g.us"}, "966501234567-1609876543@g.us"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, chatID, err := message.ParseChatID(tt.in)
			if err != nil {
				t.Fatalf("ParseChatID(%q): %v", tt.in, err)
			}
			if got != tt.want || chatID != tt.chatID {
				t.Fatalf("ParseChatID(%q) = %+v, %q; want %+v, %q", tt.in, got, chatID, tt.want, tt.chatID)
			}
			if f := message.FormatChatID(got); f != tt.chatID {
				t.Fatalf("FormatChatID(%+v) = %q, want %q", got, f, tt.chatID)
			}
		})
	}
}

func TestParseChatIDRejects(t *testing.T) {
	tests := []struct{ in, mention string }{
		{"", "required"},
		{"   ", "required"},
		{"123456", "7 to 15 digits"},
		{"1234567890123456", "7 to 15 digits"},
		{"0501234567", "country code"},
		{"+0966501234567", "country code"},
		{"000966501234567", "country code"},
		{"966 50 abc 4567", "not allowed"},
		{"966+501234567", "not allowed"},
		{"++966501234567", "not allowed"},
		{"966501234567:12@s.whatsapp.net", "not a user ID"},
		{"@c.us", "not a user ID"},
		{"0501234567@c.us", "country code"},
		{"12345@c.us", "7 to 15 digits"},
		{"abc@lid", "not a linked ID"},
		{"123456789012345678901@lid", "not a linked ID"},
		{"12036301234567890a@g.us", "not a group ID"},
		{"-1609876543@g.us", "not a group ID"},
		{"status@broadcast", "not a supported chat ID"},
		{"123@newsletter", "not a supported chat ID"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, chatID, err := message.ParseChatID(tt.in)
			if err == nil {
				t.Fatalf("ParseChatID(%q) = %+v, %q; want an error", tt.in, got, chatID)
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Validation {
				t.Fatalf("ParseChatID(%q) error %v is not a validation error", tt.in, err)
			}
			fields, _ := ae.Details.(map[string]any)["fields"].([]apperr.FieldError)
			if len(fields) != 1 || fields[0].Field != "chatId" || !strings.Contains(fields[0].Message, tt.mention) {
				t.Fatalf("ParseChatID(%q) details %+v; want one chatId field mentioning %q", tt.in, ae.Details, tt.mention)
			}
		})
	}
}

func TestFormatChatID(t *testing.T) {
	tests := []struct {
		in   session.Address
		want string
	}{
		{session.Address{}, ""},
		{session.Address{Phone: "966501234567", LID: "1234@lid"}, "966501234567@s.whatsapp.net"},
		{session.Address{LID: "1234@lid"}, "1234@lid"},
		{session.Address{LID: "1234"}, "1234@lid"},
		{session.Address{Group: "120363@g.us", Phone: "966501234567"}, "120363@g.us"},
		{session.Address{Group: "120363"}, "120363@g.us"},
	}
	for _, tt := range tests {
		if got := message.FormatChatID(tt.in); got != tt.want {
			t.Errorf("FormatChatID(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
