package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
)

// newMediaEnv is an API with the message path behind send-media: SQLite stores and queue, the media store on a
// local directory, and one session (not connected: sends stay pending, which is all these tests need).
func newMediaEnv(t *testing.T, cfg httpapi.Config, fetch func(ctx context.Context, url string, max int64, dst io.Writer) (int64, string, error)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	files, err := localdisk.NewMediaStore(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	log := logging.New(io.Discard, "json", "info")
	rec := &recorded{store: sqlite.NewActivityStore(db)}
	tenants := tenant.NewService(sqlite.NewTenantStore(db), rec, log)
	keys := apikey.NewService(sqlite.NewKeyStore(db), sqlite.NewTenantStore(db), rec, log)
	tokens, err := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := setup.FirstStart(ctx, tenants, keys, setup.Input{Email: "owner@a.example"})
	if err != nil {
		t.Fatal(err)
	}
	sessions := sqlite.NewSessionStore(db)
	msgs := &message.Service{Messages: sqlite.NewMessageStore(db), Sessions: sessions, Queue: q, Files: files, Now: clk.Now, Log: log}
	srv := httpapi.New(httpapi.Deps{Tenants: tenants, Keys: keys, Tokens: tokens, Idempotency: sqlite.NewIdempotencyStore(db),
		Activity: sqlite.NewActivityStore(db), Sessions: &session.Service{Store: sessions, Queue: q, Now: clk.Now},
		Messages: msgs, Media: files, FetchMedia: fetch, Log: log, Now: clk.Now}, cfg)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := &env{url: hs.URL, srv: srv, ownerKey: first.APIKey, email: first.Email, password: first.Password, clock: clk, events: rec}
	want(t, e.call(t, "POST", "/api/sessions", e.ownerKey, map[string]string{"name": "main"}), 201, "")
	return e
}

// pdf is a test document of n bytes (a PDF header, then filler), so it sniffs as application/pdf.
func pdf(n int) []byte {
	b := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	copy(b, "%PDF-1.7\n")
	return b
}

// stored fetches a sent message's stored media file through the API.
func (e *env) stored(t *testing.T, r resp) []byte {
	t.Helper()
	id, _ := r.json(t)["messageId"].(string)
	got := e.call(t, "GET", "/api/messages/"+id+"/media", e.ownerKey, nil)
	want(t, got, 200, "")
	return got.body
}

// multipartBody builds a form with fields and, unless file is nil, the part "file".
func multipartBody(t *testing.T, fields map[string]string, filename, ctype string, file []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
		h.Set("Content-Type", ctype)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(file)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func fieldsOf(t *testing.T, r resp) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	fs, _ := d["fields"].([]any)
	var names []string
	for _, f := range fs {
		names = append(names, f.(map[string]any)["field"].(string))
	}
	return strings.Join(names, ",")
}

func TestSendMediaStreamsEveryForm(t *testing.T) {
	e := newMediaEnv(t, httpapi.Config{}, nil)
	doc := pdf(3<<20 + 17) // not a multiple of 3: base64 padding
	b64 := base64.StdEncoding.EncodeToString(doc)
	// JSON allows "\/" and line breaks written as "\n" inside the string; base64 tools wrap lines at 76.
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 76 {
		wrapped.WriteString(strings.ReplaceAll(b64[i:min(i+76, len(b64))], "/", `\/`) + `\n`)
	}
	cases := []struct {
		name, media string
	}{
		{"base64", b64},
		{"base64 unpadded", strings.TrimRight(b64, "=")},
		{"base64 wrapped and escaped", wrapped.String()},
		{"data URL", "data:application/pdf;base64," + b64},
		{"base64 with \\u escapes", `\u004a` + b64[1:]}, // the leading "J" (of "%PDF") written as \u004a
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"chatId":"966501234567","type":"document","filename":"a.pdf","media":"` + tc.media + `","caption":"x"}`
			r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body)
			want(t, r, 202, "")
			if got := e.stored(t, r); !bytes.Equal(got, doc) {
				t.Fatalf("stored %d bytes, want the %d sent", len(got), len(doc))
			}
		})
	}
	t.Run("other fields around media", func(t *testing.T) {
		// Nested values, escapes and fields after media pass through to the usual decoding.
		body := `{"options":{"quotedMessageId":"3EB0AAAA","mentionedIds":["966501234568"]},"media":"` + b64 +
			`","chatId":"966501234567","caption":"a \"quoted\" \u00e9 \\ [caption] {x}","type":"document"}`
		r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body)
		want(t, r, 202, "")
		id := r.json(t)["messageId"].(string)
		m := e.call(t, "GET", "/api/messages/"+id, e.ownerKey, nil).json(t)["message"].(map[string]any)
		if m["body"] != `a "quoted" é \ [caption] {x}` || m["replyTo"] != "3EB0AAAA" {
			t.Fatalf("message %v: want the caption unescaped and the quoted message", m)
		}
		if got := e.stored(t, r); !bytes.Equal(got, doc) {
			t.Fatalf("stored %d bytes, want the %d sent", len(got), len(doc))
		}
	})
	t.Run("multipart", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"chatId": "966501234567", "type": "document"}, "report.pdf", "application/pdf", doc)
		r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body, "Content-Type: "+ct)
		want(t, r, 202, "")
		if got := e.stored(t, r); !bytes.Equal(got, doc) {
			t.Fatalf("stored %d bytes, want the %d sent", len(got), len(doc))
		}
		id := r.json(t)["messageId"].(string)
		m := e.call(t, "GET", "/api/messages/"+id, e.ownerKey, nil).json(t)["message"].(map[string]any)["media"].(map[string]any)
		if m["fileName"] != "report.pdf" || m["mime"] != "application/pdf" {
			t.Fatalf("media %v: want the part's file name and the sniffed type", m)
		}
	})
}

