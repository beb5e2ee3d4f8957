package sessiontest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/testkit"
)

// waitFor bounds every wait of the suite.
const waitFor = 15 * time.Second

// Numbers of the suite's accounts.
const (
	aliceNumber = "966500000001" // the session's own account
	bobNumber   = "966500000002"
	carolNumber = "966500000003"
	nobody      = "966599999999" // not on WhatsApp
)

// Run runs the contract suite against h.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
	}{
		{"PairQR", testPairQR},
		{"QRTimeout", testQRTimeout},
		{"LoginCancel", testLoginCancel},
		{"PairCode", testPairCode},
		{"Reopen", testReopen},
		{"Send", testSend},
		{"SendErrors", testSendErrors},
		{"Receive", testReceive},
		{"Redelivery", testRedelivery},
		{"Failures", testFailures},
		{"Keepalive", testKeepalive},
		{"Logout", testLogout},
		{"Lookup", testLookup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, h) })
	}
}

// world starts a fresh world and checks at the end that the network saw no protocol problem.
func world(t *testing.T, h Harness) (session.Devices, Network) {
	t.Helper()
	devs, net := h.New(t)
	t.Cleanup(func() {
		if p := net.Problems(); len(p) > 0 {
			t.Errorf("network problems: %v", p)
		}
	})
	return devs, net
}

func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	t.Cleanup(cancel)
	return ctx
}

// recorder is a client's handler: it keeps every event for the test to wait on, and fails those fail rejects.
type recorder struct {
	ch   chan session.Event
	mu   sync.Mutex
	fail func(session.Event) error
}

func record(c session.Client) *recorder {
	r := &recorder{ch: make(chan session.Event, 4096)}
	c.SetHandler(r.handle)
	return r
}

func (r *recorder) handle(_ context.Context, e session.Event) error {
	r.ch <- e
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail(e)
	}
	return nil
}

func (r *recorder) failWith(f func(session.Event) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail = f
}

// wait returns the first event of type T that match accepts, skipping others.
func wait[T session.Event](t *testing.T, r *recorder, what string, match func(T) bool) T {
	t.Helper()
	timeout := time.After(waitFor)
	var seen []string
	for {
		select {
		case e := <-r.ch:
			if v, ok := e.(T); ok && (match == nil || match(v)) {
				return v
			}
			seen = append(seen, fmt.Sprintf("%+v", e))
		case <-timeout:
			t.Fatalf("no %s within %s; saw %v", what, waitFor, seen)
		}
	}
}

// waitStatus waits for the client to report status st (and a reason containing reason).
func waitStatus(t *testing.T, r *recorder, st session.Status, reason string) session.StatusChanged {
	t.Helper()
	return wait(t, r, fmt.Sprintf("status %s (%q)", st, reason), func(e session.StatusChanged) bool {
		return e.Status == st && strings.Contains(e.Reason, reason)
	})
}

// final reads the rest of a login's updates and returns the final one, checking the channel closes after it.
func final(t *testing.T, updates <-chan session.LoginUpdate) session.LoginUpdate {
	t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				t.Fatal("login updates ended without a final update")
			}
			if u.Paired != nil || u.Err != nil {
				select {
				case extra, open := <-updates:
					if open {
						t.Fatalf("update after the final one: %+v", extra)
					}
				case <-timeout:
					t.Fatal("login updates not closed after the final update")
				}
				return u
			}
		case <-timeout:
			t.Fatalf("login did not end within %s", waitFor)
		}
	}
}

// linked is a paired, connected client with its recorder.
type linked struct {
	cli     session.Client
	rec     *recorder
	account session.Account
}

// pair links a new device to phone by QR code and waits until it is Ready.
func pair(t *testing.T, devs session.Devices, phone Phone) linked {
	t.Helper()
	ctx := deadline(t)
	cli, err := devs.New(ctx)
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	t.Cleanup(cli.Disconnect)
	rec := record(cli)
	updates, err := cli.LoginQR(ctx)
	if err != nil {
		t.Fatalf("LoginQR: %v", err)
	}
	first := <-updates
	if first.QR == "" {
		t.Fatalf("first login update: %+v, want a QR code", first)
	}
	if err := phone.Scan(first.QR); err != nil {
		t.Fatalf("scan: %v", err)
	}
	u := final(t, updates)
	if u.Err != nil {
		t.Fatalf("login: %v", u.Err)
	}
	checkAccount(t, *u.Paired, phone)
	waitStatus(t, rec, session.Ready, "")
	return linked{cli: cli, rec: rec, account: *u.Paired}
}

