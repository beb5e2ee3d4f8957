package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

// demoEnv runs the binary in demo mode: sessions connect to the in-process fake WhatsApp.
var demoEnv = []string{"WAQTOR_WHATSAPP=demo", "WAQTOR_WEBHOOK_ALLOW=127.0.0.1/32", "WAQTOR_RATE_LIMIT=2000", "WAQTOR_RATE_BURST=2000"}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
}

type demoContact struct {
	Phone, Name string
}

func contacts(t *testing.T, p *proc, key string) []demoContact {
	var out struct{ Contacts []demoContact }
	expect(t, p.do(t, "GET", "/api/dev/demo/contacts", key, ""), 200, "").decode(t, &out)
	if len(out.Contacts) < 2 {
		t.Fatalf("demo mode has %d contacts, want at least 2", len(out.Contacts))
	}
	return out.Contacts
}

type sessionStatus struct {
	Status     string
	State      string
	Reason     string
	Until      *time.Time
	ClientInfo *struct{ PhoneNumber, LID string }
}

func status(t *testing.T, p *proc, key, id string) sessionStatus {
	var s sessionStatus
	expect(t, p.do(t, "GET", "/api/sessions/"+id+"/status", key, ""), 200, "").decode(t, &s)
	return s
}

func waitStatus(t *testing.T, p *proc, key, id, want string) sessionStatus {
	t.Helper()
	var s sessionStatus
	testkit.Until(t, 30*time.Second, "session "+id+" to be "+want, func() bool {
		s = status(t, p, key, id)
		return s.Status == want
	})
	return s
}

// pair creates a session and has the demo phone scan its QR code; it returns the session ID and its phone number.
func pair(t *testing.T, p *proc, key, name string) (string, string) {
	t.Helper()
	var created struct{ Session struct{ ID, Status string } }
	expect(t, p.do(t, "POST", "/api/sessions", key, fmt.Sprintf(`{"name":%q}`, name)), 201, "").decode(t, &created)
	id := created.Session.ID
	var qr struct{ QR string }
	testkit.Until(t, 30*time.Second, "a QR code", func() bool {
		r := p.do(t, "GET", "/api/sessions/"+id+"/qr", key, "")
		if r.status != 200 {
			return false
		}
		r.decode(t, &qr)
		return true
	})
	if !strings.HasPrefix(qr.QR, "https://wa.me/settings/linked_devices#") {
		t.Fatalf("QR code %q is not WhatsApp's", qr.QR)
	}
	var scanned struct{ Phone string }
	expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+id+"/scan", key, ""), 202, "").decode(t, &scanned)
	s := waitStatus(t, p, key, id, "ready")
	if s.ClientInfo == nil || s.ClientInfo.PhoneNumber != scanned.Phone || s.ClientInfo.LID == "" {
		t.Fatalf("ready session's clientInfo = %+v, want phone %s and a LID", s.ClientInfo, scanned.Phone)
	}
	return id, scanned.Phone
}

type storedMessage struct {
	MessageID string
	Status    string
	Direction string
	ChatID    string
	Type      string
	Body      string
	Error     string
	Timeline  []struct{ Status string }
	Media     *struct{ URL, Mime string }
}

func getMessage(t *testing.T, p *proc, key, id string) storedMessage {
	var out struct{ Message storedMessage }
	expect(t, p.do(t, "GET", "/api/messages/"+id, key, ""), 200, "").decode(t, &out)
	return out.Message
}

func waitMessage(t *testing.T, p *proc, key, id, want string) storedMessage {
	t.Helper()
	var m storedMessage
	testkit.Until(t, 30*time.Second, "message "+id+" to be "+want, func() bool {
		r := p.do(t, "GET", "/api/messages/"+id, key, "")
		if r.status == 404 { // an incoming message is stored when WhatsApp delivers it
			return false
		}
		var out struct{ Message storedMessage }
		expect(t, r, 200, "").decode(t, &out)
		m = out.Message
		return m.Status == want && sentRecorded(m)
	})
	return m
}

