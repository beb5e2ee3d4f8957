package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/realtime/client"
)

type listedNotification struct {
	ID, UserID, Kind, Type, Title, Link, Message string
	Read                                         bool
}

// bannedOf lists the caller's session.banned notifications of session id.
func bannedOf(t *testing.T, p *proc, cred, id string) []listedNotification {
	t.Helper()
	var page struct{ Data []listedNotification }
	expect(t, p.do(t, "GET", "/api/notifications?limit=100", cred, ""), 200, "").decode(t, &page)
	var out []listedNotification
	for _, n := range page.Data {
		if n.Kind == "session.banned" && n.Link == "/sessions/"+id {
			out = append(out, n)
		}
	}
	return out
}

func unread(t *testing.T, p *proc, cred string) int {
	t.Helper()
	var c struct{ Unread int }
	expect(t, p.do(t, "GET", "/api/notifications/count", cred, ""), 200, "").decode(t, &c)
	return c.Unread
}

// TestNotificationLifecycleEndToEnd runs the standalone binary in demo mode: a ban injected through the fake
// WhatsApp server (the demo faults endpoint) becomes one session.banned notification for the owner, pushed on the
// notifications topic to the owner's live connection, counted unread, then marked read. The member who muted
// session.banned gets none.
func TestNotificationLifecycleEndToEnd(t *testing.T) {
	p := start(t, t.TempDir(), demoEnv...)
	email, password, key := credentials(t, p)
	tok := expect(t, p.do(t, "POST", "/api/auth/login", "", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)), 200, "").obj(t)["token"].(string)
	expect(t, p.do(t, "POST", "/api/users", tok, `{"email":"agent@example.com","name":"Agent","role":"member","password":"a long enough password 1"}`), 201, "")
	agent := expect(t, p.do(t, "POST", "/api/auth/login", "", `{"email":"agent@example.com","password":"a long enough password 1"}`), 200, "").obj(t)["token"].(string)
	expect(t, p.do(t, "PUT", "/api/notifications/preferences", agent, `{"muted":["session.banned"]}`), 200, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	owner, err := client.Dial(ctx, wsURL(p), ticket(t, p, tok), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.CloseNow()
	if err := owner.Send(ctx, realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "n", Topics: []realtime.Topic{realtime.TopicNotifications, realtime.TopicStatus}}); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, owner, "the ack", func(f client.Frame) bool { return f.Type == realtime.TypeAck && f.Ref == "n" })

	id, _ := pair(t, p, key, "to be banned")
	before := unread(t, p, tok)
	expect(t, p.do(t, "POST", "/api/dev/demo/sessions/"+id+"/faults", key, `{"kind":"ban"}`), 202, "")
	injected := time.Now()
	f := nextFrame(t, owner, "the session.banned notification", func(f client.Frame) bool {
		return f.Event == "notification.created" && strings.Contains(string(f.Data), `"kind":"session.banned"`)
	})
	t.Logf("notification.created reached the socket %v after the ban was injected", time.Since(injected))
	var pushed listedNotification
	if err := json.Unmarshal(f.Data, &pushed); err != nil || f.Topic != realtime.TopicNotifications ||
		!strings.HasPrefix(pushed.ID, "ntf_") || pushed.Type != "error" || pushed.Link != "/sessions/"+id || pushed.Read ||
		!strings.Contains(pushed.Message, `session "to be banned" (`+id+`)`) {
		t.Fatalf("notification frame %s (%v)", f.Raw, err)
	}

	// Created once: after the session's later status frames (the ban stops it), still one, and it is the one pushed.
	expect(t, p.do(t, "POST", "/api/sessions/"+id+"/stop", key, ""), 202, "")
	nextFrame(t, owner, "the stop's status", func(f client.Frame) bool {
		if f.Event == "notification.created" && strings.Contains(string(f.Data), `"kind":"session.banned"`) && f.ID != "" {
			var again listedNotification
			if json.Unmarshal(f.Data, &again) == nil && again.ID != pushed.ID {
				t.Fatalf("a second session.banned notification was pushed: %s", f.Raw)
			}
		}
		return f.Event == "session.status" && f.SessionID == id && strings.Contains(string(f.Data), `"status":"stopped"`)
	})
	list := bannedOf(t, p, tok, id)
	if len(list) != 1 || list[0].ID != pushed.ID || list[0].Read {
		t.Fatalf("the owner's session.banned notifications %+v, want exactly the pushed %s, unread", list, pushed.ID)
	}
	if n := unread(t, p, tok); n != before+1 {
		t.Fatalf("unread %d, want %d (one more than before the ban)", n, before+1)
	}
	if got := bannedOf(t, p, agent, id); len(got) != 0 {
		t.Fatalf("the agent muted session.banned but has %+v", got)
	}

	// Marked read: counted no more.
	expect(t, p.do(t, "POST", "/api/notifications/mark-read/"+pushed.ID, tok, ""), 200, "")
	if n := unread(t, p, tok); n != before {
		t.Fatalf("unread after marking it read %d, want %d", n, before)
	}
	if list := bannedOf(t, p, tok, id); len(list) != 1 || !list[0].Read {
		t.Fatalf("after mark-read: %+v, want it read", list)
	}
}