func checkAccount(t *testing.T, a session.Account, phone Phone) {
	t.Helper()
	if a.Phone != phone.Number() || a.LID != phone.LID() || !strings.HasPrefix(a.DeviceJID, phone.Number()+":") {
		t.Fatalf("account %+v, want phone %s, LID %s and a device of the phone", a, phone.Number(), phone.LID())
	}
}

func testPairQR(t *testing.T, h Harness) {
	devs, net := world(t, h)
	phone := net.Phone(aliceNumber)
	ctx := deadline(t)
	cli, err := devs.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cli.Disconnect)
	rec := record(cli)
	if _, ok := cli.Account(); ok {
		t.Fatal("a new client has an account")
	}
	start := time.Now()
	updates, err := cli.LoginQR(ctx)
	if err != nil {
		t.Fatalf("LoginQR: %v", err)
	}
	if _, err := cli.LoginQR(ctx); err == nil {
		t.Fatal("a second LoginQR while the first runs succeeded")
	}
	first, second := <-updates, <-updates
	if first.QR == "" || second.QR == "" || first.QR == second.QR {
		t.Fatalf("updates %+v then %+v, want two different QR codes", first, second)
	}
	if !first.ExpiresAt.After(start) || !second.ExpiresAt.After(first.ExpiresAt) {
		t.Fatalf("expiries %s then %s, want increasing after the start %s", first.ExpiresAt, second.ExpiresAt, start)
	}
	if err := phone.Scan(second.QR); err != nil {
		t.Fatalf("scan the rotated code: %v", err)
	}
	u := final(t, updates)
	if u.Err != nil {
		t.Fatalf("login: %v", u.Err)
	}
	checkAccount(t, *u.Paired, phone)
	waitStatus(t, rec, session.Ready, "")
	if got, ok := cli.Account(); !ok || got.DeviceJID != u.Paired.DeviceJID || got.LID != phone.LID() {
		t.Fatalf("Account() = %+v, %t; want %+v", got, ok, *u.Paired)
	}
	if _, err := cli.LoginQR(ctx); !errors.Is(err, session.ErrAlreadyPaired) {
		t.Fatalf("LoginQR on a paired client: %v, want ErrAlreadyPaired", err)
	}
	if _, _, err := cli.LoginCode(ctx, phone.Number()); !errors.Is(err, session.ErrAlreadyPaired) {
		t.Fatalf("LoginCode on a paired client: %v, want ErrAlreadyPaired", err)
	}
}

func testQRTimeout(t *testing.T, h Harness) {
	devs, _ := world(t, h)
	ctx := deadline(t)
	cli, err := devs.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cli.Disconnect)
	updates, err := cli.LoginQR(ctx)
	if err != nil {
		t.Fatalf("LoginQR: %v", err)
	}
	codes := map[string]bool{}
	var u session.LoginUpdate
	for u = range updates {
		if u.QR != "" {
			codes[u.QR] = true
		}
		if u.Err != nil || u.Paired != nil {
			break
		}
	}
	if !errors.Is(u.Err, session.ErrLoginTimeout) || len(codes) < 2 {
		t.Fatalf("unscanned login ended with %+v after %d codes; want ErrLoginTimeout after several", u, len(codes))
	}
	if _, ok := <-updates; ok {
		t.Fatal("updates not closed after the timeout")
	}
	if _, ok := cli.Account(); ok {
		t.Fatal("timed-out client has an account")
	}
}

