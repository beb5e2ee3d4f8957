package wsgateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apigw"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	gw      *wsgateway.Gateway
	api     *awstest.ManagementAPI
	tickets *realtime.Tickets
	store   *dynamo.ConnectionStore
	clock   *clock
	n       int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	client := awstest.DynamoDB(t)
	table := "waqtor-" + strings.ToLower(id.New("t"))
	if err := dynamo.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	f := &fixture{api: awstest.NewManagementAPI(t, "live"), clock: &clock{t: time.Now().UTC()}}
	f.store = dynamo.NewConnectionStore(client, table)
	f.store.Now = f.clock.Now
	f.tickets = realtime.NewTickets(dynamo.NewTicketStore(client, table))
	f.tickets.Now = f.clock.Now
	gw, err := wsgateway.New(wsgateway.Config{Store: f.store, Poster: apigw.NewPoster(f.api.Client()), Tickets: f.tickets, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.gw = gw
	return f
}

// connect opens a connection for p as API Gateway would: $connect with a fresh ticket, then the connection exists.
func (f *fixture) connect(t *testing.T, p auth.Principal) string {
	t.Helper()
	ctx := context.Background()
	ticket, _, err := f.tickets.Issue(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	f.n++
	conn := "conn" + string(rune('A'+f.n)) + "="
	if err := f.gw.Connect(ctx, conn, ticket); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	f.api.Open(conn)
	return conn
}

func (f *fixture) send(t *testing.T, conn, frame string) {
	t.Helper()
	if err := f.gw.Receive(context.Background(), conn, []byte(frame), false); err != nil {
		t.Fatalf("Receive %s: %v", frame, err)
	}
}

type frame struct {
	Type, Ref, Code, Event, ID, Topic string
	Topics                            []string
}

func frames(t *testing.T, api *awstest.ManagementAPI, conn string) []frame {
	t.Helper()
	var out []frame
	for _, b := range api.Frames(conn) {
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame %s: %v", b, err)
		}
		out = append(out, f)
	}
	return out
}

func publish(t *testing.T, gw *wsgateway.Gateway, tenantID, typ string, data any) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.test", typ, tenantID, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	e.SessionID = "ses_1"
	if _, err := gw.Push(context.Background(), e); err != nil {
		t.Fatalf("Push %s: %v", typ, err)
	}
	return e
}

var (
	reader = auth.Principal{TenantID: "ten_a", UserID: "usr_a", KeyID: "key_a",
		Scopes: []auth.Scope{auth.ScopeSessionsRead, auth.ScopeMessagesRead}}
	otherTenant = auth.Principal{TenantID: "ten_b", UserID: "usr_b", Scopes: []auth.Scope{auth.ScopeAll}}
)

func TestConnectRefusesBadTickets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ticket, _, err := f.tickets.Issue(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	expired, _, err := f.tickets.Issue(ctx, reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, tk := range map[string]string{"missing": "", "malformed": "nope", "unknown": "rtk_" + strings.Repeat("A", 43)} {
		if err := f.gw.Connect(ctx, "c-"+name, tk); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("Connect with a %s ticket = %v, want unauthorized", name, err)
		}
		if _, err := f.store.GetConnection(ctx, "c-"+name); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
			t.Errorf("a connection refused at $connect was stored: %v", err)
		}
	}
	if err := f.gw.Connect(ctx, "c1", ticket); err != nil {
		t.Fatalf("Connect with a good ticket: %v", err)
	}
	if err := f.gw.Connect(ctx, "c2", ticket); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("Connect with a used ticket = %v, want unauthorized", err)
	}
	f.clock.Add(realtime.TicketTTL)
	if err := f.gw.Connect(ctx, "c3", expired); !apperr.Is(err, apperr.Unauthorized) {
		t.Errorf("Connect with an expired ticket = %v, want unauthorized", err)
	}
	c, err := f.store.GetConnection(ctx, "c1")
	if err != nil || c.Principal.TenantID != reader.TenantID || c.Principal.KeyID != reader.KeyID {
		t.Fatalf("stored connection %+v, %v", c, err)
	}
	if err := f.gw.Disconnect(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.GetConnection(ctx, "c1"); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("after $disconnect: %v, want not found", err)
	}
}

