package wasim_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

// A client whose version the server refuses (405) gets events.ClientOutdated and stops.
func TestOutdate(t *testing.T) {
	srv := wasim.New(t)
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(srv.Phone("15550006666"), cli, evts); err != nil {
		t.Fatal(err)
	}
	if n := srv.Outdate(*cli.Store.ID, true); n != 1 {
		t.Fatalf("Outdate dropped %d connections, want 1", n)
	}
	waitEvent[*events.ClientOutdated](t, evts)
	testkit.Until(t, waitFor, "client disconnected", func() bool { return !cli.IsConnected() })
}

// Number lookups say who is on WhatsApp, and a client can log itself out.
func TestLookupAndLogout(t *testing.T) {
	srv := wasim.New(t)
	bob := srv.Phone("15550000200")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(srv.Phone("15550000100"), cli, evts); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	got, err := cli.IsOnWhatsApp(ctx, []string{"+15550000200", "+15559999999"})
	if err != nil {
		t.Fatalf("IsOnWhatsApp: %v", err)
	}
	if len(got) != 2 || !got[0].IsIn || got[0].JID != bob.LID() || got[0].PhoneNumber != bob.JID() || got[1].IsIn {
		t.Fatalf("IsOnWhatsApp: %+v, want bob in (by LID) and the other number out", got)
	}
	jid := *cli.Store.ID
	if err := cli.Logout(ctx); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if n := srv.Kick(jid); n != 0 {
		t.Fatalf("%d connections of the logged-out device remain", n)
	}
	if p := srv.Problems(); len(p) > 0 {
		t.Errorf("server problems: %v", p)
	}
}

// Media a phone uploads downloads and decrypts in a client, and the phone's own download checks the hashes.
func TestPhoneMedia(t *testing.T) {
	srv := wasim.New(t)
	alice := srv.Phone("15550000100")
	cli, evts := newClient(t, srv, openStore(t, filepath.Join(t.TempDir(), "wa.db")), nil)
	if err := pairAndConnect(alice, cli, evts); err != nil {
		t.Fatal(err)
	}
	data := []byte("a document the phone attaches")
	up, err := alice.Upload(data, whatsmeow.MediaDocument)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	doc := &waE2E.DocumentMessage{DirectPath: &up.DirectPath, MediaKey: up.MediaKey, FileEncSHA256: up.FileEncSHA256,
		FileSHA256: up.FileSHA256, FileLength: &up.FileLength}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	back, err := cli.Download(ctx, doc)
	if err != nil || !slices.Equal(back, data) {
		t.Fatalf("client download: %q, %v; want %q", back, err, data)
	}
	if back, err := alice.Download(doc, whatsmeow.MediaDocument); err != nil || !slices.Equal(back, data) {
		t.Fatalf("phone download: %q, %v; want %q", back, err, data)
	}
	if _, err := alice.Download(doc, whatsmeow.MediaImage); !errors.Is(err, wasim.ErrBadMedia) {
		t.Fatalf("download with the wrong media type: %v, want ErrBadMedia", err)
	}
	missing := "/v/t62/nothing?ccb=wasim"
	if _, err := alice.Download(&waE2E.DocumentMessage{DirectPath: &missing}, whatsmeow.MediaDocument); !errors.Is(err, wasim.ErrNoMedia) {
		t.Fatalf("download of nothing: %v, want ErrNoMedia", err)
	}
}
