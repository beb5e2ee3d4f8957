package wasim_test

import (
	"context"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

// The server counts each companion's logged-in connections (now, at most at once, logins) and each message's
// copies, so tests can show that a device was never connected twice and that a message went out once.
func TestConnectionCountsAndCopies(t *testing.T) {
	srv := wasim.New(t)
	alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200")
	dbPath := filepath.Join(t.TempDir(), "wa.db")
	cli, evts := newClient(t, srv, openStore(t, dbPath), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	jid := *cli.Store.ID
	if n, peak := srv.Connected(jid), srv.PeakConnected(jid); n != 1 || peak != 1 || srv.Logins(jid) < 1 {
		t.Fatalf("after pairing: %d connected, peak %d, %d logins; want 1, 1, at least 1", n, peak, srv.Logins(jid))
	}
	logins := srv.Logins(jid)

	// A second client with the same keys logs in next to the first: the fake lets both run and counts them.
	twin, twinEvts := newClient(t, srv, openStore(t, dbPath), &jid)
	if err := twin.Connect(); err != nil {
		t.Fatal(err)
	}
	next[*events.Connected](t, twinEvts)
	if n, peak, l := srv.Connected(jid), srv.PeakConnected(jid), srv.Logins(jid); n != 2 || peak != 2 || l != logins+1 {
		t.Fatalf("with a twin: %d connected, peak %d, %d logins; want 2, 2, %d", n, peak, l, logins+1)
	}
	twin.Disconnect()
	testkit.Until(t, waitFor, "the twin's connection gone", func() bool { return srv.Connected(jid) == 1 })
	if peak := srv.PeakConnected(jid); peak != 2 {
		t.Fatalf("peak %d after the twin left, want 2 (it is the most ever)", peak)
	}
	if other := (types.JID{User: "1", Server: types.DefaultUserServer, Device: 9}); srv.Connected(other) != 0 || srv.PeakConnected(other) != 0 {
		t.Fatal("an unknown device has connections")
	}

	// The same message ID sent twice: one inbox entry, two copies.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	id := cli.GenerateMessageID()
	for range 2 {
		if _, err := cli.SendMessage(ctx, bob.JID(), text("twice"), whatsmeow.SendRequestExtra{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(bob.Inbox()); got != 1 || bob.Copies(id) != 2 {
		t.Fatalf("inbox %d entries, %d copies of %s; want 1 and 2", got, bob.Copies(id), id)
	}
	if bob.Copies("unknown") != 0 {
		t.Fatal("copies of a message never sent")
	}
}