// The push path: each tenant's connections get only its events, on subscribed topics, as the principal's scopes
// allow (session.qr needs sessions:write); a gone connection is removed; a redelivered event is not posted again.
func TestPushDeliversToVisibleConnectionsOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.connect(t, reader)
	b := f.connect(t, otherTenant)
	idle := f.connect(t, reader) // subscribed to nothing
	gone := f.connect(t, otherTenant)
	f.send(t, a, `{"type":"subscribe","ref":"1","topics":["status","messages"]}`)
	f.send(t, a, `{"type":"subscribe","ref":"2","topics":["campaigns"]}`) // forbidden: no campaigns:read
	f.send(t, b, `{"type":"subscribe","ref":"1","topics":["status","messages"]}`)
	f.send(t, gone, `{"type":"subscribe","topics":["messages"]}`)
	f.send(t, a, `{"type":"ping","ref":"p","ts":42}`)
	f.api.Drop(gone)

	inA := publish(t, f.gw, "ten_a", event.MessageReceived, map[string]any{"body": "hi"})
	qrA := publish(t, f.gw, "ten_a", event.SessionQR, map[string]any{"qr": "2@x"})
	inB := publish(t, f.gw, "ten_b", event.MessageReceived, map[string]any{"body": "other"})
	qrB := publish(t, f.gw, "ten_b", event.SessionQR, map[string]any{"qr": "2@y"})
	if st, err := f.gw.Push(ctx, inA); err != nil || !st.Duplicate || st.Posted != 0 {
		t.Errorf("second Push of %s = %+v, %v; want a duplicate posting nothing", inA.ID, st, err)
	}

	got := frames(t, f.api, a)
	want := []string{"ack:1", "error:forbidden_topic:2", "pong:p", "event:" + inA.ID}
	if s := summary(got); strings.Join(s, " ") != strings.Join(want, " ") {
		t.Errorf("tenant A's frames %v, want %v (no %s: it lacks sessions:write)", s, want, qrA.ID)
	}
	if s := summary(frames(t, f.api, b)); strings.Join(s, " ") != "ack:1 event:"+inB.ID+" event:"+qrB.ID {
		t.Errorf("tenant B's frames %v", s)
	}
	if s := frames(t, f.api, idle); len(s) != 0 {
		t.Errorf("a connection without subscriptions got %v", summary(s))
	}
	if _, err := f.store.GetConnection(ctx, gone); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("a connection that answered 410 is still stored: %v", err)
	}
	if conns, _ := f.store.TenantConnections(ctx, "ten_b"); len(conns) != 1 || conns[0].ID != b {
		t.Errorf("tenant B's connections %+v, want only %s", conns, b)
	}
}

func summary(fs []frame) []string {
	var out []string
	for _, f := range fs {
		switch f.Type {
		case "event":
			out = append(out, "event:"+f.ID)
		case "error":
			out = append(out, "error:"+f.Code+":"+f.Ref)
		case "resync":
			out = append(out, "resync")
		default:
			out = append(out, f.Type+":"+f.Ref)
		}
	}
	return out
}