func testLoginCancel(t *testing.T, h Harness) {
	devs, net := world(t, h)
	cli, err := devs.New(deadline(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cli.Disconnect)
	ctx, cancel := context.WithCancel(deadline(t))
	updates, err := cli.LoginQR(ctx)
	if err != nil {
		t.Fatalf("LoginQR: %v", err)
	}
	first := <-updates
	cancel()
	u := final(t, updates)
	if u.Err == nil || !errors.Is(u.Err, context.Canceled) {
		t.Fatalf("cancelled login ended with %+v, want context.Canceled", u)
	}
	if err := net.Phone(aliceNumber).Scan(first.QR); err == nil {
		t.Fatal("the QR code of a cancelled login could still be scanned")
	}
	// The client can try again.
	pairAgain, err := cli.LoginQR(deadline(t))
	if err != nil {
		t.Fatalf("LoginQR after a cancelled one: %v", err)
	}
	if again := <-pairAgain; again.QR == "" || again.QR == first.QR {
		t.Fatalf("second login's first update %+v, want a new QR code", again)
	}
}

func testPairCode(t *testing.T, h Harness) {
	devs, net := world(t, h)
	phone := net.Phone(aliceNumber)
	ctx := deadline(t)
	cli, err := devs.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cli.Disconnect)
	rec := record(cli)
	for _, bad := range []string{"12", "0501234567"} {
		if _, _, err := cli.LoginCode(ctx, bad); err == nil {
			t.Fatalf("LoginCode(%q) succeeded", bad)
		}
	}
	code, updates, err := cli.LoginCode(ctx, "+"+phone.Number())
	if err != nil {
		t.Fatalf("LoginCode: %v", err)
	}
	if len(strings.ReplaceAll(code, "-", "")) != 8 {
		t.Fatalf("pairing code %q, want 8 characters", code)
	}
	if err := phone.EnterCode(code); err != nil {
		t.Fatalf("enter code: %v", err)
	}
	u := final(t, updates)
	if u.Err != nil || u.QR != "" {
		t.Fatalf("code login ended with %+v", u)
	}
	checkAccount(t, *u.Paired, phone)
	waitStatus(t, rec, session.Ready, "")
}

func testReopen(t *testing.T, h Harness) {
	devs, net := world(t, h)
	first := pair(t, devs, net.Phone(aliceNumber))
	first.cli.Disconnect()
	waitStatus(t, first.rec, session.Stopped, "")

	ctx := deadline(t)
	cli, err := devs.Open(ctx, first.account.DeviceJID)
	if err != nil {
		t.Fatalf("open %s: %v", first.account.DeviceJID, err)
	}
	t.Cleanup(cli.Disconnect)
	rec := record(cli)
	if got, ok := cli.Account(); !ok || got.DeviceJID != first.account.DeviceJID || got.Phone != aliceNumber {
		t.Fatalf("reopened Account() = %+v, %t; want %+v", got, ok, first.account)
	}
	life, end := context.WithCancel(ctx)
	defer end()
	if err := cli.Connect(life); err != nil {
		t.Fatalf("connect: %v", err)
	}
	waitStatus(t, rec, session.Ready, "")
	if _, err := cli.LoginQR(ctx); !errors.Is(err, session.ErrAlreadyPaired) {
		t.Fatalf("LoginQR on a reopened device: %v, want ErrAlreadyPaired", err)
	}
	bob := net.Phone(bobNumber)
	sendAndCheck(t, cli, rec, bob, session.Outgoing{Text: "after reopening"}, func(r Received) bool {
		return r.Type == "text" && r.Text == "after reopening"
	})

	// The context of Connect bounds the connection.
	end()
	waitStatus(t, rec, session.Stopped, "")
	if _, err := cli.Send(ctx, session.Address{Phone: bobNumber}, session.Outgoing{ID: cli.NewMessageID(), Text: "x"}); !errors.Is(err, session.ErrNotConnected) {
		t.Fatalf("send after the connection's context ended: %v, want ErrNotConnected", err)
	}
	if err := cli.Connect(ctx); err != nil {
		t.Fatalf("connect again: %v", err)
	}
	waitStatus(t, rec, session.Ready, "")

	unpaired, err := devs.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := unpaired.Connect(ctx); !errors.Is(err, session.ErrNotPaired) {
		t.Fatalf("Connect of an unpaired client: %v, want ErrNotPaired", err)
	}
	if _, err := devs.Open(ctx, aliceNumber+":77@s.whatsapp.net"); !errors.Is(err, session.ErrDeviceNotFound) {
		t.Fatalf("open an unknown device: %v, want ErrDeviceNotFound", err)
	}
}

