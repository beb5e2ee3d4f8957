package wasim_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"
	_ "modernc.org/sqlite"

	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

const waitFor = 10 * time.Second

// TestMain shortens whatsmeow's keepalive timing (process globals, so set before any client exists): pings every
// 100–200 ms, a missed answer after 500 ms.
func TestMain(m *testing.M) {
	whatsmeow.KeepAliveIntervalMin = 100 * time.Millisecond
	whatsmeow.KeepAliveIntervalMax = 200 * time.Millisecond
	whatsmeow.KeepAliveResponseDeadline = 500 * time.Millisecond
	os.Exit(m.Run())
}

// openStore opens (or reopens) a whatsmeow device store in a SQLite file.
func openStore(t *testing.T, path string) *sqlstore.Container {
	t.Helper()
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	c, err := sqlstore.New(context.Background(), "sqlite", dsn, waLog.Noop)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// eventLog collects a client's events on a channel so the test can wait for them with a deadline.
type eventLog chan any

func watch(cli *whatsmeow.Client) eventLog {
	ch := make(eventLog, 64)
	cli.AddEventHandler(func(evt any) {
		select {
		case ch <- evt:
		default:
		}
	})
	return ch
}

// next waits for the first event of type T, failing the test on a deadline or on an event in fail.
func next[T any](t *testing.T, ch eventLog) T {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case evt := <-ch:
			switch e := evt.(type) {
			case T:
				return e
			case *events.PairError, *events.LoggedOut, *events.ConnectFailure, *events.StreamError, *events.TemporaryBan:
				t.Fatalf("waiting for %T: got %#v", *new(T), e)
			}
		case <-deadline:
			t.Fatalf("no %T within %s", *new(T), waitFor)
		}
	}
}

func newClient(t *testing.T, srv *wasim.Server, c *sqlstore.Container, jid *types.JID) (*whatsmeow.Client, eventLog) {
	t.Helper()
	dev := c.NewDevice()
	if jid != nil {
		var err error
		if dev, err = c.GetDevice(context.Background(), *jid); err != nil || dev == nil {
			t.Fatalf("get device %s: %v (nil: %t)", jid, err, dev == nil)
		}
	}
	var log waLog.Logger = waLog.Noop
	if os.Getenv("WASIM_DEBUG") != "" { // print every node the client sends and receives
		log = waLog.Stdout("client", "DEBUG", false)
	}
	cli := whatsmeow.NewClient(dev, log)
	srv.Configure(cli)
	t.Cleanup(cli.Disconnect)
	return cli, watch(cli)
}