// Resuming: a subscribe with a lastId in the window gets the frames it missed after the ack; one not in the
// window (or older than the window's age) gets resync.
func TestResume(t *testing.T) {
	f := newFixture(t)
	first := f.connect(t, reader)
	f.send(t, first, `{"type":"subscribe","topics":["messages"]}`)
	m1 := publish(t, f.gw, "ten_a", event.MessageReceived, map[string]any{"body": "1"})
	f.api.Drop(first) // the client's network goes away
	m2 := publish(t, f.gw, "ten_a", event.MessageSent, map[string]any{"body": "2"})
	publish(t, f.gw, "ten_b", event.MessageSent, map[string]any{"body": "other tenant"})
	m3 := publish(t, f.gw, "ten_a", event.MessageDelivered, map[string]any{"body": "3"})

	again := f.connect(t, reader)
	f.send(t, again, `{"type":"subscribe","ref":"r","topics":["messages"],"lastId":"`+m1.ID+`"}`)
	if s := summary(frames(t, f.api, again)); strings.Join(s, " ") != "ack:r event:"+m2.ID+" event:"+m3.ID {
		t.Errorf("resumed frames %v, want ack then %s %s", s, m2.ID, m3.ID)
	}

	lost := f.connect(t, reader)
	f.send(t, lost, `{"type":"subscribe","ref":"r","topics":["messages"],"lastId":"evt_unknown"}`)
	if s := summary(frames(t, f.api, lost)); strings.Join(s, " ") != "ack:r resync" {
		t.Errorf("resume from an unknown id: %v, want ack then resync", s)
	}
	f.clock.Add(6 * time.Minute)
	late := f.connect(t, reader)
	f.send(t, late, `{"type":"subscribe","ref":"r","topics":["messages"],"lastId":"`+m1.ID+`"}`)
	if s := summary(frames(t, f.api, late)); strings.Join(s, " ") != "ack:r resync" {
		t.Errorf("resume from an id older than the window: %v, want ack then resync", s)
	}
}

// Rate limit: burst 20 at 10/s; frames over it get one rate_limited error a second and change nothing; 200 drops
// in a row close the connection.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, reader)
	for range 20 {
		f.send(t, c, `{"type":"ping"}`)
	}
	f.send(t, c, `{"type":"subscribe","ref":"over","topics":["messages"]}`)
	f.send(t, c, `{"type":"ping","ref":"over2"}`)
	s := summary(frames(t, f.api, c))
	if len(s) != 21 || s[20] != "error:rate_limited:" {
		t.Fatalf("after 22 frames at once: %d frames, last %v; want 20 pongs and one rate_limited", len(s), s[len(s)-1])
	}
	conn, err := f.store.GetConnection(context.Background(), c)
	if err != nil || len(conn.Subs) != 0 {
		t.Errorf("a dropped subscribe changed the subscriptions: %+v, %v", conn.Subs, err)
	}
	f.clock.Add(time.Second) // 10 tokens
	for range 10 {
		f.send(t, c, `{"type":"ping"}`)
	}
	if s := summary(frames(t, f.api, c)); len(s) != 31 {
		t.Errorf("after a second, %d frames; want 10 more pongs", len(s))
	}
	for range 200 {
		f.send(t, c, `{"type":"ping"}`)
	}
	if f.api.IsOpen(c) {
		t.Errorf("the connection is open after 200 dropped frames in a row")
	}
	if _, err := f.store.GetConnection(context.Background(), c); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("a closed connection is still stored: %v", err)
	}
}

// Bad frames get the protocol's error codes and change nothing.
func TestBadFrames(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, reader)
	f.send(t, c, `{"type":"subscribe","ref":"1","topics":["messages"]}`)
	f.send(t, c, `{"type":"subscribe","ref":"2","topics":["billing"]}`)
	f.send(t, c, `not json`)
	f.send(t, c, `{"type":"dance","ref":"3"}`)
	f.send(t, c, `{"type":"subscribe","ref":"4","topics":["notifications"],"sessionId":"ses_1"}`)
	f.send(t, c, `{"type":"ping","pad":"`+strings.Repeat("x", realtime.MaxFrameBytes)+`"}`)
	if err := f.gw.Receive(context.Background(), c, []byte{0, 1}, true); err != nil {
		t.Fatal(err)
	}
	want := "ack:1 error:unknown_topic:2 error:malformed_json: error:unknown_type:3 error:invalid_frame:4 error:frame_too_large: error:malformed_json:"
	if s := summary(frames(t, f.api, c)); strings.Join(s, " ") != want {
		t.Errorf("frames %v\nwant %s", s, want)
	}
	conn, _ := f.store.GetConnection(context.Background(), c)
	if subs := conn.Subs.List(); len(subs) != 1 || subs[0] != realtime.TopicMessages {
		t.Errorf("subscriptions after bad frames: %v, want [messages]", subs)
	}
}