// sendAndCheck sends m to phone, checks the ack, that the phone received it as check wants, and that a delivery
// receipt for its ID arrives. It returns the message ID.
func sendAndCheck(t *testing.T, cli session.Client, rec *recorder, phone Phone, m session.Outgoing, check func(Received) bool) string {
	t.Helper()
	ctx := deadline(t)
	m.ID = cli.NewMessageID()
	sent, err := cli.Send(ctx, session.Address{Phone: phone.Number()}, m)
	if err != nil {
		t.Fatalf("send %+v: %v", m, err)
	}
	if sent.ID != m.ID || sent.ServerTime.IsZero() || sent.From.IsZero() {
		t.Fatalf("sent %+v, want ID %s, the ack time and the sender", sent, m.ID)
	}
	got, err := phone.NextMessage(ctx)
	if err != nil {
		t.Fatalf("%s waiting for %s: %v", phone.Number(), m.ID, err)
	}
	if got.ID != m.ID || !check(got) {
		t.Fatalf("%s received %+v for %+v", phone.Number(), got, m)
	}
	wait(t, rec, "delivery receipt for "+m.ID, func(r session.ReceiptReceived) bool {
		return r.Kind == session.Delivered && slices.Contains(r.IDs, m.ID)
	})
	return m.ID
}

