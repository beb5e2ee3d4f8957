package main_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/realtime/client"
)

// ticket asks POST /api/realtime/ticket with cred.
func ticket(t *testing.T, p *proc, cred string) string {
	t.Helper()
	obj := expect(t, p.do(t, "POST", "/api/realtime/ticket", cred, ""), 201, "").obj(t)
	tk, _ := obj["ticket"].(string)
	if !strings.HasPrefix(tk, "rtk_") || obj["url"] != "/ws?ticket="+tk {
		t.Fatalf("ticket answer = %v", obj)
	}
	return tk
}

func wsURL(p *proc) string { return "ws" + strings.TrimPrefix(p.url, "http") + "/ws" }

// nextFrame reads frames until one satisfies match, within 30 s.
func nextFrame(t *testing.T, c *client.Conn, what string, match func(client.Frame) bool) client.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		f, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
	}
}

// TestRealtimeDemoEndToEnd runs the standalone binary in demo mode: a dashboard user and a status-only API key
// open the live feed with tickets; pairing a session and a demo contact's message arrive as frames, each only
// where the principal's scopes allow.
func TestRealtimeDemoEndToEnd(t *testing.T) {
	data := t.TempDir()
	p := start(t, data, demoEnv...)
	email, password, key := credentials(t, p)
	tok := expect(t, p.do(t, "POST", "/api/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)), 200, "").obj(t)["token"].(string)
	statusKey := expect(t, p.do(t, "POST", "/api/keys", tok, `{"name":"status board","scopes":["sessions:read"]}`), 201, "").obj(t)["key"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// No credentials, no ticket; a bad or used ticket opens nothing.
	expect(t, p.do(t, "POST", "/api/realtime/ticket", "", ""), 401, "unauthorized")
	used := ticket(t, p, key)
	first, err := client.Dial(ctx, wsURL(p), used, nil)
	if err != nil {
		t.Fatalf("dial with a fresh ticket: %v", err)
	}
	first.Close()
	for _, bad := range []string{used, "rtk_" + strings.Repeat("x", 43), ""} {
		var refused *client.RefusedError
		if _, err := client.Dial(ctx, wsURL(p), bad, nil); !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized {
			t.Fatalf("dial with ticket %q = %v, want 401", bad, err)
		}
	}

	user, err := client.Dial(ctx, wsURL(p), ticket(t, p, tok), nil) // a dashboard user (owner)
	if err != nil {
		t.Fatal(err)
	}
	defer user.CloseNow()
	board, err := client.Dial(ctx, wsURL(p), ticket(t, p, statusKey), nil) // an API key with sessions:read only
	if err != nil {
		t.Fatal(err)
	}
	defer board.CloseNow()
	if err := user.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "u", Topics: []realtime.Topic{realtime.TopicStatus, realtime.TopicMessages}}); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, user, "the user's ack", func(f client.Frame) bool { return f.Type == realtime.TypeAck && f.Ref == "u" })
	if err := board.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "m", Topics: []realtime.Topic{realtime.TopicMessages}}); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, board, "an answer", func(client.Frame) bool { return true }); f.Type != realtime.TypeError || f.Code != realtime.CodeForbiddenTopic {
		t.Fatalf("the status key subscribing to messages got %s, want forbidden_topic", f.Raw)
	}
	if err := board.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "s", Topics: []realtime.Topic{realtime.TopicStatus}}); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, board, "the board's ack", func(f client.Frame) bool { return f.Type == realtime.TypeAck && f.Ref == "s" })

	// Pairing: the user sees the QR code and the session going ready; the board sees ready but never the QR code.
	id, _ := pair(t, p, key, "Live")
	nextFrame(t, user, "the QR code", func(f client.Frame) bool { return f.Event == "session.qr" && f.SessionID == id })
	nextFrame(t, user, "ready", func(f client.Frame) bool {
		return f.Event == "session.status" && f.SessionID == id && strings.Contains(string(f.Data), `"status":"ready"`)
	})
	nextFrame(t, board, "ready on the board", func(f client.Frame) bool {
		if f.Event == "session.qr" {
			t.Fatalf("the status key without sessions:write got the QR code: %s", f.Raw)
		}
		return f.Event == "session.status" && strings.Contains(string(f.Data), `"status":"ready"`)
	})

	// A demo contact writes: the user gets it as a messages frame, exactly as published.
	bob := contacts(t, p, key)[1]
	var wrote struct{ MessageID string }
	sent := time.Now()
	expect(t, p.do(t, "POST", "/api/dev/demo/contacts/"+bob.Phone+"/messages", key, fmt.Sprintf(`{"to":%q,"text":"live hello"}`, id)), 202, "").decode(t, &wrote)
	f := nextFrame(t, user, "the incoming message", func(f client.Frame) bool { return f.Event == "message.received" })
	t.Logf("message.received reached the socket %v after the demo contact's write was sent", time.Since(sent))
	if f.Topic != realtime.TopicMessages || f.SessionID != id || !strings.HasPrefix(f.ID, "evt_") ||
		!strings.Contains(string(f.Data), `"body":"live hello"`) || !strings.Contains(string(f.Data), wrote.MessageID) {
		t.Fatalf("message frame = %s", f.Raw)
	}

	// The board got no message frame: the next frame it reads is a status change made after the message.
	expect(t, p.do(t, "POST", "/api/sessions/"+id+"/stop", key, ""), 202, "")
	if f := nextFrame(t, board, "the stop", func(client.Frame) bool { return true }); f.Topic != realtime.TopicStatus {
		t.Fatalf("the status key got %s, want only status frames", f.Raw)
	}

	// A restart: the server closes the socket with 1001; the client reconnects with its last ID and, the window
	// having lived in the old process, gets resync, then live frames again.
	lastID := f.ID
	p.stop(t)
	for {
		if _, err := user.Read(ctx); err != nil {
			if client.CloseStatus(err) != 1001 {
				t.Fatalf("at the stop the socket ended with %v, want close code 1001", err)
			}
			break
		}
	}
	p = start(t, data, demoEnv...)
	again, err := client.Dial(ctx, wsURL(p), ticket(t, p, key), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.CloseNow()
	if err := again.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "r", Topics: []realtime.Topic{realtime.TopicStatus, realtime.TopicMessages}, LastID: lastID}); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, again, "the ack", func(f client.Frame) bool { return f.Type == realtime.TypeAck && f.Ref == "r" })
	if f := nextFrame(t, again, "resync", func(client.Frame) bool { return true }); f.Type != realtime.TypeResync {
		t.Fatalf("resuming after a restart got %s, want resync", f.Raw)
	}
	expect(t, p.do(t, "POST", "/api/sessions/"+id+"/restart", key, ""), 202, "")
	nextFrame(t, again, "the session ready again", func(f client.Frame) bool {
		return f.Event == "session.status" && f.SessionID == id && strings.Contains(string(f.Data), `"status":"ready"`)
	})
}