// sentRecorded: an outgoing message past "sent" also has its sent step. WhatsApp's receipt can be stored before the
// send's own ack (the host records "sent" when Send returns, and the fake server delivers at once), so a test that
// asserts the timeline waits for both. Incoming messages (received → read) have no sent step.
func sentRecorded(m storedMessage) bool {
	if m.Direction != "out" {
		return true
	}
	switch m.Status {
	case "delivered", "read", "played":
		return slices.ContainsFunc(m.Timeline, func(s struct{ Status string }) bool { return s.Status == "sent" })
	}
	return true
}

type inboxMessage struct {
	MessageID, From, Type, Text string
	DeliveredAt, ReadAt         *time.Time
}

func inbox(t *testing.T, p *proc, key, phone string) []inboxMessage {
	var out struct{ Messages []inboxMessage }
	expect(t, p.do(t, "GET", "/api/dev/demo/contacts/"+phone+"/messages", key, ""), 200, "").decode(t, &out)
	return out.Messages
}

func send(t *testing.T, p *proc, key, path, body string) string {
	t.Helper()
	var out struct{ MessageID, Status string }
	expect(t, p.do(t, "POST", path, key, body), 202, "").decode(t, &out)
	if out.Status != "pending" || !strings.HasPrefix(out.MessageID, "3EB0") {
		t.Fatalf("send answered %+v, want a pending 3EB0… message", out)
	}
	return out.MessageID
}

// spaced writes a number the way people do: "+966 50 123 4567".
func spaced(phone string) string {
	if len(phone) < 8 {
		return "+" + phone
	}
	return "+" + phone[:3] + " " + phone[3:5] + " " + phone[5:8] + " " + phone[8:]
}

