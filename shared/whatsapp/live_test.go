//go:build live

package whatsapp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// TestLive links a real phone and sends a real message: the release check against WhatsApp itself (the fake
// server cannot tell us when WhatsApp changes). It is opt-in, behind the "live" build tag:
//
//	WAQTOR_LIVE_TO=<number that receives the message> go test -tags live -run TestLive -v -timeout 10m ./shared/whatsapp
//
// Scan the QR code it prints with WhatsApp on the phone (Settings → Linked devices). WAQTOR_LIVE_DIR keeps the
// device store between runs (then the second run logs in without a QR code); without it the device is logged
// out at the end.
func TestLive(t *testing.T) {
	to := os.Getenv("WAQTOR_LIVE_TO")
	if to == "" {
		t.Fatal("set WAQTOR_LIVE_TO to the phone number (digits, with country code) that should receive the test message")
	}
	dir := os.Getenv("WAQTOR_LIVE_DIR")
	keep := dir != ""
	if !keep {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	devs, err := whatsapp.Open(ctx, whatsapp.Options{DSN: filepath.Join(dir, "live.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer devs.Close()

	events := make(chan session.Event, 64)
	handler := func(_ context.Context, e session.Event) error {
		select {
		case events <- e:
		default:
		}
		return nil
	}
	var cli session.Client
	if jid, err := os.ReadFile(filepath.Join(dir, "device")); err == nil {
		cli, err = devs.Open(ctx, string(jid))
		if err != nil {
			t.Fatalf("open the kept device: %v", err)
		}
		cli.SetHandler(handler)
		if err := cli.Connect(ctx); err != nil {
			t.Fatal(err)
		}
	} else {
		cli, err = devs.New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cli.SetHandler(handler)
		updates, err := cli.LoginQR(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for u := range updates {
			switch {
			case u.QR != "":
				q, _ := qrcode.New(u.QR, qrcode.Low)
				fmt.Fprintf(os.Stderr, "\nScan with WhatsApp → Linked devices (valid until %s):\n%s\n", u.ExpiresAt.Format(time.TimeOnly), q.ToSmallString(false))
			case u.Paired != nil:
				t.Logf("paired with %s (%s)", u.Paired.Phone, u.Paired.LID)
				if keep {
					os.WriteFile(filepath.Join(dir, "device"), []byte(u.Paired.DeviceJID), 0o600)
				}
			case u.Err != nil:
				t.Fatalf("login: %v", u.Err)
			}
		}
	}
	waitEvent(t, events, "ready", func(e session.Event) bool {
		s, ok := e.(session.StatusChanged)
		return ok && s.Status == session.Ready
	})

	res, err := cli.Lookup(ctx, []string{"+" + to})
	if err != nil || len(res) != 1 || !res[0].OnWA {
		t.Fatalf("lookup of %s: %+v %v", to, res, err)
	}
	id := cli.NewMessageID()
	sent, err := cli.Send(ctx, session.Address{Phone: to}, session.Outgoing{ID: id, Text: "WaQtor live test " + time.Now().Format(time.RFC3339)})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	t.Logf("sent %s at %s", sent.ID, sent.ServerTime)
	waitEvent(t, events, "a delivery receipt", func(e session.Event) bool {
		r, ok := e.(session.ReceiptReceived)
		if !ok {
			return false
		}
		for _, x := range r.IDs {
			if x == id {
				return true
			}
		}
		return false
	})
	if !keep {
		if err := cli.Logout(ctx); err != nil {
			t.Errorf("logout: %v", err)
		}
	}
	cli.Disconnect()
}

func waitEvent(t *testing.T, events <-chan session.Event, what string, match func(session.Event) bool) {
	t.Helper()
	deadline := time.After(3 * time.Minute)
	for {
		select {
		case e := <-events:
			if match(e) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s within 3 minutes", what)
		}
	}
}
