package httpapi

// Internal tests of the JSON body decoder: it is unexported, and fuzzing it through an HTTP server would measure
// the server, not the decoder.

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
)

type testOptions struct {
	QuotedMessageID string   `json:"quotedMessageId"`
	MentionedIDs    []string `json:"mentionedIds"`
}

type testBase struct {
	ChatID  string       `json:"chatId"`
	Options *testOptions `json:"options"`
}

type testRow struct {
	Title string `json:"title"`
	N     int    `json:"n"`
}

// testBody has what the real request bodies have: an embedded unexported base, pointers, slices of structs, maps
// and free-form values.
type testBody struct {
	testBase
	Text    string            `json:"text"`
	Rows    []testRow         `json:"rows"`
	Headers map[string]string `json:"headers"`
	Extra   any               `json:"extra"`
	Lat     *float64          `json:"latitude"`
}

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *apperr.Error", err)
	}
	d, _ := ae.Details.(map[string]any)
	fs, _ := d["fields"].([]apperr.FieldError)
	var names []string
	for _, f := range fs {
		names = append(names, f.Field)
	}
	return names
}

func TestDecodeNamesJSONPaths(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"chatId":5}`, "chatId"},
		{`{"options":{"mentionedIds":["a","b",3]}}`, "options.mentionedIds[2]"},
		{`{"rows":[{"title":"a"},{"title":"b","n":"x"}]}`, "rows[1].n"},
		{`{"rows":[{"title":"a"},{"title":{"x":[1]}}]}`, "rows[1].title"},
		{`{"text":"t","headers":{"a":1}}`, "headers.a"},
		{`{"latitude":"north"}`, "latitude"},
		{`{"options":{"quoted":1}}`, "options.quoted"},
		{`{"rows":[{"title":"a"},{"titel":"b"}]}`, "rows[1].titel"},
		{`{"extra":{"anything":[1,{"goes":2}]},"admin":true}`, "admin"},
		{`{"TEXT":"case-insensitive, as encoding/json","chatid":"x","nope":1}`, "nope"},
		// keys that are not plain names are quoted, so a path reads one way only (found by FuzzDecode: `{"":""}`
		// was reported as the field "")
		{`{"":""}`, `[""]`},
		{`{"headers":{"a.b":1}}`, `headers["a.b"]`},
		{`{"a\"b":1}`, `["a\"b"]`},
		{`{"rows":[{"title":"x","0":1}]}`, `rows[0]["0"]`},
	} {
		var dst testBody
		err := decodeJSON([]byte(tt.body), &dst)
		if !apperr.Is(err, apperr.Validation) {
			t.Errorf("%s: err = %v, want validation_failed", tt.body, err)
			continue
		}
		if got := fieldsOf(t, err); len(got) != 1 || got[0] != tt.want {
			t.Errorf("%s: fields %q, want [%q]", tt.body, got, tt.want)
		}
	}
}

// encoding/json names only the first unknown key; decode names every one, once, by its path.
func TestDecodeNamesEveryUnknownField(t *testing.T) {
	var dst testBody
	err := decodeJSON([]byte(`{"text":"x","a":1,"options":{"b":2,"c":{"d":1},"b":3},"rows":[{"title":"t"},{"e":1}],"a":{"z":1}}`), &dst)
	want := []string{"a", "options.b", "options.c", "rows[1].e"}
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Fatalf("fields %q, want %q", got, want)
	}
}

func TestDecodeRefusesInvalidUTF8(t *testing.T) {
	for _, tt := range []struct {
		body   string
		offset int
	}{
		{"{\"text\":\"caf\xe9\"}", 12},               // a Latin-1 byte in a value
		{"{\"te\xffxt\":\"x\"}", 4},                  // in a key
		{"{\"text\":\"ok \xe2\x82\"}", 12},           // a truncated sequence
		{"{\"text\":\"\xed\xa0\x80\"}", 9},           // a UTF-16 surrogate encoded as UTF-8
		{"{\"text\":\"\xf0\x9f\x98\x80 fine\"}", -1}, // valid 4-byte UTF-8
	} {
		var dst testBody
		err := decodeJSON([]byte(tt.body), &dst)
		if tt.offset < 0 {
			if err != nil {
				t.Errorf("%q: %v, want accepted", tt.body, err)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.BadRequest {
			t.Errorf("%q: err = %v, want bad_request", tt.body, err)
			continue
		}
		if got := ae.Details.(map[string]any)["offset"]; got != tt.offset {
			t.Errorf("%q: offset %v, want %d", tt.body, got, tt.offset)
		}
	}
}

// FuzzDecode checks the decoder on any body: it never panics; invalid UTF-8 is always refused with its offset
// (never silently replaced); whatever it accepts re-encodes and decodes again to the same value; and every field
// error names a JSON path of the body, never a Go type.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"chatId":"966501234567","text":"hi","options":{"mentionedIds":["1","2"]}}`,
		`{"chatId":5}`, `{"rows":[{"title":"a"},{"n":"x"}]}`, `{"headers":{"a":"b"},"extra":[1,"x",null]}`,
		`{"options":{"x":1}}`, `[]`, `null`, `{}`, `{"text":"\u00e9\ud83d\ude00"}`, "{\"text\":\"\xff\"}",
		`{"latitude":1e400}`, `{"a":1} {}`, ` {"text":"x"} `, `{"rows":[[]]}`, `{"TEXT":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst testBody
		err := decodeJSON(body, &dst)
		if !utf8.Valid(body) {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.BadRequest {
				t.Fatalf("invalid UTF-8 %q: err = %v, want bad_request", body, err)
			}
			at, _ := ae.Details.(map[string]any)["offset"].(int)
			if r, n := utf8.DecodeRune(body[at:]); !utf8.Valid(body[:at]) || r != utf8.RuneError || n != 1 {
				t.Fatalf("%q: offset %d is not the first invalid byte", body, at)
			}
			return
		}
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%q: error %v is not an *apperr.Error", body, err)
			}
			if ae.Code == apperr.Validation {
				for _, name := range fieldsOf(t, err) {
					if strings.Contains(name, "testBase") || strings.Contains(name, "testOptions") || name == "" {
						t.Fatalf("%q: field %q names a Go type", body, name)
					}
				}
			}
			return
		}
		out, err := json.Marshal(dst)
		if err != nil {
			t.Fatalf("accepted %q but it does not re-encode: %v", body, err)
		}
		var again testBody
		if err := decodeJSON(out, &again); err != nil {
			t.Fatalf("re-encoded %s (from %q) is refused: %v", out, body, err)
		}
		if out2, _ := json.Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("round trip differs: %s vs %s", out, out2)
		}
	})
}