func testSend(t *testing.T, h Harness) {
	devs, net := world(t, h)
	alice := pair(t, devs, net.Phone(aliceNumber))
	bob, carol := net.Phone(bobNumber), net.Phone(carolNumber)
	send := func(m session.Outgoing, check func(Received) bool) string {
		t.Helper()
		return sendAndCheck(t, alice.cli, alice.rec, bob, m, check)
	}
	first := send(session.Outgoing{Text: "hello bob"}, func(r Received) bool { return r.Type == "text" && r.Text == "hello bob" })
	send(session.Outgoing{Text: "quoting", ReplyTo: &session.Quoted{ID: first, FromMe: true, Text: "hello bob"}},
		func(r Received) bool { return r.Text == "quoting" && r.ReplyTo == first })
	send(session.Outgoing{Text: "hi @" + carolNumber, Mentions: []session.Address{{Phone: carolNumber}}},
		func(r Received) bool {
			return len(r.Mentions) == 1 && (r.Mentions[0].Phone == carolNumber || r.Mentions[0].LID == carol.LID())
		})

	media := []session.Media{
		{Kind: session.Image, Mime: "image/jpeg", Caption: "a picture", Data: bytes.Repeat([]byte("jpeg "), 500)},
		{Kind: session.Video, Mime: "video/mp4", Caption: "a film", Data: bytes.Repeat([]byte("mp4 "), 900)},
		{Kind: session.Audio, Mime: "audio/mpeg", Data: bytes.Repeat([]byte("mp3 "), 300)},
		{Kind: session.Voice, Mime: "audio/ogg; codecs=opus", Data: bytes.Repeat([]byte("opus "), 200)},
		{Kind: session.Document, Mime: "application/pdf", FileName: "report.pdf", Caption: "the report", Data: bytes.Repeat([]byte("pdf "), 700)},
		{Kind: session.Sticker, Mime: "image/webp", Data: bytes.Repeat([]byte("webp "), 100)},
	}
	for _, md := range media {
		t.Run(string(md.Kind), func(t *testing.T) {
			send(session.Outgoing{Media: &md}, func(r Received) bool {
				return r.Type == string(md.Kind) && r.Media != nil && r.Media.Kind == md.Kind && r.Media.Mime == md.Mime &&
					r.Media.Caption == md.Caption && r.Media.FileName == md.FileName && bytes.Equal(r.Media.Data, md.Data)
			})
		})
	}
	// A file streamed from a reader (Body and Size, as the session host sends stored files) arrives the same; the
	// reader hides any other interface, so the port cannot fall back on a byte slice.
	t.Run("document streamed", func(t *testing.T) {
		data := bytes.Repeat([]byte("streamed pdf "), 40000) // 520 KB: more than one read buffer
		md := session.Media{Kind: session.Document, Mime: "application/pdf", FileName: "big.pdf",
			Body: struct{ io.Reader }{bytes.NewReader(data)}, Size: int64(len(data))}
		send(session.Outgoing{Media: &md}, func(r Received) bool {
			return r.Type == "document" && r.Media != nil && r.Media.FileName == "big.pdf" && bytes.Equal(r.Media.Data, data)
		})
	})
	poll := session.Poll{Question: "lunch?", Options: []string{"yes", "no", "later"}, Selectable: 1}
	send(session.Outgoing{Poll: &poll}, func(r Received) bool {
		return r.Type == "poll" && r.Poll != nil && r.Poll.Question == poll.Question && slices.Equal(r.Poll.Options, poll.Options) &&
			r.Poll.Selectable == 1
	})
	loc := session.Location{Latitude: 24.7136, Longitude: 46.6753, Name: "Riyadh", Address: "Olaya St"}
	send(session.Outgoing{Location: &loc}, func(r Received) bool { return r.Type == "location" && r.Location != nil && *r.Location == loc })
	card := session.ContactCard{Name: "Carol", Phone: carolNumber}
	send(session.Outgoing{Contact: &card}, func(r Received) bool { return r.Type == "contact" && r.Contact != nil && *r.Contact == card })
	send(session.Outgoing{Reaction: &session.Reaction{MessageID: first, FromMe: true, Emoji: "👍"}}, func(r Received) bool {
		return r.Type == "reaction" && r.Reaction != nil && r.Reaction.MessageID == first && r.Reaction.Emoji == "👍"
	})
	send(session.Outgoing{Buttons: &session.Buttons{Text: "pick one", Buttons: []session.Button{{ID: "a", Text: "A"}, {ID: "b", Text: "B"}}}},
		func(r Received) bool { return r.Type == "buttons" && r.Text == "pick one" })
	send(session.Outgoing{List: &session.List{Text: "menu", ButtonText: "open", Sections: []session.ListSection{{Title: "s",
		Rows: []session.ListRow{{ID: "r1", Title: "one"}}}}}}, func(r Received) bool { return r.Type == "list" && r.Text == "menu" })

	if err := bob.MarkRead(aliceNumber, first); err != nil {
		t.Fatalf("bob marks read: %v", err)
	}
	wait(t, alice.rec, "read receipt", func(r session.ReceiptReceived) bool {
		return r.Kind == session.Read && slices.Contains(r.IDs, first) &&
			(r.Chat.Phone == bobNumber || r.Chat.LID == bob.LID())
	})
}

func testSendErrors(t *testing.T, h Harness) {
	devs, net := world(t, h)
	alice := pair(t, devs, net.Phone(aliceNumber))
	ctx := deadline(t)
	bob := session.Address{Phone: bobNumber}
	net.Phone(bobNumber)
	tests := []struct {
		name string
		to   session.Address
		m    session.Outgoing
		want error // nil: any error
	}{
		{"no content", bob, session.Outgoing{}, nil},
		{"two contents", bob, session.Outgoing{Text: "x", Poll: &session.Poll{Question: "q", Options: []string{"a", "b"}}}, nil},
		{"poll with one option", bob, session.Outgoing{Poll: &session.Poll{Question: "q", Options: []string{"a"}}}, nil},
		{"nobody", session.Address{}, session.Outgoing{Text: "x"}, nil},
		{"not on whatsapp", session.Address{Phone: nobody}, session.Outgoing{Text: "hello?"}, session.ErrNotOnWhatsApp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.ID = alice.cli.NewMessageID()
			_, err := alice.cli.Send(ctx, tt.to, tt.m)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("send: %v, want %v", err, tt.want)
			}
		})
	}
	alice.cli.Disconnect()
	if _, err := alice.cli.Send(ctx, bob, session.Outgoing{ID: alice.cli.NewMessageID(), Text: "x"}); !errors.Is(err, session.ErrNotConnected) {
		t.Fatalf("send after Disconnect: %v, want ErrNotConnected", err)
	}
	if _, err := alice.cli.Lookup(ctx, []string{bobNumber}); !errors.Is(err, session.ErrNotConnected) {
		t.Fatalf("lookup after Disconnect: %v, want ErrNotConnected", err)
	}
}

