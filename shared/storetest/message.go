package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// RunMessage runs the contract suite of message.Store; newStore must return a store over a fresh, empty database
// each call. Messages are unique per (tenant, session, ID); every read is scoped to a tenant; Apply follows
// message.Apply without losing concurrent updates; List pages newest first (Timestamp, then ID, then session ID).
func RunMessage(t *testing.T, newStore func(t *testing.T) message.Store) {
	t.Run("messages", func(t *testing.T) { testMessages(t, newStore(t)) })
	t.Run("same ID in two sessions", func(t *testing.T) { testMessageIDInTwoSessions(t, newStore(t)) })
	t.Run("apply", func(t *testing.T) { testMessageApply(t, newStore(t)) })
	t.Run("concurrent apply", func(t *testing.T) { testConcurrentApply(t, newStore(t)) })
	t.Run("list", func(t *testing.T) { testMessageList(t, newStore(t)) })
	t.Run("list cursors", func(t *testing.T) { testMessageCursors(t, newStore(t)) })
}

var msgSeq int

// newOutgoing returns a pending outgoing text message of the session at ts.
func newOutgoing(tenantID, sessionID, chatPhone string, ts time.Time) message.Message {
	msgSeq++
	return message.Message{ID: fmt.Sprintf("3EB0%012X", msgSeq), TenantID: tenantID, SessionID: sessionID,
		Direction: message.Outbound, ChatID: chatPhone + "@s.whatsapp.net", Chat: session.Address{Phone: chatPhone},
		Type: "text", Body: "hello " + chatPhone, Content: json.RawMessage(`{"id":"x","text":"hello"}`),
		Status: message.Pending, Timeline: []message.Step{{Status: message.Pending, At: ts}}, Timestamp: ts, UpdatedAt: ts}
}

// fullIncoming returns an incoming group image message with every field set.
func fullIncoming(tenantID, sessionID string, ts time.Time) message.Message {
	msgSeq++
	return message.Message{ID: fmt.Sprintf("ABCD%012X", msgSeq), TenantID: tenantID, SessionID: sessionID,
		Direction: message.Inbound, ChatID: "120363012345678901@g.us", Chat: session.Address{Group: "120363012345678901@g.us"},
		Sender: session.Address{Phone: "966501234567", LID: "1234567@lid"}, PushName: "Ali", IsGroup: true,
		Type: "image", Body: "caption",
		Media: &message.MediaInfo{Kind: session.Image, Mime: "image/jpeg", FileName: "a.jpg", Size: 12345,
			Key: "media/ten_a/ABCD.jpg"},
		Content: json.RawMessage(`{"media":{"kind":"image","locator":"AQID"}}`), ReplyTo: "3EB0PREVIOUS",
		CampaignID: "cmp_1", Status: message.Received, Timeline: []message.Step{{Status: message.Received, At: ts}},
		Timestamp: ts, UpdatedAt: ts.Add(time.Millisecond)}
}

func mustCreateMessage(t *testing.T, s message.Store, m message.Message) message.Message {
	t.Helper()
	created, err := s.CreateMessage(ctx, m)
	if err != nil || !created {
		t.Fatalf("CreateMessage(%s) = %v, %v; want created", m.ID, created, err)
	}
	return m
}

// sameMessage compares every field (the JSON form and the media key it hides).
func sameMessage(t *testing.T, what string, got, want message.Message) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) || got.Media != nil && want.Media != nil && got.Media.Key != want.Media.Key {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func wantMessageNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantCode(t, what, err, apperr.NotFound)
	if !errors.Is(err, message.ErrNotFound) {
		t.Fatalf("%s = %v, want message.ErrNotFound", what, err)
	}
}