func pngImage(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{15, 118, 110, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// events collects the webhook event names the receiver got, with their data.
func events(rc *receiver) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, r := range rc.all() {
		var b struct {
			Event string
			Data  map[string]any
		}
		if json.Unmarshal(r.body, &b) == nil {
			out[b.Event] = append(out[b.Event], b.Data)
		}
	}
	return out
}

func TestWhatsAppDemoEndToEnd(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, demoEnv...)
	_, _, key := credentials(t, p)
	rc := newReceiver(t)
	created := expect(t, p.do(t, "POST", "/api/webhooks", key, fmt.Sprintf(`{"url":%q,"events":["*"]}`, rc.srv.URL)), 201, "").obj(t)
	secret := created["webhook"].(map[string]any)["secret"].(string)
	people := contacts(t, p, key)
	alice, bob := people[0], people[1]

	// No session yet: the seed's state says so, and sends are refused with a clear conflict.
	if st := expect(t, p.do(t, "GET", "/api/session/state", key, ""), 200, "").obj(t); st["status"] != "disconnected" {
		t.Fatalf("state without a session = %v", st)
	}
	expect(t, p.do(t, "POST", "/api/messages/send-text", key, `{"chatId":"966501234567","text":"hi"}`), 409, "conflict")

	id, phone := pair(t, p, key, "Sales")
	if st := expect(t, p.do(t, "GET", "/api/session/state", key, ""), 200, "").obj(t); st["status"] != "ready" ||
		st["clientInfo"].(map[string]any)["phoneNumber"] != phone {
		t.Fatalf("seed state = %v", st)
	}
	expect(t, p.do(t, "GET", "/api/sessions/"+id+"/qr", key, ""), 409, "conflict")

	// Bad chat IDs and bodies change nothing.
	for _, bad := range []string{`{"chatId":"12","text":"x"}`, `{"chatId":"abc@c.us","text":"x"}`, `{"chatId":"966501234567","text":""}`,
		`{"chatId":"966501234567@broadcast","text":"x"}`} {
		expect(t, p.do(t, "POST", "/api/messages/send-text", key, bad), 422, "validation_failed")
	}

	// Text in the "+966 50 …" form: pending → sent → delivered → read (the demo contact reads it).
	textID := send(t, p, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"Hello <Alice> & co"}`, spaced(alice.Phone)))
	m := waitMessage(t, p, key, textID, "read")
	var steps []string
	for _, s := range m.Timeline {
		steps = append(steps, s.Status)
	}
	if !slices.Equal(steps, []string{"pending", "sent", "delivered", "read"}) || m.ChatID != alice.Phone+"@s.whatsapp.net" {
		t.Fatalf("text message = %+v, timeline %v", m, steps)
	}
	// A reply quoting it and an image by base64, to the @c.us form.
	replyID := send(t, p, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":"%s@c.us","text":"and another","options":{"quotedMessageId":%q}}`, alice.Phone, textID))
	imgID := send(t, p, key, "/api/messages/send-media", fmt.Sprintf(`{"chatId":"%s@c.us","type":"image","caption":"the logo","media":%q}`,
		alice.Phone, base64.StdEncoding.EncodeToString(pngImage(t))))
	pollID := send(t, p, key, "/api/messages/send-poll", fmt.Sprintf(`{"chatId":%q,"question":"Lunch?","options":["Kabsa","Mandi"]}`, bob.Phone))
	locID := send(t, p, key, "/api/messages/send-location", fmt.Sprintf(`{"chatId":%q,"latitude":24.7136,"longitude":46.6753,"name":"Office"}`, bob.Phone))
	for _, id := range []string{replyID, imgID, pollID, locID} {
		waitMessage(t, p, key, id, "read")
	}
	// A number without WhatsApp: accepted, then failed with the reason, and message_failed goes out.
	nobodyID := send(t, p, key, "/api/messages/send-text", `{"chatId":"+1 555 000 0199","text":"anyone there?"}`)
	if m := waitMessage(t, p, key, nobodyID, "failed"); !strings.Contains(m.Error, "not on WhatsApp") {
		t.Fatalf("message to a number without WhatsApp = %+v", m)
	}
	// Wrong media: a type that does not match the bytes, an unknown type.
	expect(t, p.do(t, "POST", "/api/messages/send-media", key, fmt.Sprintf(`{"chatId":%q,"type":"video","media":%q}`, alice.Phone,
		base64.StdEncoding.EncodeToString(pngImage(t)))), 422, "validation_failed")
	expect(t, p.do(t, "POST", "/api/messages/send-media", key, fmt.Sprintf(`{"chatId":%q,"type":"gif","media":"AAAA"}`, alice.Phone)), 422, "validation_failed")

	got := inbox(t, p, key, alice.Phone)
	byID := map[string]inboxMessage{}
	for _, g := range got {
		if _, dup := byID[g.MessageID]; dup {
			t.Fatalf("alice got %s twice", g.MessageID)
		}
		byID[g.MessageID] = g
	}
	if byID[textID].Text != "Hello <Alice> & co" || byID[imgID].Type != "image" || byID[replyID].Text != "and another" {
		t.Fatalf("alice's inbox = %+v", got)
	}
	bobs := map[string]string{}
	for _, g := range inbox(t, p, key, bob.Phone) {
		bobs[g.MessageID] = g.Type
	}
	if bobs[pollID] != "poll" || bobs[locID] != "location" {
		t.Fatalf("bob's inbox types = %v", bobs)
	}

	// Incoming: a contact writes; the message is stored and listed, and the webhook gets message_received.
	var wrote struct{ MessageID string }
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+bob.Phone+"/messages", key, fmt.Sprintf(`{"to":%q,"text":"مرحبا WaQtor"}`, id)), 202, "").decode(t, &wrote)
	in := waitMessage(t, p, key, wrote.MessageID, "received")
	if in.Direction != "in" || in.Body != "مرحبا WaQtor" || in.ChatID != bob.Phone+"@s.whatsapp.net" {
		t.Fatalf("incoming message = %+v", in)
	}
	var page struct {
		Messages []storedMessage
		Next     string
	}
	expect(t, p.do(t, "GET", "/api/messages?direction=in&chatId="+bob.Phone+"@c.us", key, ""), 200, "").decode(t, &page)
	if len(page.Messages) == 0 || !slices.ContainsFunc(page.Messages, func(m storedMessage) bool { return m.MessageID == wrote.MessageID }) {
		t.Fatalf("incoming list = %+v", page)
	}
	// Incoming media: stored in the media store and served by the API with the bytes the contact sent.
	logo := pngImage(t)
	var pic struct{ MessageID string }
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+bob.Phone+"/messages", key, fmt.Sprintf(`{"to":%q,"text":"our shop","image":%q}`,
		id, base64.StdEncoding.EncodeToString(logo))), 202, "").decode(t, &pic)
	im := waitMessage(t, p, key, pic.MessageID, "received")
	if im.Type != "image" || im.Body != "our shop" || im.Media == nil || im.Media.URL != "/api/messages/"+pic.MessageID+"/media" {
		t.Fatalf("incoming image = %+v", im)
	}
	file := expect(t, p.do(t, "GET", im.Media.URL, key, ""), 200, "")
	if !bytes.Equal(file.body, logo) || file.header.Get("Content-Type") != "image/png" {
		t.Fatalf("media file: %d bytes of %s, want the %d sent", len(file.body), file.header.Get("Content-Type"), len(logo))
	}
	expect(t, p.do(t, "POST", "/api/messages/mark-read", key, fmt.Sprintf(`{"chatId":%q,"messageIds":[%q]}`, bob.Phone, wrote.MessageID)), 202, "")
	waitMessage(t, p, key, wrote.MessageID, "read")

	// Number checks through WhatsApp.
	var check struct {
		Results []struct {
			Phone  string
			Exists bool
		}
	}
	expect(t, p.do(t, "POST", "/api/contacts/check", key, fmt.Sprintf(`{"phones":[%q,"+1 555 000 0199"]}`, spaced(alice.Phone))), 200, "").decode(t, &check)
	if len(check.Results) != 2 || !check.Results[0].Exists || check.Results[1].Exists {
		t.Fatalf("contacts check = %+v", check)
	}

	// Webhooks saw the whole story, signed.
	var counts map[string]int
	defer func() {
		if t.Failed() {
			t.Logf("webhook events seen: %v", counts)
		}
	}()
	testkit.Until(t, 20*time.Second, "the webhooks", func() bool {
		ev := events(rc)
		counts = map[string]int{}
		for k, v := range ev {
			counts[k] = len(v)
		}
		return len(ev["session_qr"]) > 0 && len(ev["client_connected"]) > 0 && len(ev["message_sent"]) >= 5 &&
			len(ev["message_delivered"]) >= 5 && len(ev["message_read"]) >= 5 && len(ev["message_received"]) >= 1 &&
			len(ev["message_failed"]) == 1
	})
	for _, r := range rc.all()[:3] {
		verify(t, secret, r)
	}
	ev := events(rc)
	if !slices.ContainsFunc(ev["message_received"], func(d map[string]any) bool {
		return d["messageId"] == wrote.MessageID && d["from"] == bob.Phone+"@c.us" && d["body"] == "مرحبا WaQtor"
	}) {
		t.Fatalf("message_received webhooks = %v", ev["message_received"])
	}

	// A restart resumes the paired session without a QR code, and sending works at once.
	p.stop(t)
	p = start(t, data, demoEnv...)
	waitStatus(t, p, key, id, "ready")
	again := send(t, p, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"after restart"}`, alice.Phone))
	waitMessage(t, p, key, again, "read")
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+alice.Phone+"/messages", key, fmt.Sprintf(`{"to":%q,"text":"welcome back"}`, id)), 202, "")

	// Faults: a dropped socket reconnects by itself; the others end in their own status.
	expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+id+"/faults", key, `{"kind":"drop"}`), 202, "")
	testkit.Until(t, 30*time.Second, "a reconnect after the drop", func() bool {
		return slices.ContainsFunc(statusEvents(rc), func(s string) bool { return s == "reconnecting" }) && status(t, p, key, id).Status == "ready"
	})
	for _, c := range []struct{ kind, want string }{{"replaced", "replaced"}, {"ban", "banned"}, {"logout", "logged_out"}} {
		sid, _ := pair(t, p, key, "fault "+c.kind)
		expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+sid+"/faults", key, fmt.Sprintf(`{"kind":%q}`, c.kind)), 202, "")
		s := waitStatus(t, p, key, sid, c.want)
		testkit.Until(t, 10*time.Second, "a session_status webhook "+c.want, func() bool {
			return slices.Contains(statusEvents(rc), c.want)
		})
		if c.want == "banned" && (s.Until == nil || !s.Until.After(time.Now())) {
			t.Fatalf("banned status without a future until: %+v", s)
		}
		if c.want == "logged_out" {
			expect(t, p.do(t, "POST", "/api/messages/send-text", key, fmt.Sprintf(`{"sessionId":%q,"chatId":%q,"text":"x"}`, sid, alice.Phone)), 409, "conflict")
		}
	}
	expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+id+"/faults", key, `{"kind":"melt"}`), 422, "validation_failed")
}

func statusEvents(rc *receiver) []string {
	var out []string
	for _, d := range events(rc)["session_status"] {
		s, _ := d["status"].(string)
		out = append(out, s)
	}
	return out
}

// TestWhatsAppKill9DuringSends: 200 accepted sends, the process killed with SIGKILL mid-burst, restarted: every
// message reaches its contact exactly once.
func TestWhatsAppKill9DuringSends(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, demoEnv...)
	_, _, key := credentials(t, p)
	people := contacts(t, p, key)
	id, _ := pair(t, p, key, "Burst")

	const n = 200
	ids := make([]string, n)
	to := make([]string, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := people[i%len(people)]
			mid := send(t, p, key, "/api/messages/send-text", fmt.Sprintf(`{"sessionId":%q,"chatId":%q,"text":"burst %03d"}`, id, c.Phone, i))
			mu.Lock()
			ids[i], to[i] = mid, c.Phone
			mu.Unlock()
		}()
	}
	wg.Wait()
	// Kill while sends are still going out.
	testkit.Until(t, 30*time.Second, "some sends to go out", func() bool {
		return getMessage(t, p, key, ids[20]).Status != "pending"
	})
	p.kill()

	p = start(t, data, demoEnv...)
	waitStatus(t, p, key, id, "ready")
	for i, mid := range ids {
		testkit.Until(t, 60*time.Second, "message "+mid+" to go out", func() bool {
			s := getMessage(t, p, key, mid).Status
			return s == "sent" || s == "delivered" || s == "read"
		})
		_ = i
	}
	for _, c := range people {
		counts := map[string]int{}
		for _, g := range inbox(t, p, key, c.Phone) {
			counts[g.Text]++
		}
		for i := range n {
			if to[i] != c.Phone {
				continue
			}
			if k := fmt.Sprintf("burst %03d", i); counts[k] != 1 {
				t.Errorf("%s got %q %d times, want exactly once", c.Phone, k, counts[k])
			}
		}
	}
}

// TestDemoInboxTenantIsolation: demo contacts are shared by every tenant of a demo server, but what a contact
// received is not: a tenant sees only what its own sessions sent, and a contact writes only to the caller's sessions.
func TestDemoInboxTenantIsolation(t *testing.T) {
	p := start(t, t.TempDir(), append(demoEnv, "WAQTOR_SIGNUP=open")...)
	_, _, keyA := credentials(t, p)
	signup := expect(t, p.do(t, "POST", "/api/auth/signup", "", `{"tenantName":"Other","email":"b@b.example","password":"b-password-123"}`), 201, "").obj(t)
	keyB := signup["token"].(string)
	alice := contacts(t, p, keyA)[0]
	idA, _ := pair(t, p, keyA, "A")
	idB, _ := pair(t, p, keyB, "B")

	secretA := send(t, p, keyA, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"tenant A's secret"}`, alice.Phone))
	waitMessage(t, p, keyA, secretA, "read")
	textB := send(t, p, keyB, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"tenant B's hello"}`, alice.Phone))
	waitMessage(t, p, keyB, textB, "read")

	texts := func(key string) []string {
		var out []string
		for _, m := range inbox(t, p, key, alice.Phone) {
			out = append(out, m.Text)
		}
		return out
	}
	if got := texts(keyA); !slices.Contains(got, "tenant A's secret") || slices.Contains(got, "tenant B's hello") {
		t.Fatalf("tenant A reads alice's inbox as %q, want its own message only", got)
	}
	if got := texts(keyB); !slices.Contains(got, "tenant B's hello") || slices.Contains(got, "tenant A's secret") {
		t.Fatalf("tenant B reads alice's inbox as %q, want its own message only", got)
	}
	// A contact cannot be made to write to another tenant's session.
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+alice.Phone+"/messages", keyB, fmt.Sprintf(`{"to":%q,"text":"x"}`, idA)), 404, "not_found")
	expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+idA+"/faults", keyB, `{"kind":"drop"}`), 404, "not_found")
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+alice.Phone+"/messages", keyB, fmt.Sprintf(`{"to":%q,"text":"x"}`, idB)), 202, "")
}

// apiDocExamples returns the example responses of docs/api.md marked <!-- response: NAME -->, by NAME: a json
// block, or the "# "-commented answer lines of an sh block.
func apiDocExamples(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, m := range regexp.MustCompile("(?s)<!-- response: (.*?) -->\n```(json|sh)\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		text := m[3]
		if m[2] == "sh" {
			var lines []string
			for _, l := range strings.Split(text, "\n") {
				if rest, ok := strings.CutPrefix(l, "# "); ok {
					lines = append(lines, rest)
				}
			}
			text = strings.Join(lines, "\n")
		}
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			t.Fatalf("docs/api.md example %q is not JSON: %v\n%s", m[1], err, text)
		}
		out[m[1]] = v
	}
	return out
}