// waitMessage waits for the incoming message id.
func waitMessage(t *testing.T, r *recorder, id string) session.MessageReceived {
	t.Helper()
	return wait(t, r, "message "+id, func(m session.MessageReceived) bool { return m.ID == id })
}

func testReceive(t *testing.T, h Harness) {
	devs, net := world(t, h)
	alice := pair(t, devs, net.Phone(aliceNumber))
	bob, carol := net.Phone(bobNumber), net.Phone(carolNumber)
	ctx := deadline(t)
	id, err := bob.Send(ctx, aliceNumber, session.Outgoing{Text: "hi alice"})
	if err != nil {
		t.Fatalf("bob sends: %v", err)
	}
	m := waitMessage(t, alice.rec, id)
	want := session.Address{Phone: bobNumber, LID: bob.LID()}
	if m.Type != "text" || m.Text != "hi alice" || m.Chat != want || m.Sender != want || m.FromMe || m.Time.IsZero() || m.Edit {
		t.Fatalf("received %+v, want text \"hi alice\" from and in chat %+v", m, want)
	}
	if err := alice.cli.MarkRead(ctx, m.Chat, session.Address{}, []string{id}, time.Now()); err != nil {
		t.Fatalf("mark read: %v", err)
	}
	read, err := bob.NextRead(ctx)
	if err != nil || !slices.Contains(read, id) {
		t.Fatalf("bob's read receipt: %v, %v; want one for %s", read, err, id)
	}
	if err := bob.Edit(ctx, aliceNumber, id, "hi alice, edited"); err != nil {
		t.Fatalf("bob edits: %v", err)
	}
	edit := wait(t, alice.rec, "the edit", func(e session.MessageReceived) bool { return e.Edit })
	if edit.ID != id || edit.Text != "hi alice, edited" || edit.Type != "text" {
		t.Fatalf("edit %+v, want message %s with the new text", edit, id)
	}
	mine := sendAndCheck(t, alice.cli, alice.rec, bob, session.Outgoing{Text: "react to this"}, func(Received) bool { return true })

	tests := []struct {
		name  string
		m     session.Outgoing
		check func(session.MessageReceived) bool
	}{
		{"reply and mention", session.Outgoing{Text: "@" + carolNumber + " see above", ReplyTo: &session.Quoted{ID: mine, FromMe: true},
			Mentions: []session.Address{{Phone: carolNumber}}}, func(r session.MessageReceived) bool {
			// Carol's LID is known only if the session learnt it; the form the message used always is.
			return r.Type == "text" && r.ReplyTo == mine && len(r.Mentions) == 1 && r.Mentions[0].Phone == carolNumber &&
				(r.Mentions[0].LID == "" || r.Mentions[0].LID == carol.LID())
		}},
		{"poll", session.Outgoing{Poll: &session.Poll{Question: "tea?", Options: []string{"green", "black"}, Selectable: 1}},
			func(r session.MessageReceived) bool {
				return r.Type == "poll" && r.Poll != nil && r.Poll.Question == "tea?" && slices.Equal(r.Poll.Options, []string{"green", "black"})
			}},
		{"location", session.Outgoing{Location: &session.Location{Latitude: 21.4225, Longitude: 39.8262, Name: "Makkah", Address: "Al Haram"}},
			func(r session.MessageReceived) bool {
				return r.Type == "location" && r.Location != nil && *r.Location == session.Location{Latitude: 21.4225, Longitude: 39.8262, Name: "Makkah", Address: "Al Haram"}
			}},
		{"contact", session.Outgoing{Contact: &session.ContactCard{Name: "Carol", Phone: carolNumber}}, func(r session.MessageReceived) bool {
			return r.Type == "contact" && r.Contact != nil && *r.Contact == session.ContactCard{Name: "Carol", Phone: carolNumber}
		}},
		{"reaction", session.Outgoing{Reaction: &session.Reaction{MessageID: mine, Emoji: "❤️"}}, func(r session.MessageReceived) bool {
			return r.Type == "reaction" && r.Reaction != nil && r.Reaction.MessageID == mine && r.Reaction.FromMe && r.Reaction.Emoji == "❤️"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := bob.Send(ctx, aliceNumber, tt.m)
			if err != nil {
				t.Fatalf("bob sends: %v", err)
			}
			if got := waitMessage(t, alice.rec, id); !tt.check(got) {
				t.Fatalf("received %+v for %+v", got, tt.m)
			}
		})
	}

	for _, md := range []session.Media{
		{Kind: session.Image, Mime: "image/png", Caption: "look", Data: bytes.Repeat([]byte("png "), 400)},
		{Kind: session.Video, Mime: "video/mp4", Caption: "watch", Data: bytes.Repeat([]byte("mp4 "), 400)},
		{Kind: session.Audio, Mime: "audio/mpeg", Data: bytes.Repeat([]byte("mp3 "), 60)},
		{Kind: session.Voice, Mime: "audio/ogg; codecs=opus", Data: bytes.Repeat([]byte("ogg "), 50)},
		{Kind: session.Document, Mime: "text/plain", FileName: "notes.txt", Caption: "read me", Data: []byte("some notes")},
		{Kind: session.Sticker, Mime: "image/webp", Data: bytes.Repeat([]byte("webp "), 30)},
	} {
		t.Run(string(md.Kind), func(t *testing.T) {
			id, err := bob.Send(ctx, aliceNumber, session.Outgoing{Media: &md})
			if err != nil {
				t.Fatalf("bob sends %s: %v", md.Kind, err)
			}
			m := waitMessage(t, alice.rec, id)
			if m.Type != string(md.Kind) || m.Media == nil || m.Media.Kind != md.Kind || m.Media.Mime != md.Mime ||
				m.Media.FileName != md.FileName || m.Media.Caption != md.Caption || m.Text != md.Caption ||
				m.Media.Size != int64(len(md.Data)) {
				t.Fatalf("received %+v (media %+v), want %s %s", m, m.Media, md.Kind, md.Mime)
			}
			data, err := alice.cli.Download(ctx, *m.Media)
			if err != nil {
				t.Fatalf("download: %v", err)
			}
			if !bytes.Equal(data, md.Data) {
				t.Fatalf("downloaded %d bytes that differ from the %d sent", len(data), len(md.Data))
			}
		})
	}
	if _, err := alice.cli.Download(ctx, session.MediaRef{Kind: session.Image, Locator: []byte("{}")}); err == nil {
		t.Fatal("download of an empty locator succeeded")
	}

	bad, err := bob.SendUndecryptable(ctx, aliceNumber)
	if err != nil {
		t.Fatalf("bob sends garbage: %v", err)
	}
	u := wait(t, alice.rec, "undecryptable "+bad, func(u session.Undecryptable) bool { return u.ID == bad })
	if u.Sender.Phone != bobNumber && u.Sender.LID != bob.LID() {
		t.Fatalf("undecryptable %+v, want it from bob", u)
	}
}

