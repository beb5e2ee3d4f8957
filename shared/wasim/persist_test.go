package wasim_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

func text(s string) *waE2E.Message { return &waE2E.Message{Conversation: proto.String(s)} }

// nextMessage waits for the client's next events.Message, skipping other events.
func nextMessage(t *testing.T, evts eventLog) *events.Message {
	t.Helper()
	return waitEvent[*events.Message](t, evts)
}

// A server started again on the same Dir is the same WhatsApp: the client, rebuilt from its saved device store
// as after a process restart, logs in without a QR code, gets what was queued while it was away, and both sides
// keep their Signal sessions (msg, not pkmsg). Phones, names, inboxes and media survive; a message ID the phone
// already has is acked again but not kept twice.
func TestRestartResumes(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(t.TempDir(), "wa.db")
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitFor)
	defer cancel()

	first := wasim.New(t, wasim.Options{Dir: dir})
	alice, bob := first.Phone("15550000100"), first.Phone("15550000200").Named("Bob")
	cli, evts := newClient(t, first, openStore(t, dbPath), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	before, err := cli.SendMessage(ctx, bob.JID(), text("before"))
	if err != nil {
		t.Fatalf("send before: %v", err)
	}
	if got, err := bob.NextMessage(ctx); err != nil || got.Text() != "before" || !got.PreKey {
		t.Fatalf("bob got %+v, %v; want \"before\" as the pkmsg opening the session", got, err)
	}
	hi, err := bob.SendText(ctx, alice, "hi alice") // answers on the session: the client's side is acknowledged
	if err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, evts); m.Info.ID != hi {
		t.Fatalf("client got %s, want %s", m.Info.ID, hi)
	}
	data := []byte(strings.Repeat("kept on disk ", 500))
	up, err := cli.Upload(ctx, data, whatsmeow.MediaDocument)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	testkit.Until(t, waitFor, "client acked everything", func() bool { return first.Pending(jid) == 0 })
	cli.Disconnect()
	queued, err := bob.SendText(ctx, alice, "while you were away")
	if err != nil {
		t.Fatal(err)
	}
	firstAddr := first.Addr()
	first.Close()

	second := wasim.New(t, wasim.Options{Dir: dir})
	if second.Addr() == firstAddr {
		t.Fatalf("second server on the first one's address %s", firstAddr)
	}
	phones := second.Phones()
	if len(phones) != 2 || phones[0].JID() != alice.JID() || phones[1].JID() != bob.JID() || phones[1].Name() != "Bob" {
		t.Fatalf("phones after restart: %v, want alice and bob (named)", phones)
	}
	alice2, bob2 := second.Phone(alice.JID().User), second.Phone(bob.JID().User)
	if alice2 != phones[0] || alice2.LID() != alice.LID() || bob2.LID() != bob.LID() {
		t.Fatalf("LIDs after restart: %s %s, want %s %s", alice2.LID(), bob2.LID(), alice.LID(), bob.LID())
	}
	if n := second.Pending(jid); n != 1 {
		t.Fatalf("pending after restart: %d, want the 1 message queued before it", n)
	}

	again, evts2 := newClient(t, second, openStore(t, dbPath), &jid)
	if err := again.Connect(); err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	if m := nextMessage(t, evts2); m.Info.ID != queued || m.Message.GetConversation() != "while you were away" {
		t.Fatalf("first message after restart: %s %q, want the queued %s", m.Info.ID, m.Message.GetConversation(), queued)
	}
	for len(evts2) > 0 {
		if qr, ok := (<-evts2).(*events.QR); ok {
			t.Fatalf("client showed a QR code after the server restarted: %v", qr)
		}
	}
	// Bob's sending chain continues where it was: the client rejects a reused message key.
	back, err := bob2.SendText(ctx, alice2, "welcome back")
	if err != nil {
		t.Fatal(err)
	}
	if m := nextMessage(t, evts2); m.Info.ID != back || m.Message.GetConversation() != "welcome back" {
		t.Fatalf("client got %s %q, want %s", m.Info.ID, m.Message.GetConversation(), back)
	}
	after, err := again.SendMessage(ctx, bob2.JID(), text("after"))
	if err != nil {
		t.Fatalf("send after restart: %v", err)
	}
	if got, err := bob2.NextMessage(ctx); err != nil || got.Text() != "after" || got.PreKey || got.ID != after.ID {
		t.Fatalf("bob got %+v, %v; want \"after\" as msg on the session from before the restart", got, err)
	}
	// The phone remembers the IDs it has from before the restart.
	if _, err := again.SendMessage(ctx, bob2.JID(), text("before"), whatsmeow.SendRequestExtra{ID: before.ID}); err != nil {
		t.Fatalf("send a duplicate: %v", err)
	}
	got, err := again.Download(ctx, &waE2E.DocumentMessage{URL: &up.URL, DirectPath: &up.DirectPath, MediaKey: up.MediaKey,
		FileEncSHA256: up.FileEncSHA256, FileSHA256: up.FileSHA256, FileLength: &up.FileLength})
	if err != nil || string(got) != string(data) {
		t.Fatalf("download after restart: %d bytes, %v; want the %d uploaded before", len(got), err, len(data))
	}

	inbox := bob2.Inbox()
	if ids := inboxIDs(inbox); !slices.Equal(ids, []string{before.ID, after.ID}) {
		t.Fatalf("bob's inbox after restart: %v, want [%s %s]", ids, before.ID, after.ID)
	}
	for _, r := range inbox {
		if r.From.User != alice.LID().User || r.From.Device != jid.Device || r.Time.IsZero() || r.Delivered.IsZero() {
			t.Fatalf("inbox entry %+v: want from alice's companion with receive and delivery times", r)
		}
	}
	if inbox[0].Text() != "before" || !inbox[0].PreKey || inbox[1].Text() != "after" {
		t.Fatalf("inbox texts %q %q (prekey %t)", inbox[0].Text(), inbox[1].Text(), inbox[0].PreKey)
	}
	if p := slices.Concat(first.Problems(), second.Problems()); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