func testMessages(t *testing.T, s message.Store) {
	in := mustCreateMessage(t, s, fullIncoming("ten_a", "ses_1", now))
	out := mustCreateMessage(t, s, newOutgoing("ten_a", "ses_1", "966501234567", now.Add(time.Second)))
	for _, m := range []message.Message{in, out} {
		got, err := s.GetMessage(ctx, "ten_a", m.ID)
		if err != nil {
			t.Fatalf("GetMessage(%s): %v", m.ID, err)
		}
		sameMessage(t, "GetMessage", got, m)
		got, err = s.GetSessionMessage(ctx, "ten_a", "ses_1", m.ID)
		if err != nil {
			t.Fatalf("GetSessionMessage(%s): %v", m.ID, err)
		}
		sameMessage(t, "GetSessionMessage", got, m)
	}

	// A message stored without a timeline reads back with an empty one ([], not null).
	bare := newOutgoing("ten_a", "ses_1", "966501234567", now)
	bare.Timeline, bare.Content = nil, nil
	mustCreateMessage(t, s, bare)
	bare.Timeline = []message.Step{}
	got, err := s.GetMessage(ctx, "ten_a", bare.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameMessage(t, "message without a timeline", got, bare)

	// A redelivered message is not stored again, and nothing of the stored one changes.
	again := in
	again.Body, again.Status, again.Timeline = "changed", message.Read, nil
	created, err := s.CreateMessage(ctx, again)
	if err != nil || created {
		t.Fatalf("CreateMessage(existing) = %v, %v; want not created", created, err)
	}
	got, _ = s.GetMessage(ctx, "ten_a", in.ID)
	sameMessage(t, "message after a second CreateMessage", got, in)

	// Another tenant, another session or another ID: not found.
	_, err = s.GetMessage(ctx, "ten_b", in.ID)
	wantMessageNotFound(t, "GetMessage(other tenant)", err)
	_, err = s.GetSessionMessage(ctx, "ten_b", "ses_1", in.ID)
	wantMessageNotFound(t, "GetSessionMessage(other tenant)", err)
	_, err = s.GetSessionMessage(ctx, "ten_a", "ses_2", in.ID)
	wantMessageNotFound(t, "GetSessionMessage(other session)", err)
	_, err = s.GetMessage(ctx, "ten_a", "3EB0MISSING")
	wantMessageNotFound(t, "GetMessage(missing)", err)
	_, _, err = s.Apply(ctx, "ten_b", "ses_1", out.ID, message.Sent, now, "")
	wantMessageNotFound(t, "Apply(other tenant)", err)
	_, _, err = s.Apply(ctx, "ten_a", "ses_2", out.ID, message.Sent, now, "")
	wantMessageNotFound(t, "Apply(other session)", err)

	// The same ID in another tenant is another message.
	theirs := in
	theirs.TenantID, theirs.Body = "ten_b", "theirs"
	mustCreateMessage(t, s, theirs)
	got, _ = s.GetMessage(ctx, "ten_a", in.ID)
	sameMessage(t, "own message after another tenant's with its ID", got, in)
	got, _ = s.GetMessage(ctx, "ten_b", in.ID)
	sameMessage(t, "other tenant's message", got, theirs)
}

// One session sending to another of the same tenant stores the ID twice; GetMessage answers the outgoing one (the
// API's messageId is the ID it sent), GetSessionMessage each.
func testMessageIDInTwoSessions(t *testing.T, s message.Store) {
	out := newOutgoing("ten_a", "ses_b", "966501234567", now)
	in := fullIncoming("ten_a", "ses_a", now)
	in.ID = out.ID
	mustCreateMessage(t, s, in)
	mustCreateMessage(t, s, out)
	got, err := s.GetMessage(ctx, "ten_a", out.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameMessage(t, "GetMessage of a shared ID", got, out)
	got, _ = s.GetSessionMessage(ctx, "ten_a", "ses_a", in.ID)
	sameMessage(t, "GetSessionMessage(incoming)", got, in)
	got, _ = s.GetSessionMessage(ctx, "ten_a", "ses_b", out.ID)
	sameMessage(t, "GetSessionMessage(outgoing)", got, out)
}

func testMessageApply(t *testing.T, s message.Store) {
	m := mustCreateMessage(t, s, newOutgoing("ten_a", "ses_1", "966501234567", now))
	want := m
	for _, a := range []struct {
		st      message.Status
		at      time.Duration
		changed bool
	}{
		{message.Delivered, 2 * time.Second, true},
		{message.Sent, time.Second, true},
		{message.Delivered, 3 * time.Second, false},
		{message.Failed, 4 * time.Second, false},
		{message.Read, 5 * time.Second, true},
	} {
		changed := message.Apply(&want, a.st, now.Add(a.at), "")
		got, gotChanged, err := s.Apply(ctx, "ten_a", "ses_1", m.ID, a.st, now.Add(a.at), "")
		if err != nil || gotChanged != a.changed || changed != a.changed {
			t.Fatalf("Apply(%s) = changed %v, %v; want %v", a.st, gotChanged, err, a.changed)
		}
		sameMessage(t, "Apply("+string(a.st)+")", got, want)
		stored, _ := s.GetMessage(ctx, "ten_a", m.ID)
		sameMessage(t, "stored after Apply("+string(a.st)+")", stored, want)
	}

	f := mustCreateMessage(t, s, newOutgoing("ten_a", "ses_1", "966501234567", now))
	got, changed, err := s.Apply(ctx, "ten_a", "ses_1", f.ID, message.Failed, now.Add(time.Second), "recipient is not on whatsapp")
	if err != nil || !changed || got.Status != message.Failed || got.Error != "recipient is not on whatsapp" {
		t.Fatalf("Apply(failed) = %+v, %v, %v", got, changed, err)
	}
	_, _, err = s.Apply(ctx, "ten_a", "ses_1", "3EB0MISSING", message.Sent, now, "")
	wantMessageNotFound(t, "Apply(missing)", err)
}

// Receipts for one message applied at once from many goroutines: none is lost.
func testConcurrentApply(t *testing.T, s message.Store) {
	m := mustCreateMessage(t, s, newOutgoing("ten_a", "ses_1", "966501234567", now))
	sts := []message.Status{message.Sent, message.Delivered, message.Read}
	const each = 3
	var wg sync.WaitGroup
	errs := make(chan error, len(sts)*each)
	for i := range each {
		for j, st := range sts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Later goroutines report later times: the earliest of each status must win.
				_, _, err := s.Apply(ctx, "ten_a", "ses_1", m.ID, st, now.Add(time.Duration(j+1)*time.Second+time.Duration(i)*time.Millisecond), "")
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	got, err := s.GetMessage(ctx, "ten_a", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []message.Step{{Status: message.Pending, At: now}, {Status: message.Sent, At: now.Add(time.Second)},
		{Status: message.Delivered, At: now.Add(2 * time.Second)}, {Status: message.Read, At: now.Add(3 * time.Second)}}
	if got.Status != message.Read || len(got.Timeline) != len(want) {
		t.Fatalf("after concurrent receipts: status %s timeline %+v; want read %+v", got.Status, got.Timeline, want)
	}
	for i := range want {
		if got.Timeline[i].Status != want[i].Status || !got.Timeline[i].At.Equal(want[i].At) {
			t.Fatalf("after concurrent receipts: timeline %+v, want %+v", got.Timeline, want)
		}
	}
}

// listFixture stores a varied set of messages of two tenants and returns tenant ten_a's.
func listFixture(t *testing.T, s message.Store) []message.Message {
	var mine []message.Message
	sec := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	for i := range 24 {
		sessionID := []string{"ses_1", "ses_2"}[i%2]
		phone := []string{"966501234567", "966509999999", "14155550100"}[i%3]
		// Pairs of messages share a timestamp, so order falls to the ID and then the session.
		ts := sec(i / 2)
		var m message.Message
		if i%4 == 3 {
			m = fullIncoming("ten_a", sessionID, ts)
			m.ChatID, m.Chat, m.IsGroup = phone+"@s.whatsapp.net", session.Address{Phone: phone}, false
		} else {
			m = newOutgoing("ten_a", sessionID, phone, ts)
		}
		if i%6 == 1 {
			// The same ID and time as the previous message, in the other session: the order falls to the session.
			m.ID = mine[len(mine)-1].ID
		}
		if i%5 == 1 {
			m.Type = "poll"
		}
		mine = append(mine, mustCreateMessage(t, s, m))
	}
	// Statuses move with Apply, so List must see the stored status.
	for i := range mine {
		if i%3 == 0 && mine[i].Direction == message.Outbound {
			got, _, err := s.Apply(ctx, "ten_a", mine[i].SessionID, mine[i].ID, message.Delivered, mine[i].Timestamp.Add(time.Second), "")
			if err != nil {
				t.Fatal(err)
			}
			mine[i] = got
		}
	}
	for i := range 5 {
		mustCreateMessage(t, s, newOutgoing("ten_b", "ses_1", "966501234567", sec(i)))
	}
	return mine
}

// expected filters and orders msgs as List must.
func expected(msgs []message.Message, f message.Filter) []message.Message {
	var out []message.Message
	for _, m := range msgs {
		if f.SessionID != "" && m.SessionID != f.SessionID || f.ChatID != "" && m.ChatID != f.ChatID ||
			f.Direction != "" && m.Direction != f.Direction || f.Status != "" && m.Status != f.Status ||
			f.Type != "" && m.Type != f.Type || !f.From.IsZero() && m.Timestamp.Before(f.From) ||
			!f.To.IsZero() && !m.Timestamp.Before(f.To) {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b message.Message) int {
		if message.PositionOf(a).Before(message.PositionOf(b)) {
			return -1
		}
		return 1
	})
	return out
}

// listAll pages through List with f and returns every message.
func listAll(t *testing.T, s message.Store, tenantID string, f message.Filter) []message.Message {
	t.Helper()
	var out []message.Message
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("List(%+v) does not end", f)
		}
		page, err := s.List(ctx, tenantID, f)
		if err != nil {
			t.Fatalf("List(%+v): %v", f, err)
		}
		limit := f.Limit
		if limit == 0 {
			limit = message.DefaultLimit
		}
		if len(page.Messages) > limit || page.Next != "" && len(page.Messages) != limit {
			t.Fatalf("List(%+v) returned %d messages with next %q", f, len(page.Messages), page.Next)
		}
		out = append(out, page.Messages...)
		if page.Next == "" {
			return out
		}
		f.Cursor = page.Next
	}
}

func testMessageList(t *testing.T, s message.Store) {
	mine := listFixture(t, s)
	sec := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	filters := []struct {
		name string
		f    message.Filter
	}{
		{"all", message.Filter{}},
		{"session", message.Filter{SessionID: "ses_2"}},
		{"chat", message.Filter{ChatID: "966509999999@s.whatsapp.net"}},
		{"session and chat", message.Filter{SessionID: "ses_1", ChatID: "14155550100@s.whatsapp.net"}},
		{"direction", message.Filter{Direction: message.Inbound}},
		{"status", message.Filter{Status: message.Delivered}},
		{"type", message.Filter{Type: "poll"}},
		{"from", message.Filter{From: sec(5)}},
		{"to", message.Filter{To: sec(5)}},
		{"range", message.Filter{From: sec(3), To: sec(9)}},
		{"session since (a session's counters)", message.Filter{SessionID: "ses_1", From: sec(4)}},
		{"range in a session with status", message.Filter{SessionID: "ses_1", Status: message.Pending, From: sec(2), To: sec(10)}},
		{"chat and direction in a range", message.Filter{ChatID: "966501234567@s.whatsapp.net", Direction: message.Outbound, From: sec(1), To: sec(11)}},
		{"empty range", message.Filter{From: sec(9), To: sec(3)}},
		{"no match", message.Filter{ChatID: "120363000000000000@g.us"}},
	}
	for _, tt := range filters {
		want := expected(mine, tt.f)
		if tt.name != "empty range" && tt.name != "no match" && len(want) == 0 {
			t.Fatalf("%s: the fixture has no match", tt.name)
		}
		for _, limit := range []int{0, 1, 2, 5} {
			f := tt.f
			f.Limit = limit
			got := listAll(t, s, "ten_a", f)
			if len(got) != len(want) {
				t.Fatalf("%s (limit %d): %d messages, want %d", tt.name, limit, len(got), len(want))
			}
			for i := range want {
				sameMessage(t, fmt.Sprintf("%s (limit %d) message %d", tt.name, limit, i), got[i], want[i])
			}
		}
	}
	if got := listAll(t, s, "ten_c", message.Filter{}); len(got) != 0 {
		t.Fatalf("List of a tenant without messages = %d messages", len(got))
	}
	if got := listAll(t, s, "ten_b", message.Filter{}); len(got) != 5 {
		t.Fatalf("List of ten_b = %d messages, want 5", len(got))
	}
}

func testMessageCursors(t *testing.T, s message.Store) {
	listFixture(t, s)
	page, err := s.List(ctx, "ten_a", message.Filter{SessionID: "ses_1", Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatalf("List = %d messages, next %q, %v", len(page.Messages), page.Next, err)
	}
	for _, tt := range []struct {
		name, tenantID string
		f              message.Filter
	}{
		{"another tenant", "ten_b", message.Filter{SessionID: "ses_1", Cursor: page.Next}},
		{"another session", "ten_a", message.Filter{SessionID: "ses_2", Cursor: page.Next}},
		{"no session", "ten_a", message.Filter{Cursor: page.Next}},
		{"garbage", "ten_a", message.Filter{SessionID: "ses_1", Cursor: "bm90IGEgY3Vyc29y"}},
	} {
		got, err := s.List(ctx, tt.tenantID, tt.f)
		wantCode(t, "List with the cursor of "+tt.name, err, apperr.Validation)
		if len(got.Messages) != 0 {
			t.Fatalf("List with the cursor of %s returned messages", tt.name)
		}
	}
	for _, limit := range []int{-1, message.MaxLimit + 1} {
		_, err := s.List(ctx, "ten_a", message.Filter{Limit: limit})
		wantCode(t, fmt.Sprint("List with limit ", limit), err, apperr.Validation)
	}
	if page, err := s.List(ctx, "ten_a", message.Filter{Limit: message.MaxLimit}); err != nil || len(page.Messages) != 24 || page.Next != "" {
		t.Fatalf("List with the largest limit = %d messages, next %q, %v", len(page.Messages), page.Next, err)
	}
}