func testRedelivery(t *testing.T, h Harness) {
	devs, net := world(t, h)
	alice := pair(t, devs, net.Phone(aliceNumber))
	bob := net.Phone(bobNumber)
	var mu sync.Mutex
	failed := 0
	alice.rec.failWith(func(e session.Event) error {
		m, ok := e.(session.MessageReceived)
		if !ok || m.Text != "store me" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		if failed == 0 {
			failed++
			return errors.New("database down")
		}
		return nil
	})
	ctx := deadline(t)
	id, err := bob.Send(ctx, aliceNumber, session.Outgoing{Text: "store me"})
	if err != nil {
		t.Fatal(err)
	}
	waitMessage(t, alice.rec, id)
	// WhatsApp delivers an unacknowledged message again on the next login.
	net.Drop(alice.account.DeviceJID)
	waitStatus(t, alice.rec, session.Reconnecting, "")
	again := waitMessage(t, alice.rec, id)
	if again.Text != "store me" {
		t.Fatalf("redelivered %+v", again)
	}
	mu.Lock()
	defer mu.Unlock()
	if failed != 1 {
		t.Fatalf("handler failed %d times, want 1", failed)
	}
}

func testFailures(t *testing.T, h Harness) {
	tests := []struct {
		name   string
		inject func(Network, string)
		check  func(*testing.T, session.Devices, linked)
	}{
		{"drop", Network.Drop, func(t *testing.T, _ session.Devices, l linked) {
			waitStatus(t, l.rec, session.Reconnecting, "")
			waitStatus(t, l.rec, session.Ready, "")
		}},
		{"replaced", Network.Replace, func(t *testing.T, _ session.Devices, l linked) {
			waitStatus(t, l.rec, session.Replaced, "")
		}},
		{"banned", func(n Network, jid string) { n.Ban(jid, time.Hour) }, func(t *testing.T, _ session.Devices, l linked) {
			e := waitStatus(t, l.rec, session.Banned, "")
			if until := time.Until(e.Until); until < 59*time.Minute || until > 61*time.Minute {
				t.Fatalf("banned until %s, want about an hour from now", e.Until)
			}
		}},
		{"unlinked", Network.Unlink, func(t *testing.T, devs session.Devices, l linked) {
			waitStatus(t, l.rec, session.LoggedOut, "")
			testkit.Until(t, waitFor, "device keys deleted", func() bool {
				_, err := devs.Open(context.Background(), l.account.DeviceJID)
				return errors.Is(err, session.ErrDeviceNotFound)
			})
		}},
		{"outdated", Network.Outdate, func(t *testing.T, _ session.Devices, l linked) {
			waitStatus(t, l.rec, session.Outdated, "")
		}},
		{"disconnect", func(Network, string) {}, func(t *testing.T, _ session.Devices, l linked) {
			l.cli.Disconnect()
			waitStatus(t, l.rec, session.Stopped, "")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			devs, net := world(t, h)
			l := pair(t, devs, net.Phone(aliceNumber))
			tt.inject(net, l.account.DeviceJID)
			tt.check(t, devs, l)
		})
	}
}

