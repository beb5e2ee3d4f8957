package message_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// fieldsOf returns the field names of a validation error, in order.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Validation {
		t.Fatalf("err = %v, want a validation error", err)
	}
	var out []string
	for _, f := range ae.Details.(map[string]any)["fields"].([]apperr.FieldError) {
		out = append(out, f.Field)
	}
	return out
}

func rows(n int) []session.ListRow {
	r := make([]session.ListRow, n)
	for i := range r {
		r[i].Title = "row"
	}
	return r
}

// contentCases are requests the send service must refuse, with the fields it must name (the API's field names).
var contentCases = []struct {
	name   string
	req    message.Request
	fields []string
}{
	{"no chat", message.Request{Out: session.Outgoing{Text: "hi"}}, []string{"chatId"}},
	{"bad chat and empty text", message.Request{ChatID: "not a number", Out: session.Outgoing{Text: " "}}, []string{"chatId", "text"}},
	{"text too long", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Text: strings.Repeat("x", message.MaxTextLen+1)}}, []string{"text"}},
	{"group mention", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Text: "hi",
		Mentions: []session.Address{{Phone: "14155550101"}, {Group: "123@g.us"}, {}}}},
		[]string{"options.mentionedIds[1]", "options.mentionedIds[2]"}},
	{"poll of one option", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Poll: &session.Poll{Question: "q", Options: []string{"a"}}}},
		[]string{"options"}},
	{"poll of 13 options", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Poll: &session.Poll{Question: "q",
		Options: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"}}}}, []string{"options"}},
	{"poll: no question, duplicate option, selectable over", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Poll: &session.Poll{
		Options: []string{"a", "a", ""}, Selectable: 4}}}, []string{"question", "selectableCount", "options[1]", "options[2]"}},
	{"location out of range and missing", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Location: &session.Location{
		Latitude: 91, Longitude: math.NaN()}}}, []string{"latitude", "longitude"}},
	{"contact without name and phone", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Contact: &session.ContactCard{Phone: "abc"}}},
		[]string{"contact.name", "contact.phone"}},
	{"reaction without message, too long", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Reaction: &session.Reaction{
		Emoji: strings.Repeat("👍", message.MaxReactionRunes+1)}}}, []string{"messageId", "reaction"}},
	{"no buttons", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Buttons: &session.Buttons{Text: "t"}}}, []string{"buttons"}},
	{"four buttons, one blank", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Buttons: &session.Buttons{Text: "t",
		Buttons: []session.Button{{Text: "a"}, {Text: " "}, {Text: "c"}, {Text: "d"}}}}}, []string{"buttons", "buttons[1].text"}},
	{"list: no text, no button text, no sections", message.Request{ChatID: "+14155550100", Out: session.Outgoing{List: &session.List{}}},
		[]string{"text", "buttonText", "sections"}},
	{"list: empty section, untitled row, 11 rows", message.Request{ChatID: "+14155550100", Out: session.Outgoing{List: &session.List{
		Text: "t", ButtonText: "b", Sections: []session.ListSection{{}, {Rows: append(rows(10), session.ListRow{})}}}}},
		[]string{"sections[0].rows", "sections[1].rows[10].title", "sections"}},
	{"media of no kind", message.Request{ChatID: "+14155550100", Out: session.Outgoing{Media: &session.Media{Mime: "image/png", Data: []byte("x")}}},
		[]string{"type"}},
}

func TestCheckNamesEveryBadField(t *testing.T) {
	for _, tt := range contentCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOf(t, message.Check(tt.req)); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %q, want %q", got, tt.fields)
			}
		})
	}
}

func TestCheckAcceptsEveryContent(t *testing.T) {
	for _, out := range []session.Outgoing{
		{Text: "hi", Mentions: []session.Address{{Phone: "14155550101"}}},
		{Poll: &session.Poll{Question: "q", Options: []string{"a", "b"}, Selectable: 2}},
		{Location: &session.Location{Latitude: -90, Longitude: 180}},
		{Contact: &session.ContactCard{Name: "Ann", Phone: "+14155550101"}},
		{Reaction: &session.Reaction{MessageID: "3EB0AA"}},
		{Buttons: &session.Buttons{Text: "t", Buttons: []session.Button{{Text: "a"}, {Text: "b"}, {Text: "c"}}}},
		{List: &session.List{Text: "t", ButtonText: "b", Sections: []session.ListSection{{Rows: rows(4)}, {Rows: rows(6)}}}},
		{Media: &session.Media{Kind: session.Image, Mime: "image/png", Data: []byte("x")}},
	} {
		if err := message.Check(message.Request{ChatID: "+14155550100", Out: out}); err != nil {
			t.Errorf("Check(%+v) = %v, want nil", out, err)
		}
	}
}

// TestSendChecksContent: a send that does not come through the API (a campaign, a bot) is refused with the same
// fields, before the service looks at the session or stores anything (the service here has no stores: reaching
// one would panic).
func TestSendChecksContent(t *testing.T) {
	svc := &message.Service{}
	for _, tt := range contentCases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Send(context.Background(), "ten_a", tt.req)
			if got := fieldsOf(t, err); !slices.Equal(got, tt.fields) {
				t.Fatalf("Send: fields = %q, want %q", got, tt.fields)
			}
		})
	}
	_, err := svc.Send(context.Background(), "ten_a", message.Request{ChatID: "+14155550100",
		Out: session.Outgoing{Media: &session.Media{Kind: session.Sticker, Mime: "text/plain", Data: []byte("x")}}})
	if !apperr.Is(err, apperr.Validation) {
		t.Fatalf("Send(sticker of text/plain) = %v, want the media limits' validation error", err)
	}
	if _, err := svc.MarkRead(context.Background(), "ten_a", "", "+14155550100", nil); !slices.Equal(fieldsOf(t, err), []string{"messageIds"}) {
		t.Fatalf("MarkRead(no IDs) = %v", err)
	}
	if _, err := svc.MarkRead(context.Background(), "ten_a", "", "+14155550100", make([]string, message.MaxMarkRead+1)); !slices.Equal(fieldsOf(t, err), []string{"messageIds"}) {
		t.Fatalf("MarkRead(101 IDs) = %v", err)
	}
}