func TestSendMediaBadInput(t *testing.T) {
	e := newMediaEnv(t, httpapi.Config{MaxUploadBytes: 1 << 20}, nil)
	send := func(body string, headers ...string) resp {
		return e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body, headers...)
	}
	cases := []struct {
		name, body string
		status     int
		fields     string
	}{
		{"bad base64", `{"chatId":"966501234567","type":"document","media":"not*base64!"}`, 422, "media"},
		{"bad data URL", `{"chatId":"966501234567","type":"document","media":"data:application/pdf,abc"}`, 422, "media"},
		{"bad data URL base64", `{"chatId":"966501234567","type":"document","media":"data:application/pdf;base64,@@@@"}`, 422, "media"},
		{"no media", `{"chatId":"966501234567","type":"document"}`, 422, "media"},
		{"empty media", `{"chatId":"966501234567","type":"document","media":""}`, 422, "media"},
		{"media not a string", `{"chatId":"966501234567","type":"document","media":42}`, 422, "media"},
		{"unknown field", `{"chatId":"966501234567","type":"document","media":"JVBERi0=","colour":"red"}`, 422, "colour"},
		{"no type", `{"chatId":"966501234567","media":"JVBERi0="}`, 422, "type"},
		{"no chat", `{"type":"document","media":"JVBERi0="}`, 422, "chatId"},
		{"expired-looking upload ID", `{"chatId":"966501234567","type":"document","media":"med_01JD6Y3M5Q8T9V0W1X2Y3Z4A5B"}`, 404, "media"},
		{"malformed JSON", `{"chatId":"966501234567","media":"JVBE`, 400, ""},
		{"trailing data", `{"chatId":"966501234567","type":"document","media":"JVBERi0="} {}`, 400, ""},
		{"not an object", `["media"]`, 400, ""},
		{"empty body", ``, 400, ""},
		{"sticker over its limit", `{"chatId":"966501234567","type":"sticker","media":"data:image/webp;base64,` +
			base64.StdEncoding.EncodeToString(append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 600<<10)...)) + `"}`, 413, ""},
		{"PNG as a sticker", `{"chatId":"966501234567","type":"sticker","media":"data:image/png;base64,` +
			base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1000)...)) + `"}`, 422, ""},
		{"body over the upload limit", `{"chatId":"966501234567","type":"document","media":"` +
			base64.StdEncoding.EncodeToString(pdf(900<<10)) + `"}`, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(tc.body)
			want(t, r, tc.status, "")
			if tc.fields != "" {
				if got := fieldsOf(t, r); got != tc.fields {
					t.Fatalf("fields %q, want %q: %s", got, tc.fields, r.body)
				}
			}
		})
	}
	t.Run("multipart without file", func(t *testing.T) {
		ct, body := multipartBody(t, map[string]string{"chatId": "966501234567", "type": "document"}, "", "", nil)
		r := send(string(body), "Content-Type: "+ct)
		want(t, r, 422, "")
		if got := fieldsOf(t, r); got != "file" {
			t.Fatalf("fields %q, want file: %s", got, r.body)
		}
	})
	t.Run("unauthenticated upload is refused before its body is read", func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		req, _ := http.NewRequest("POST", e.url+"/api/messages/send-media", pr)
		req.Header.Set("Content-Type", "application/json")
		// Over net/http's 256 KiB, so the server does not try to drain the body before answering either.
		req.ContentLength = 900 << 10
		res, err := http.DefaultClient.Do(req) // the body never comes: only an answer before reading it returns
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 {
			t.Fatalf("status %d, want 401", res.StatusCode)
		}
	})
}