func testKeepalive(t *testing.T, h Harness) {
	devs, net := world(t, h)
	l := pair(t, devs, net.Phone(aliceNumber))
	net.StallKeepalive(l.account.DeviceJID, true)
	waitStatus(t, l.rec, session.Reconnecting, "keepalive")
	waitStatus(t, l.rec, session.Reconnecting, "watchdog")
	net.StallKeepalive(l.account.DeviceJID, false)
	waitStatus(t, l.rec, session.Ready, "")
	sendAndCheck(t, l.cli, l.rec, net.Phone(bobNumber), session.Outgoing{Text: "still here"}, func(r Received) bool {
		return r.Text == "still here"
	})
}

func testLogout(t *testing.T, h Harness) {
	devs, net := world(t, h)
	l := pair(t, devs, net.Phone(aliceNumber))
	ctx := deadline(t)
	if err := l.cli.Logout(ctx); err != nil {
		t.Fatalf("logout: %v", err)
	}
	waitStatus(t, l.rec, session.LoggedOut, "")
	if _, err := devs.Open(ctx, l.account.DeviceJID); !errors.Is(err, session.ErrDeviceNotFound) {
		t.Fatalf("open after logout: %v, want ErrDeviceNotFound", err)
	}
}

func testLookup(t *testing.T, h Harness) {
	devs, net := world(t, h)
	l := pair(t, devs, net.Phone(aliceNumber))
	bob := net.Phone(bobNumber)
	ctx := deadline(t)
	got, err := l.cli.Lookup(ctx, []string{"+" + bobNumber, nobody})
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	want := []session.NumberInfo{
		{Query: bobNumber, OnWA: true, User: session.Address{Phone: bobNumber, LID: bob.LID()}},
		{Query: nobody},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("lookup: got %+v, want %+v", got, want)
	}
}