// shapeDiff lists where doc and real differ in shape: a field one has and the other lacks, or a value of another
// JSON type. Arrays compare each documented element with the real one at the same index (or the first).
func shapeDiff(path string, doc, real any) []string {
	switch d := doc.(type) {
	case map[string]any:
		r, ok := real.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: documented as an object, is %T", path, real)}
		}
		var out []string
		for k, v := range d {
			if rv, ok := r[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: documented, not in the response", path, k))
			} else {
				out = append(out, shapeDiff(path+"."+k, v, rv)...)
			}
		}
		for k := range r {
			if _, ok := d[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: in the response, not documented", path, k))
			}
		}
		return out
	case []any:
		r, ok := real.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: documented as an array, is %T", path, real)}
		}
		var out []string
		for i, v := range d {
			if len(r) == 0 {
				break
			}
			out = append(out, shapeDiff(fmt.Sprintf("%s[%d]", path, i), v, r[min(i, len(r)-1)])...)
		}
		return out
	}
	if fmt.Sprintf("%T", doc) != fmt.Sprintf("%T", real) {
		return []string{fmt.Sprintf("%s: documented as %T, is %T", path, doc, real)}
	}
	return nil
}

// TestAPIDocExamplesAreRealResponses: each example response marked in docs/api.md has the fields, and the types,
// of the real response in the same situation (demo mode: a ready session, a text read by the contact).
func TestAPIDocExamplesAreRealResponses(t *testing.T) {
	docs := apiDocExamples(t)
	p := start(t, t.TempDir(), demoEnv...)
	_, _, key := credentials(t, p)
	layla := contacts(t, p, key)[0]
	id, _ := pair(t, p, key, "Sales")
	real := map[string]reply{
		"error":                         expect(t, p.do(t, "POST", "/api/sessions", key, `{"admin":true}`), 422, "validation_failed"),
		"GET /api/sessions/{id}/status": expect(t, p.do(t, "GET", "/api/sessions/"+id+"/status", key, ""), 200, ""),
		"POST /api/contacts/check": expect(t, p.do(t, "POST", "/api/contacts/check", key,
			fmt.Sprintf(`{"phones":[%q,"+1 555 000 0199"]}`, spaced(layla.Phone))), 200, ""),
	}
	sent := expect(t, p.do(t, "POST", "/api/messages/send-text", key, fmt.Sprintf(`{"chatId":%q,"text":"Hello Layla"}`, spaced(layla.Phone))), 202, "")
	real["POST /api/messages/send-text"] = sent
	var out struct{ MessageID string }
	sent.decode(t, &out)
	waitMessage(t, p, key, out.MessageID, "read")
	real["GET /api/messages/{id}"] = expect(t, p.do(t, "GET", "/api/messages/"+out.MessageID, key, ""), 200, "")
	for name, r := range real {
		doc, ok := docs[name]
		if !ok {
			t.Errorf("docs/api.md marks no example response %q", name)
			continue
		}
		var v any
		r.decode(t, &v)
		if d := shapeDiff("", doc, v); len(d) > 0 {
			t.Errorf("docs/api.md example %q differs from the real response %s:\n%s", name, r.body, strings.Join(d, "\n"))
		}
	}
	for name := range docs {
		if _, ok := real[name]; !ok {
			t.Errorf("docs/api.md example %q is not checked", name)
		}
	}
}
