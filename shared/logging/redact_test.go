package logging_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/logging"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/api/dev/demo/contacts/966501234567/messages", "/api/dev/demo/contacts/***4567/messages"},
		{"from 966501234567@s.whatsapp.net", "from ***4567@s.whatsapp.net"},
		{"966501234567:12@s.whatsapp.net", "***4567:12@s.whatsapp.net"},
		{"966501234567.0:12@s.whatsapp.net", "***4567.0:12@s.whatsapp.net"},
		{`<message from="100000000000001@lid" t="1733234567">`, `<message from="***0001@lid" t="***4567">`},
		{"call +966 50 123 4567 now", "call ***4567 now"},
		{"+1 (555) 000-0199.", "***0199."},
		{"+966-50-123-4567", "***4567"},
		{"/contacts/%2B966501234567", "/contacts/%2B***4567"},
		{"short 1234567@s.whatsapp.net", "short ***4567@s.whatsapp.net"},
		{"+3551234567", "***4567"},
		// Left alone: short runs, long runs, digits inside words and hex IDs, times.
		{"id 3EB0123456789ABC", "id 3EB0123456789ABC"},
		{"msg_01M8AHXNQXMMAY37T09E6WW47S", "msg_01M8AHXNQXMMAY37T09E6WW47S"},
		{"ts 1733234567123456789", "ts 1733234567123456789"},
		{"took 1234 ms, 1234567 bytes", "took 1234 ms, 1234567 bytes"},
		{"2026-12-03T13:51:10.123456789Z", "2026-12-03T13:51:10.123456789Z"},
		{"", ""},
	}
	for _, c := range cases {
		if got := logging.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

type jid struct{ user string }

func (j jid) MarshalText() ([]byte, error) { return []byte(j.user + "@s.whatsapp.net"), nil }

type named struct{ n string }

func (n named) String() string { return "chat " + n.n }

type phoneValuer struct{}

func (phoneValuer) LogValue() slog.Value { return slog.StringValue("966501234567") }

// Every place a phone number can enter a record, at every level, through With and groups, in both formats.
func TestNewRedactsEveryLevelAndAttribute(t *testing.T) {
	const phone = "966501234567"
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log := logging.New(&buf, format, "debug")
		ctx := logging.With(context.Background(), slog.String("chat", phone+"@s.whatsapp.net"))
		l := log.With("to", "+966 50 123 4567").WithGroup("g")
		l.DebugContext(ctx, "send to "+phone, "path", "/contacts/"+phone+"/messages",
			"err", errors.New("no account "+phone), "jid", jid{phone}, "who", named{phone},
			"raw", []byte(phone), "lazy", phoneValuer{},
			"fields", map[string]any{"from": phone + "@lid", "list": []any{phone}},
			slog.Group("inner", slog.String("phone", phone)))
		log.InfoContext(ctx, "request", "path", "/x/"+phone)
		log.WarnContext(ctx, phone)
		log.ErrorContext(ctx, "failed", "err", errors.New(phone))
		out := buf.String()
		if strings.Contains(out, phone) || strings.Contains(out, "50 123 4567") {
			t.Errorf("%s: phone number in the log:\n%s", format, out)
		}
		if n := strings.Count(out, "***4567"); n < 14 {
			t.Errorf("%s: %d masked numbers, want at least 14 (the last 4 digits kept):\n%s", format, n, out)
		}
	}
}