func TestUploadMediaThenSendByID(t *testing.T) {
	e := newMediaEnv(t, httpapi.Config{}, nil)
	doc := pdf(2<<20 + 5)
	upload := func(t *testing.T, r resp) string {
		t.Helper()
		want(t, r, 201, "")
		got := r.json(t)
		if got["mimetype"] != "application/pdf" || got["size"] != float64(len(doc)) || got["kind"] != "document" {
			t.Fatalf("upload answer %v", got)
		}
		exp, err := time.Parse(time.RFC3339, got["expiresAt"].(string))
		if err != nil || exp.Sub(e.clock.Now()) < 23*time.Hour || exp.Sub(e.clock.Now()) > 24*time.Hour {
			t.Fatalf("expiresAt %v (%v): want about 24 h from now", got["expiresAt"], err)
		}
		return got["mediaId"].(string)
	}
	raw := upload(t, e.call(t, "POST", "/api/media", e.ownerKey, doc, "Content-Type: application/octet-stream"))
	ct, body := multipartBody(t, nil, "r.pdf", "application/pdf", doc)
	form := upload(t, e.call(t, "POST", "/api/media", e.ownerKey, body, "Content-Type: "+ct))
	if raw == form {
		t.Fatal("two uploads got one ID")
	}
	for _, id := range []string{raw, form, raw} { // an upload can be sent more than once
		r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, `{"chatId":"966501234567","type":"document","media":"`+id+`"}`)
		want(t, r, 202, "")
		if got := e.stored(t, r); !bytes.Equal(got, doc) {
			t.Fatalf("stored %d bytes, want the %d uploaded", len(got), len(doc))
		}
	}
	// Sent as an image, the PDF is refused by the per-type rules, naming what is wrong.
	r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, `{"chatId":"966501234567","type":"image","media":"`+raw+`"}`)
	want(t, r, 422, "")
	// In a multipart form the media field takes the ID too.
	ct, body = multipartBody(t, map[string]string{"chatId": "966501234567", "type": "document", "media": raw}, "", "", nil)
	want(t, e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body, "Content-Type: "+ct), 202, "")

	t.Run("empty upload", func(t *testing.T) {
		r := e.call(t, "POST", "/api/media", e.ownerKey, []byte{}, "Content-Type: application/pdf")
		want(t, r, 422, "")
		if got := fieldsOf(t, r); got != "file" {
			t.Fatalf("fields %q, want file", got)
		}
	})
	t.Run("expired", func(t *testing.T) {
		e.clock.Add(24*time.Hour + time.Minute)
		r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, `{"chatId":"966501234567","type":"document","media":"`+raw+`"}`)
		want(t, r, 404, "not_found")
		if got := fieldsOf(t, r); got != "media" || !strings.Contains(string(r.body), "expired") {
			t.Fatalf("fields %q: %s; want media, expired", got, r.body)
		}
	})
}

func TestUploadMediaIsTenantScoped(t *testing.T) {
	e := newMediaEnv(t, httpapi.Config{SignupOpen: true}, nil)
	r := e.call(t, "POST", "/api/media", e.ownerKey, pdf(1000), "Content-Type: application/pdf")
	want(t, r, 201, "")
	id := r.json(t)["mediaId"].(string)
	s := e.call(t, "POST", "/api/auth/signup", "", map[string]string{"tenantName": "B", "email": "b@b.example", "password": "password-b-123"})
	want(t, s, 201, "")
	tokB := s.json(t)["token"].(string)
	want(t, e.call(t, "POST", "/api/sessions", tokB, map[string]string{"name": "b"}), 201, "")
	r = e.call(t, "POST", "/api/messages/send-media", tokB, `{"chatId":"966501234567","type":"document","media":"`+id+`"}`)
	want(t, r, 404, "not_found")
}