func inboxIDs(inbox []wasim.Received) []string {
	ids := make([]string, len(inbox))
	for i, r := range inbox {
		ids[i] = r.ID
	}
	return ids
}

// copyState copies a running server's state files, as a process killed at this moment would leave them.
func copyState(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	for _, name := range []string{"wasim.db", "wasim.db-wal"} {
		src, err := os.Open(filepath.Join(from, name))
		if err != nil {
			t.Fatalf("open state: %v", err)
		}
		dst, err := os.Create(filepath.Join(to, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(dst, src); err != nil {
			t.Fatal(err)
		}
		_ = src.Close()
		if err := dst.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// A server killed without Close loses nothing it acked: what is on disk at any moment already holds the message
// the client was acked for, the contact's inbox entry and the stanza queued for the offline companion.
func TestCrashKeepsWhatWasAcked(t *testing.T) {
	dir := t.TempDir()
	srv := wasim.New(t, wasim.Options{Dir: dir})
	alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	sent, err := cli.SendMessage(ctx, bob.JID(), text("acked before the crash"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, waitFor, "client acked the delivery receipt", func() bool { return srv.Pending(jid) == 0 })
	cli.Disconnect()
	queued, err := bob.SendText(ctx, alice, "queued before the crash")
	if err != nil {
		t.Fatal(err)
	}

	after := wasim.New(t, wasim.Options{Dir: copyState(t, dir)})
	inbox := after.Phone(bob.JID().User).Inbox()
	if len(inbox) != 1 || inbox[0].ID != sent.ID || inbox[0].Text() != "acked before the crash" {
		t.Fatalf("bob's inbox after the crash: %v, want %s", inboxIDs(inbox), sent.ID)
	}
	if n := after.Pending(jid); n != 1 {
		t.Fatalf("pending after the crash: %d, want 1 (%s)", n, queued)
	}
	if p := slices.Concat(srv.Problems(), after.Problems()); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// A contact keeps one copy of a message ID however often a client sends it, while the server acks and the phone
// receipts every copy; its Inbox records the delivery and read receipts it sent.
func TestInboxKeepsOneCopy(t *testing.T) {
	for _, tt := range []struct {
		name string
		disk bool
	}{{"in memory", false}, {"on disk", true}} {
		t.Run(tt.name, func(t *testing.T) {
			var opts wasim.Options
			if tt.disk {
				opts.Dir = t.TempDir()
			}
			srv := wasim.New(t, opts)
			alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200")
			cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
			if err := pairAndConnect(alice, cli, evts); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			id := cli.GenerateMessageID()
			for i := range 2 {
				resp, err := cli.SendMessage(ctx, bob.JID(), text("once"), whatsmeow.SendRequestExtra{ID: id})
				if err != nil || resp.ID != id {
					t.Fatalf("copy %d: %+v, %v; want acked as %s", i+1, resp, err, id)
				}
				if r := next[*events.Receipt](t, evts); r.Type != types.ReceiptTypeDelivered || r.MessageIDs[0] != id {
					t.Fatalf("copy %d: receipt %+v, want delivered %s", i+1, r, id)
				}
			}
			third, err := cli.SendMessage(ctx, bob.JID(), text("third"))
			if err != nil {
				t.Fatal(err)
			}
			if r := next[*events.Receipt](t, evts); r.Type != types.ReceiptTypeDelivered || r.MessageIDs[0] != third.ID {
				t.Fatalf("receipt %+v, want delivered %s", r, third.ID)
			}
			for _, want := range []string{id, third.ID} {
				if got, err := bob.NextMessage(ctx); err != nil || got.ID != want {
					t.Fatalf("bob's next message: %s, %v; want %s", got.ID, err, want)
				}
			}
			inbox := bob.Inbox()
			if ids := inboxIDs(inbox); !slices.Equal(ids, []string{id, third.ID}) {
				t.Fatalf("inbox %v, want [%s %s]", ids, id, third.ID)
			}
			if inbox[0].Delivered.IsZero() || !inbox[0].Read.IsZero() || inbox[0].Time.After(inbox[1].Time) {
				t.Fatalf("inbox entry %+v: want delivered, unread, received before the next", inbox[0])
			}
			start := time.Now()
			if err := bob.MarkRead(alice, id); err != nil {
				t.Fatal(err)
			}
			if r := next[*events.Receipt](t, evts); r.Type != types.ReceiptTypeRead || r.MessageIDs[0] != id {
				t.Fatalf("receipt %+v, want read %s", r, id)
			}
			inbox = bob.Inbox()
			if inbox[0].Read.Before(start) || !inbox[1].Read.IsZero() {
				t.Fatalf("read times %s and %s, want the first read after %s and the second unread",
					inbox[0].Read, inbox[1].Read, start)
			}
			if p := srv.Problems(); len(p) > 0 {
				t.Errorf("server problems: %v", p)
			}
		})
	}
}

// A demo contact reads what it gets and answers: read receipts for every message, then the replies its function
// returns, in order, and nothing for "".
func TestAutoReadAndReply(t *testing.T) {
	srv := wasim.New(t)
	alice := srv.Phone("15550000100")
	bob := srv.Phone("15550000200").Named("Bob").AutoRead(true).AutoReply(func(r wasim.Received) string {
		if r.Text() == "quiet" {
			return ""
		}
		return "pong: " + r.Text()
	})
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var ids []string
	for _, s := range []string{"quiet", "ping"} {
		resp, err := cli.SendMessage(ctx, bob.JID(), text(s))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, resp.ID)
	}
	read := map[string]bool{}
	var reply *events.Message
	deadline := time.After(waitFor)
	for len(read) < 2 || reply == nil {
		select {
		case evt := <-evts:
			switch e := evt.(type) {
			case *events.Receipt:
				if e.Type == types.ReceiptTypeRead {
					read[e.MessageIDs[0]] = true
				}
			case *events.Message:
				if reply != nil {
					t.Fatalf("second reply %q, want only the one to \"ping\"", e.Message.GetConversation())
				}
				reply = e
			}
		case <-deadline:
			t.Fatalf("read receipts %v and reply %v within %s; want both", read, reply, waitFor)
		}
	}
	if !read[ids[0]] || !read[ids[1]] {
		t.Fatalf("read receipts for %v, want %v", read, ids)
	}
	if reply.Message.GetConversation() != "pong: ping" || reply.Info.Sender != bob.LID() || reply.Info.PushName != "Bob" {
		t.Fatalf("reply %q from %s (%s), want \"pong: ping\" from Bob", reply.Message.GetConversation(),
			reply.Info.Sender, reply.Info.PushName)
	}
	for _, r := range bob.Inbox() {
		if r.Read.IsZero() {
			t.Fatalf("inbox entry %s unread after AutoRead", r.ID)
		}
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Bans and unlinks made before a restart still hold after it: the client's next login fails the same way.
func TestRestartKeepsBansAndUnlinks(t *testing.T) {
	tests := []struct {
		name   string
		inject func(*wasim.Server, types.JID)
		check  func(*testing.T, eventLog)
	}{
		{"banned", func(s *wasim.Server, jid types.JID) { s.Ban(jid, time.Hour) }, func(t *testing.T, evts eventLog) {
			if e := waitEvent[*events.TemporaryBan](t, evts); e.Code != events.TempBanSentToTooManyPeople ||
				e.Expire < 59*time.Minute {
				t.Fatalf("TemporaryBan %+v, want code 101 expiring in about an hour", e)
			}
		}},
		{"unlinked", func(s *wasim.Server, jid types.JID) { s.Unlink(jid) }, func(t *testing.T, evts eventLog) {
			if e := waitEvent[*events.LoggedOut](t, evts); !e.OnConnect || e.Reason != events.ConnectFailureLoggedOut {
				t.Fatalf("LoggedOut %+v, want on connect with reason 401", e)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, dbPath := t.TempDir(), filepath.Join(t.TempDir(), "wa.db")
			first := wasim.New(t, wasim.Options{Dir: dir})
			cli, evts := newClient(t, first, openStore(t, dbPath), nil)
			if err := pairAndConnect(first.Phone("15550000100"), cli, evts); err != nil {
				t.Fatal(err)
			}
			jid := *cli.Store.ID
			cli.Disconnect()
			tt.inject(first, jid)
			first.Close()

			second := wasim.New(t, wasim.Options{Dir: dir})
			again, evts2 := newClient(t, second, openStore(t, dbPath), &jid)
			if err := again.Connect(); err != nil {
				t.Fatalf("connect: %v", err)
			}
			tt.check(t, evts2)
			if p := slices.Concat(first.Problems(), second.Problems()); len(p) > 0 {
				t.Errorf("server problems: %v", p)
			}
		})
	}
}
