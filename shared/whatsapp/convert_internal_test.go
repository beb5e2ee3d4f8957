package whatsapp

import (
	"errors"
	"testing"

	"github.com/waqtor/waqtor/shared/session"
)

func TestSQLiteDSN(t *testing.T) {
	const all = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"
	tests := []struct{ in, want string }{
		{"/var/lib/wa.db", "file:/var/lib/wa.db?" + all},
		{"file:wa.db?cache=shared", "file:wa.db?cache=shared&" + all},
		{"file:wa.db?_pragma=foreign_keys(1)", "file:wa.db?" + all},
		{"file:wa.db?" + all, "file:wa.db?" + all},
		{"file:wa.db?_txlock=deferred", "file:wa.db?_txlock=deferred&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"},
	}
	for _, tt := range tests {
		if got := sqliteDSN(tt.in); got != tt.want {
			t.Errorf("sqliteDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJIDOf(t *testing.T) {
	tests := []struct {
		in   session.Address
		want string
		err  error
	}{
		{session.Address{Phone: "966500000001"}, "966500000001@s.whatsapp.net", nil},
		{session.Address{Phone: "+966500000001"}, "966500000001@s.whatsapp.net", nil},
		{session.Address{Phone: "966500000001", LID: "100000000000001@lid"}, "100000000000001@lid", nil},
		{session.Address{LID: "100000000000001:3@lid"}, "100000000000001@lid", nil},
		{session.Address{LID: "100000000000001"}, "100000000000001@lid", nil},
		{session.Address{Group: "120363000000000001@g.us", Phone: "1"}, "120363000000000001@g.us", nil},
		{session.Address{}, "", ErrBadAddress},
		{session.Address{Phone: "96650abc"}, "", ErrBadAddress},
		{session.Address{LID: "1@s.whatsapp.net"}, "", ErrBadAddress},
		{session.Address{Group: "1@lid"}, "", ErrBadAddress},
	}
	for _, tt := range tests {
		got, err := jidOf(tt.in)
		if !errors.Is(err, tt.err) || (err == nil && got.String() != tt.want) {
			t.Errorf("jidOf(%+v) = %s, %v; want %s, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseVCard(t *testing.T) {
	tests := []struct {
		name, card string
		want       session.ContactCard
	}{
		{"whatsapp", "BEGIN:VCARD\nVERSION:3.0\nFN:Carol\nTEL;type=CELL;type=VOICE;waid=966500000003:+966 50 000 0003\nEND:VCARD",
			session.ContactCard{Name: "Carol", Phone: "966500000003"}},
		{"plain tel, crlf", "BEGIN:VCARD\r\nFN:Dan\r\nTEL:+1 (555) 010-0000\r\nEND:VCARD", session.ContactCard{Name: "Dan", Phone: "15550100000"}},
	}
	for _, tt := range tests {
		if got := parseVCard("", tt.card); *got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, *got, tt.want)
		}
	}
}