func TestPairThenReconnect(t *testing.T) {
	srv := wasim.New(t)
	phone := srv.Phone("15551234567")
	dbPath := filepath.Join(t.TempDir(), "wa.db")
	start := time.Now()

	cli, evts := newClient(t, srv, openStore(t, dbPath), nil)
	if err := cli.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	qr := next[*events.QR](t, evts)
	if len(qr.Codes) != 6 {
		t.Fatalf("QR codes: got %d, want 6", len(qr.Codes))
	}
	jid, err := phone.Scan(qr.Codes[0])
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if jid.User != "15551234567" || jid.Server != types.DefaultUserServer || jid.Device == 0 {
		t.Fatalf("scan returned %s, want a companion of 15551234567", jid)
	}
	// The client may log in again (515) and see its offline marker before PairSuccess is dispatched.
	seen := expect(t, evts, (*events.PairSuccess)(nil), (*events.Connected)(nil), (*events.OfflineSyncCompleted)(nil))
	paired := seen[0].(*events.PairSuccess)
	if paired.ID != jid || paired.LID.User != phone.LID().User {
		t.Fatalf("PairSuccess: got ID %s LID %s, want %s and a device of %s", paired.ID, paired.LID, jid, phone.LID())
	}
	if got := cli.Store.ID; got == nil || *got != jid {
		t.Fatalf("store ID: got %v, want %s", got, jid)
	}
	if !cli.IsLoggedIn() {
		t.Fatal("client not logged in after Connected")
	}
	t.Logf("paired and connected in %s", time.Since(start))

	// A second client from a reopened store logs in with the saved keys and never sees a QR code.
	cli.Disconnect()
	start = time.Now()
	again, evts2 := newClient(t, srv, openStore(t, dbPath), &jid)
	if err := again.Connect(); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	next[*events.Connected](t, evts2)
	for len(evts2) > 0 {
		if qr, ok := (<-evts2).(*events.QR); ok {
			t.Fatalf("reconnect showed a QR code: %v", qr)
		}
	}
	if *again.Store.ID != jid || again.Store.LID != paired.LID {
		t.Fatalf("reconnected as %s/%s, want %s/%s", again.Store.ID, again.Store.LID, jid, paired.LID)
	}
	t.Logf("reconnected in %s", time.Since(start))
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

func TestScanRejects(t *testing.T) {
	srv := wasim.New(t)
	phone := srv.Phone("15550001111")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := cli.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	qr := next[*events.QR](t, evts)
	_, keys, _ := strings.Cut(qr.Codes[0], ",")
	tests := []struct {
		name string
		qr   string
		want error
	}{
		{"not a QR", "hello", wasim.ErrBadQR},
		{"missing fields", "https://wa.me/settings/linked_devices#ref,abc", wasim.ErrBadQR},
		{"unknown ref", "https://wa.me/settings/linked_devices#2@nope," + keys, wasim.ErrUnknownRef},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := phone.Scan(tt.qr); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if cli.Store.ID != nil {
		t.Fatalf("client paired after rejected scans: %s", cli.Store.ID)
	}
}

// Sessions of several tenants pair and log in against one server at the same time.
func TestConcurrentPairing(t *testing.T) {
	srv := wasim.New(t)
	numbers := []string{"15550000001", "15550000002", "15550000003"}
	done := make(chan error, len(numbers))
	for _, number := range numbers {
		cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
		go func() { done <- pairAndConnect(srv.Phone(number), cli, evts) }()
	}
	for range numbers {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// pairAndConnect is the pairing flow without *testing.T, for goroutines.
func pairAndConnect(phone *wasim.Phone, cli *whatsmeow.Client, evts eventLog) error {
	if err := cli.Connect(); err != nil {
		return err
	}
	deadline := time.After(waitFor)
	for {
		select {
		case evt := <-evts:
			switch e := evt.(type) {
			case *events.QR:
				if _, err := phone.Scan(e.Codes[0]); err != nil {
					return fmt.Errorf("%s: scan: %w", phone.JID(), err)
				}
			case *events.Connected:
				if cli.Store.ID == nil || cli.Store.ID.User != phone.JID().User {
					return fmt.Errorf("%s: connected as %v", phone.JID(), cli.Store.ID)
				}
				return nil
			case *events.PairError, *events.LoggedOut:
				return fmt.Errorf("%s: %#v", phone.JID(), e)
			}
		case <-deadline:
			return fmt.Errorf("%s: not connected within %s", phone.JID(), waitFor)
		}
	}
}

// A server that does not know the device (its state was lost) refuses the login, and the client logs out.
func TestUnknownDeviceIsLoggedOut(t *testing.T) {
	first := wasim.New(t)
	dbPath := filepath.Join(t.TempDir(), "wa.db")
	cli, evts := newClient(t, first, openStore(t, dbPath), nil)
	if err := pairAndConnect(first.Phone("15557654321"), cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	cli.Disconnect()

	second := wasim.New(t)
	again, evts2 := newClient(t, second, openStore(t, dbPath), &jid)
	if err := again.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	deadline := time.After(waitFor)
	for {
		select {
		case evt := <-evts2:
			switch e := evt.(type) {
			case *events.LoggedOut:
				if !e.OnConnect || e.Reason != events.ConnectFailureLoggedOut {
					t.Fatalf("LoggedOut: got %+v, want OnConnect with reason 401", e)
				}
				return
			case *events.Connected:
				t.Fatal("unknown device logged in")
			}
		case <-deadline:
			t.Fatalf("no LoggedOut within %s", waitFor)
		}
	}
}

// expect waits, in any order, for one event of each type in want (typed nil pointers) and returns them in the
// order of want, failing on a deadline or on an event that ends the session.
func expect(t *testing.T, ch eventLog, want ...any) []any {
	t.Helper()
	got := make([]any, len(want))
	missing := len(want)
	deadline := time.After(waitFor)
	for missing > 0 {
		select {
		case evt := <-ch:
			switch evt.(type) {
			case *events.PairError, *events.LoggedOut, *events.ConnectFailure, *events.StreamError, *events.TemporaryBan:
				t.Fatalf("waiting for %d more of %T: got %#v", missing, want, evt)
			}
			for i, w := range want {
				if got[i] == nil && reflect.TypeOf(w) == reflect.TypeOf(evt) {
					got[i] = evt
					missing--
					break
				}
			}
		case <-deadline:
			t.Fatalf("still waiting for %d of %T after %s (got %v)", missing, want, waitFor, got)
		}
	}
	return got
}

// A dropped connection is not the end of a session: the client reconnects by itself and logs in again.
func TestKickReconnects(t *testing.T) {
	srv := wasim.New(t)
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(srv.Phone("15551112222"), cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	if n := srv.Kick(jid); n != 1 {
		t.Fatalf("Kick dropped %d connections, want 1", n)
	}
	expect(t, evts, (*events.Disconnected)(nil), (*events.Connected)(nil))
	if !cli.IsLoggedIn() || *cli.Store.ID != jid {
		t.Fatalf("after reconnect: logged in %t as %s", cli.IsLoggedIn(), cli.Store.ID)
	}
	if n := srv.Kick(types.JID{User: "1", Server: types.DefaultUserServer, Device: 9}); n != 0 {
		t.Fatalf("Kick of an unknown device dropped %d connections", n)
	}
}

// A text the client sends to a phone number reaches that contact's phone decrypted (LID lookup, device list,
// prekey bundle, pkmsg, then msg on the open session), and the client gets the server ack and a delivery receipt.
func TestSendToContact(t *testing.T) {
	srv := wasim.New(t)
	alice := srv.Phone("15550000100")
	bob := srv.Phone("15550000200")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for i, text := range []string{"hello bob", "second message"} {

		resp, err := cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String(text)})
		if err != nil {
			t.Fatalf("send %q: %v", text, err)
		}
		if resp.Sender.User != alice.LID().User || resp.Timestamp.IsZero() {
			t.Fatalf("send %q: sender %s, timestamp %s; want alice's LID and the ack time", text, resp.Sender, resp.Timestamp)
		}
		got, err := bob.NextMessage(ctx)
		if err != nil {
			t.Fatalf("bob waiting for %q: %v", text, err)
		}
		if got.Text() != text || got.ID != resp.ID || got.From.User != alice.LID().User || got.From.Device != cli.Store.ID.Device {
			t.Fatalf("bob got %q id %s from %s; want %q id %s from alice's companion", got.Text(), got.ID, got.From, text, resp.ID)
		}
		// Signal keeps sending prekey messages until the recipient answers on the session.
		if !got.PreKey {
			t.Fatalf("message %d arrived as msg; the session is unacknowledged, want pkmsg", i)
		}
		receipt := next[*events.Receipt](t, evts)
		if receipt.Type != types.ReceiptTypeDelivered || len(receipt.MessageIDs) != 1 || receipt.MessageIDs[0] != resp.ID ||
			receipt.Chat.User != bob.LID().User {
			t.Fatalf("receipt: got %+v, want delivered %s in bob's LID chat", receipt, resp.ID)
		}
		if err := bob.MarkRead(alice, resp.ID); err != nil {
			t.Fatalf("bob marks read: %v", err)
		}
		read := next[*events.Receipt](t, evts)
		if read.Type != types.ReceiptTypeRead || read.MessageIDs[0] != resp.ID || read.Chat != bob.LID() {
			t.Fatalf("read receipt: got %+v, want read %s in chat %s", read, resp.ID, bob.LID())
		}
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Contacts write to the client: a reply on the session the client opened (msg), which acknowledges that
// session so the client's next send is a plain msg, and a first message from a new contact (pkmsg built from the
// prekeys the client uploaded).
func TestReceiveFromContacts(t *testing.T) {
	srv := wasim.New(t)
	alice := srv.Phone("15550000100")
	bob := srv.Phone("15550000200").Named("Bob")
	carol := srv.Phone("15550000300").Named("Carol")
	if _, err := bob.SendText(context.Background(), alice, "nobody home"); !errors.Is(err, wasim.ErrNotLinked) {
		t.Fatalf("send to an account with no companion: got %v, want ErrNotLinked", err)
	}
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("hi bob")}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if _, err := bob.NextMessage(ctx); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		from *wasim.Phone
		text string
	}{{bob, "hi alice"}, {carol, "carol here"}} {
		id, err := tt.from.SendText(ctx, alice, tt.text)
		if err != nil {
			t.Fatalf("%s sends: %v", tt.from.JID(), err)
		}
		var msg *events.Message
		for msg == nil || msg.Info.ID != id {
			msg = next[*events.Message](t, evts)
		}
		info := msg.Info
		if msg.Message.GetConversation() != tt.text || info.Chat != tt.from.LID() || info.Sender != tt.from.LID() ||
			info.SenderAlt != tt.from.JID() || info.IsFromMe || info.PushName == "" {
			t.Fatalf("got %q chat %s sender %s alt %s push %q; want %q from %s / %s",
				msg.Message.GetConversation(), info.Chat, info.Sender, info.SenderAlt, info.PushName, tt.text, tt.from.LID(), tt.from.JID())
		}
		// The client confirms delivery (inactive: it was never marked active), then reads it.
		if r, err := tt.from.NextReceipt(ctx); err != nil || r.Type != types.ReceiptTypeInactive || r.IDs[0] != id {
			t.Fatalf("delivery receipt to %s: got %+v, %v; want inactive for %s", tt.from.JID(), r, err, id)
		}
		if err := cli.MarkRead(ctx, []types.MessageID{id}, time.Now(), info.Chat, info.Sender); err != nil {
			t.Fatalf("mark read: %v", err)
		}
		if r, err := tt.from.NextReceipt(ctx); err != nil || r.Type != types.ReceiptTypeRead || r.IDs[0] != id {
			t.Fatalf("read receipt to %s: got %+v, %v; want read for %s", tt.from.JID(), r, err, id)
		}
	}

	if _, err := cli.SendMessage(ctx, bob.JID(), &waE2E.Message{Conversation: proto.String("again")}); err != nil {
		t.Fatalf("send again: %v", err)
	}
	got, err := bob.NextMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Text() != "again" || got.PreKey {
		t.Fatalf("bob got %q (prekey %t), want \"again\" as msg on the acknowledged session", got.Text(), got.PreKey)
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Failure injection produces the events a session supervisor must handle, and the client stops reconnecting.
func TestFailureInjection(t *testing.T) {
	type session struct {
		cli   *whatsmeow.Client
		evts  eventLog
		store *sqlstore.Container
		jid   types.JID
	}
	tests := []struct {
		name   string
		inject func(*wasim.Server, types.JID) int
		check  func(*testing.T, session)
	}{
		{"replaced", (*wasim.Server).Replace, func(t *testing.T, s session) {
			expect(t, s.evts, (*events.StreamReplaced)(nil))
		}},
		{"unlinked", (*wasim.Server).Unlink, func(t *testing.T, s session) {
			e := waitEvent[*events.LoggedOut](t, s.evts)
			if e.OnConnect || e.Reason != events.ConnectFailureLoggedOut {
				t.Fatalf("LoggedOut: got %+v, want a stream error 401", e)
			}
			// whatsmeow deletes the device right after dispatching the event.
			testkit.Until(t, waitFor, "device deleted from the store", func() bool {
				dev, err := s.store.GetDevice(context.Background(), s.jid)
				if err != nil {
					t.Fatal(err)
				}
				return dev == nil
			})
		}},
		{"banned", func(srv *wasim.Server, jid types.JID) int { srv.Ban(jid, time.Hour); return 1 }, func(t *testing.T, s session) {
			e := waitEvent[*events.TemporaryBan](t, s.evts)
			if e.Code != events.TempBanSentToTooManyPeople || e.Expire < 59*time.Minute || e.Expire > time.Hour {
				t.Fatalf("TemporaryBan: got %+v, want code 101 expiring in about an hour", e)
			}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wasim.New(t)
			store := openStore(t, filepath.Join(t.TempDir(), "wa.db"))
			cli, evts := newClient(t, srv, store, nil)
			if err := pairAndConnect(srv.Phone(fmt.Sprintf("1555000900%d", i)), cli, evts); err != nil {
				t.Fatal(err)
			}
			jid := *cli.Store.ID
			if n := tt.inject(srv, jid); n != 1 {
				t.Fatalf("%s reached %d connections, want 1", tt.name, n)
			}
			tt.check(t, session{cli, evts, store, jid})
			// The server closes the socket shortly after; the client must not come back.
			testkit.Until(t, waitFor, "client disconnected", func() bool { return !cli.IsConnected() })
			for len(evts) > 0 {
				if _, ok := (<-evts).(*events.Connected); ok {
					t.Fatal("client reconnected after a permanent failure")
				}
			}
		})
	}
}

// waitEvent waits for one event of type T, whatever else arrives (permanent-failure events included).
func waitEvent[T any](t *testing.T, ch eventLog) T {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case evt := <-ch:
			if e, ok := evt.(T); ok {
				return e
			}
		case <-deadline:
			t.Fatalf("no %T within %s", *new(T), waitFor)
		}
	}
}

// Pairing by phone code: the client asks for a code for a number, the phone enters it, and the client pairs and
// logs in as after a QR scan. A wrong code is refused by the phone.
func TestPairPhoneCode(t *testing.T) {
	tests := []struct {
		name  string
		wrong bool
	}{{"right code", false}, {"wrong code", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := wasim.New(t)
			phone := srv.Phone("15550004444")
			if _, err := phone.EnterCode("ABCD-EFGH"); !errors.Is(err, wasim.ErrNoCodePairing) {
				t.Fatalf("code with no client waiting: got %v, want ErrNoCodePairing", err)
			}
			cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
			if err := cli.Connect(); err != nil {
				t.Fatalf("connect: %v", err)
			}
			next[*events.QR](t, evts) // the socket is ready for PairPhone
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			code, err := cli.PairPhone(ctx, "+1 555 000 4444", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
			if err != nil {
				t.Fatalf("PairPhone: %v", err)
			}
			if tt.wrong {
				wrong := "ZZZZ-ZZZZ"
				if wrong == code {
					wrong = "YYYY-YYYY"
				}
				if _, err := phone.EnterCode(wrong); !errors.Is(err, wasim.ErrPairRejected) {
					t.Fatalf("wrong code: got %v, want ErrPairRejected", err)
				}
				if cli.Store.ID != nil {
					t.Fatalf("paired with a wrong code as %s", cli.Store.ID)
				}
				return
			}
			jid, err := phone.EnterCode(code)
			if err != nil {
				t.Fatalf("EnterCode(%s): %v", code, err)
			}
			seen := expect(t, evts, (*events.PairSuccess)(nil), (*events.Connected)(nil))
			if paired := seen[0].(*events.PairSuccess); paired.ID != jid {
				t.Fatalf("PairSuccess for %s, EnterCode returned %s", paired.ID, jid)
			}
			if p := srv.Problems(); len(p) > 0 {
				t.Errorf("server problems: %v", p)
			}
		})
	}
}

// Media goes through the fake's media host: the client uploads an encrypted image, sends it, the contact gets the
// image message, and the client downloads and decrypts the same bytes again.
func TestMediaRoundTrip(t *testing.T) {
	srv := wasim.New(t)
	alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	data := []byte(strings.Repeat("not really a jpeg ", 1000))
	up, err := cli.Upload(ctx, data, whatsmeow.MediaImage)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	img := &waE2E.ImageMessage{
		Mimetype: proto.String("image/jpeg"), Caption: proto.String("look"),
		URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength,
	}
	if _, err := cli.SendMessage(ctx, bob.JID(), &waE2E.Message{ImageMessage: img}); err != nil {
		t.Fatalf("send image: %v", err)
	}
	got, err := bob.NextMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotImg := got.Message.GetImageMessage()
	if gotImg.GetCaption() != "look" || gotImg.GetDirectPath() != up.DirectPath {
		t.Fatalf("bob got %v, want the uploaded image with caption", got.Message)
	}
	back, err := cli.Download(ctx, gotImg)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	if string(back) != string(data) {
		t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(back), len(data))
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Messages to a companion that is offline wait for its next login; once the client acks them they are not
// delivered again.
func TestOfflineQueue(t *testing.T) {
	srv := wasim.New(t)
	alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200").Named("Bob")
	dbPath := filepath.Join(t.TempDir(), "wa.db")
	cli, evts := newClient(t, srv, openStore(t, dbPath), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	cli.Disconnect()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	id, err := bob.SendText(ctx, alice, "while you were out")
	if err != nil {
		t.Fatalf("send to offline companion: %v", err)
	}
	if n := srv.Pending(jid); n != 1 {
		t.Fatalf("pending for %s: got %d, want 1", jid, n)
	}

	again, evts2 := newClient(t, srv, openStore(t, dbPath), &jid)
	if err := again.Connect(); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	var sawMessage, sawOffline bool
	deadline := time.After(waitFor)
	for !sawMessage || !sawOffline {
		select {
		case evt := <-evts2:
			switch e := evt.(type) {
			case *events.Message:
				if e.Info.ID != id || e.Message.GetConversation() != "while you were out" {
					t.Fatalf("got message %s %q, want %s", e.Info.ID, e.Message.GetConversation(), id)
				}
				sawMessage = true
			case *events.OfflineSyncCompleted:
				if e.Count != 1 {
					t.Fatalf("OfflineSyncCompleted count %d, want 1", e.Count)
				}
				sawOffline = true
			}
		case <-deadline:
			t.Fatalf("after login: message %t, offline marker %t within %s", sawMessage, sawOffline, waitFor)
		}
	}
	testkit.Until(t, waitFor, "client acked the backlog", func() bool { return srv.Pending(jid) == 0 })

	// Acked means gone: the next login has an empty backlog.
	again.Disconnect()
	third, evts3 := newClient(t, srv, openStore(t, dbPath), &jid)
	if err := third.Connect(); err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if e := waitEvent[*events.OfflineSyncCompleted](t, evts3); e.Count != 0 {
		t.Fatalf("second login backlog: got %d, want 0", e.Count)
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Unanswered keepalive pings degrade the session and answered ones restore it, without a reconnect.
func TestKeepAlive(t *testing.T) {
	srv := wasim.New(t)
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(srv.Phone("15550007777"), cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	srv.DropPings(jid, true)
	if e := waitEvent[*events.KeepAliveTimeout](t, evts); e.ErrorCount < 1 {
		t.Fatalf("KeepAliveTimeout: got %+v, want an error count", e)
	}
	srv.DropPings(jid, false)
	waitEvent[*events.KeepAliveRestored](t, evts)
	if !cli.IsConnected() || !cli.IsLoggedIn() {
		t.Fatalf("after keepalive restored: connected %t, logged in %t", cli.IsConnected(), cli.IsLoggedIn())
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// The QR channel, as a session host uses it, sees a code and then success.
func TestQRChannel(t *testing.T) {
	srv := wasim.New(t)
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	qr, err := cli.GetQRChannel(ctx)
	if err != nil {
		t.Fatalf("QR channel: %v", err)
	}
	if err := cli.Connect(); err != nil {
		t.Fatalf("connect: %v", err)
	}
	var scanned bool
	for item := range qr {
		switch {
		case item.Event == whatsmeow.QRChannelEventCode && !scanned:
			if _, err := srv.Phone("15550008888").Scan(item.Code); err != nil {
				t.Fatalf("scan: %v", err)
			}
			scanned = true
		case item == whatsmeow.QRChannelSuccess:
			expect(t, evts, (*events.Connected)(nil))
			return
		case item.Event != whatsmeow.QRChannelEventCode:
			t.Fatalf("QR channel: %+v", item)
		}
	}
	t.Fatal("QR channel closed without success")
}