func TestLargeUploadsWaitForASlot(t *testing.T) {
	doc := pdf(64 << 10)
	fetch := func(ctx context.Context, url string, max int64, dst io.Writer) (int64, string, error) {
		n, err := io.Copy(dst, bytes.NewReader(doc))
		return n, "application/pdf", err
	}
	e := newMediaEnv(t, httpapi.Config{UploadSlots: 1, LargeUploadBytes: 1 << 10, UploadWait: 300 * time.Millisecond}, fetch)
	sendURL := `{"chatId":"966501234567","type":"document","media":"https://files.example/a.pdf"}`
	// The first upload takes the only slot and holds it while its body trickles in.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) }) // before the server's cleanup waits for it
	req, _ := http.NewRequest("POST", e.url+"/api/media", pr)
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("X-API-Key", e.ownerKey)
	req.ContentLength = int64(len(doc))
	first := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		first <- res
	}()
	if _, err := pw.Write(doc[:1024]); err != nil {
		t.Fatal(err)
	}
	// Once the server reads the first body it holds the slot; until then another upload may still get it.
	var r resp
	for deadline := time.Now().Add(10 * time.Second); ; {
		if r = e.call(t, "POST", "/api/media", e.ownerKey, doc, "Content-Type: application/pdf"); r.status != 201 || time.Now().After(deadline) {
			break
		}
	}
	want(t, r, 503, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After on 503")
	}
	// A media URL is a large download: it waits for a slot too.
	want(t, e.call(t, "POST", "/api/messages/send-media", e.ownerKey, sendURL), 503, "unavailable")
	// A small upload does not need a slot.
	want(t, e.call(t, "POST", "/api/media", e.ownerKey, doc[:1000], "Content-Type: application/pdf"), 201, "")
	pw.Write(doc[1024:])
	pw.Close()
	if res := <-first; res == nil || res.StatusCode != 201 {
		t.Fatalf("first upload: %v", res)
	}
	want(t, e.call(t, "POST", "/api/media", e.ownerKey, doc, "Content-Type: application/pdf"), 201, "")
	want(t, e.call(t, "POST", "/api/messages/send-media", e.ownerKey, sendURL), 202, "")
}

func TestSendMediaFetchesURLIntoTheStore(t *testing.T) {
	doc := pdf(1 << 20)
	var calls []string
	fetch := func(ctx context.Context, url string, max int64, dst io.Writer) (int64, string, error) {
		calls = append(calls, url)
		n, err := io.Copy(dst, bytes.NewReader(doc))
		return n, "application/pdf", err
	}
	e := newMediaEnv(t, httpapi.Config{}, fetch)
	r := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, `{"chatId":"966501234567","type":"document","media":"https://files.example/a.pdf"}`)
	want(t, r, 202, "")
	if got := e.stored(t, r); !bytes.Equal(got, doc) || len(calls) != 1 || calls[0] != "https://files.example/a.pdf" {
		t.Fatalf("stored %d bytes after fetches %v", len(got), calls)
	}
	var m map[string]any
	json.Unmarshal(r.body, &m)
}

// A streamed body still takes part in idempotency, through its SHA-256: the same key with the same body replays
// the first answer; with another body it is 422 idempotency_key_reused naming the body.
func TestUploadIdempotency(t *testing.T) {
	e := newMediaEnv(t, httpapi.Config{}, nil)
	body := `{"chatId":"966501234567","type":"document","media":"` + base64.StdEncoding.EncodeToString(pdf(5<<20)) + `"}`
	first := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body, "Idempotency-Key: k1")
	want(t, first, 202, "")
	again := e.call(t, "POST", "/api/messages/send-media", e.ownerKey, body, "Idempotency-Key: k1")
	want(t, again, 202, "")
	if again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Fatalf("retry answered %s (replayed %q); want the first answer %s", again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	other := strings.Replace(body, `"type":"document"`, `"type":"document","caption":"changed"`, 1)
	want(t, e.call(t, "POST", "/api/messages/send-media", e.ownerKey, other, "Idempotency-Key: k1"), 422, "idempotency_key_reused")
}
