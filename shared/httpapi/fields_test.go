package httpapi_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/httpapi"
)

// noDNS resolves nothing: the webhook URL checks of these tests never reach the network.
type noDNS struct{}

func (noDNS) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, errors.New("no DNS in this test")
}

// TestFieldErrorsNameEveryJSONField walks the routes that take JSON bodies with bad bodies: every invalid field is
// reported at once (issue 8 item 15), each named by its JSON path, never by a Go type path such as
// "sendBase.chatId" (item 10), and a field's message does not repeat the field's name (item 10: "url: url: …").
func TestFieldErrorsNameEveryJSONField(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	for _, tc := range []struct {
		path, body string
		want       []string
	}{
		// the example: both fields, not only text
		{"/api/messages/send-text", `{"chatId":"abc","text":""}`, []string{"chatId", "text"}},
		{"/api/messages/send-text", `{"text":"hi","options":{"mentionedIds":["966501234567","x","120363012345678901@g.us"]}}`,
			[]string{"chatId", "options.mentionedIds[1]", "options.mentionedIds[2]"}},
		{"/api/messages/send-text", `{"chatId":5,"text":"hi"}`, []string{"chatId"}},
		{"/api/messages/send-text", `{"chatId":"966501234567","text":"hi","options":{"mentionedIds":["1",2]}}`,
			[]string{"options.mentionedIds[1]"}},
		{"/api/messages/send-text", `{"chatId":"966501234567","options":{"quoted":"x"}}`, []string{"options.quoted"}},
		{"/api/messages/send-poll", `{"chatId":"","question":"","options":["a","a"],"selectableCount":-1}`,
			[]string{"chatId", "question", "selectableCount", "options[1]"}},
		{"/api/messages/send-location", `{"chatId":"966501234567","latitude":91}`, []string{"latitude", "longitude"}},
		{"/api/messages/send-contact", `{"chatId":"966501234567@lid@x","contact":{"phone":"12"}}`,
			[]string{"chatId", "contact.name", "contact.phone"}},
		{"/api/messages/send-reaction", `{"chatId":"966501234567","reaction":"` + strings.Repeat("x", 11) + `"}`,
			[]string{"messageId", "reaction"}},
		{"/api/messages/send-button", `{"chatId":"966501234567","buttons":[{"text":""},{"text":"ok"},{"text":" "}]}`,
			[]string{"text", "buttons[0].text", "buttons[2].text"}},
		{"/api/messages/send-list", `{"chatId":"966501234567","text":"t","sections":[{"rows":[]},{"rows":[{"title":""}]}]}`,
			[]string{"buttonText", "sections[0].rows", "sections[1].rows[0].title"}},
		{"/api/messages/send-list", `{"chatId":"966501234567","sections":[{"rows":[{"title":1}]}]}`,
			[]string{"sections[0].rows[0].title"}},
		{"/api/contacts/check", `{"phones":["966501234567","abc","12"]}`, []string{"phones[1]", "phones[2]"}},
		{"/api/webhooks", `{"url":"ftp://example.com/","events":[]}`, []string{"url", "events"}},
		{"/api/webhooks", `{"url":"https://u:p@example.com/","events":["message.received"],"retry":{"timeoutMs":"x"}}`,
			[]string{"retry.timeoutMs"}},
		{"/api/webhooks", `{"url":"http://127.0.0.1/","events":["nope"],"secret":"short"}`, []string{"url", "events", "secret"}},
		{"/api/keys", `{"name":"","scopes":["nope"]}`, []string{"name", "scopes"}},
		{"/api/keys", `{"name":"k","scopes":"*"}`, []string{"scopes"}},
		{"/api/users", `{"email":"nope","role":"king","password":"x"}`, []string{"email", "role", "password"}},
	} {
		r := e.call(t, "POST", tc.path, e.ownerKey, tc.body)
		if r.status != 422 {
			t.Errorf("%s %s: %d %s, want 422", tc.path, tc.body, r.status, r.body)
			continue
		}
		errObj := r.json(t)["error"].(map[string]any)
		var got []string
		for _, f := range errObj["details"].(map[string]any)["fields"].([]any) {
			f := f.(map[string]any)
			name, msg := f["field"].(string), f["message"].(string)
			got = append(got, name)
			if strings.HasPrefix(msg, name+":") || strings.HasPrefix(msg, name+" ") {
				t.Errorf("%s %s: field %q has the message %q, which repeats the field", tc.path, tc.body, name, msg)
			}
			for _, goName := range []string{"sendBase", "sendOptions", "Input", "Policy", "ContactCard"} {
				if strings.Contains(name, goName) {
					t.Errorf("%s %s: field %q names a Go type", tc.path, tc.body, name)
				}
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: fields %q, want %q (%s)", tc.path, tc.body, got, tc.want, r.body)
		}
		if msg := errObj["message"].(string); strings.Contains(msg, "url: url:") {
			t.Errorf("%s: message %q repeats its prefix", tc.path, msg)
		}
	}
}

// TestInvalidUTF8IsRefused: encoding/json replaces invalid UTF-8 with U+FFFD; the API refuses it instead, with the
// offset of the first bad byte (issue 8 item 10).
func TestInvalidUTF8IsRefused(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	r := e.call(t, "POST", "/api/keys", e.ownerKey, []byte("{\"name\":\"caf\xe9\",\"scopes\":[\"messages:send\"]}"))
	want(t, r, 400, "bad_request")
	if got := r.json(t)["error"].(map[string]any)["details"].(map[string]any)["offset"]; got != float64(12) {
		t.Fatalf("offset = %v, want 12 (%s)", got, r.body)
	}
	keys := e.call(t, "GET", "/api/keys", e.ownerKey, nil).json(t)["data"].([]any)
	if len(keys) != 1 {
		t.Fatalf("%d keys after the refused request, want only the bootstrap key", len(keys))
	}
}

// Query parameters too: every invalid one at once.
func TestListMessagesReportsEveryBadParameter(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	r := e.call(t, "GET", "/api/messages?chatId=abc&direction=sideways&status=lost&type=telegram&from=yesterday&limit=0", e.ownerKey, nil)
	want(t, r, 422, "validation_failed")
	var got []string
	for _, f := range r.json(t)["error"].(map[string]any)["details"].(map[string]any)["fields"].([]any) {
		got = append(got, f.(map[string]any)["field"].(string))
	}
	if want := []string{"chatId", "direction", "status", "type", "from", "limit"}; !slices.Equal(got, want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
}
