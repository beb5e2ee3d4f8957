package wshub_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/realtime/client"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wshub"
)

type env struct {
	hub     *wshub.Hub
	tickets *realtime.Tickets
	url     string
}

// newEnv serves a hub on a real HTTP server, with tickets in a real SQLite store.
func newEnv(t testing.TB, cfg wshub.Config) *env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tickets := realtime.NewTickets(sqlite.NewTicketStore(db))
	if cfg.Tickets == nil {
		cfg.Tickets = tickets
	}
	hub := wshub.New(cfg)
	srv := httptest.NewServer(hub)
	t.Cleanup(srv.Close)
	return &env{hub: hub, tickets: tickets, url: "ws" + strings.TrimPrefix(srv.URL, "http")}
}

var (
	ownerA  = auth.Principal{TenantID: "ten_A", UserID: "usr_A", Role: auth.Owner, Scopes: []auth.Scope{auth.ScopeAll}}
	ownerB  = auth.Principal{TenantID: "ten_B", UserID: "usr_B", Role: auth.Owner, Scopes: []auth.Scope{auth.ScopeAll}}
	statusA = auth.Principal{TenantID: "ten_A", UserID: "usr_A", KeyID: "key_status", Role: auth.Owner,
		Scopes: []auth.Scope{auth.ScopeSessionsRead}}
)

func (e *env) ticket(t testing.TB, p auth.Principal) string {
	t.Helper()
	s, _, err := e.tickets.Issue(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) dial(t *testing.T, p auth.Principal) *client.Conn {
	t.Helper()
	c, err := client.Dial(ctx(t), e.url, e.ticket(t, p), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// read returns the next frame within 5 s.
func read(t *testing.T, c *client.Conn) client.Frame {
	t.Helper()
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := c.Read(rctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

func subscribe(t *testing.T, c *client.Conn, f realtime.ClientFrame) client.Frame {
	t.Helper()
	f.Type = realtime.TypeSubscribe
	if err := c.Send(ctx(t), f); err != nil {
		t.Fatal(err)
	}
	ack := read(t, c)
	if ack.Type != realtime.TypeAck {
		t.Fatalf("subscribe answered %s", ack.Raw)
	}
	return ack
}

func publish(t *testing.T, h *wshub.Hub, typ, tenant, session string, data any) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.test", typ, tenant, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	e.SessionID = session
	if err := h.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

func wantEvent(t *testing.T, c *client.Conn, want event.Envelope) {
	t.Helper()
	f := read(t, c)
	if f.Type != realtime.TypeEvent || f.ID != want.ID || f.Event != want.Type || string(f.Data) != string(want.Data) {
		t.Fatalf("got frame %s, want the event %s %s", f.Raw, want.Type, want.ID)
	}
}

func TestTenantsOnlySeeTheirOwnEvents(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	a, b := e.dial(t, ownerA), e.dial(t, ownerB)
	for _, c := range []*client.Conn{a, b} {
		subscribe(t, c, realtime.ClientFrame{Topics: realtime.Topics})
	}
	var wantA, wantB []event.Envelope
	for i := range 20 {
		wantA = append(wantA, publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{"body": fmt.Sprint("a", i)}))
		wantB = append(wantB, publish(t, e.hub, event.SessionStatus, "ten_B", "ses_1", map[string]any{"status": fmt.Sprint("b", i)}))
	}
	// Each reads exactly its own 20 events in order; a frame of the other tenant would break the sequence.
	for i := range 20 {
		wantEvent(t, a, wantA[i])
		wantEvent(t, b, wantB[i])
	}
	// A marker after: nothing of the other tenant was queued in between.
	markA := publish(t, e.hub, event.SessionStatus, "ten_A", "", map[string]any{})
	markB := publish(t, e.hub, event.SessionStatus, "ten_B", "", map[string]any{})
	wantEvent(t, a, markA)
	wantEvent(t, b, markB)
}

func TestScopesLimitTopicsAndEvents(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	c := e.dial(t, statusA)
	if err := c.Send(ctx(t), realtime.ClientFrame{Type: realtime.TypeSubscribe, Ref: "m", Topics: []realtime.Topic{realtime.TopicMessages}}); err != nil {
		t.Fatal(err)
	}
	if f := read(t, c); f.Type != realtime.TypeError || f.Code != realtime.CodeForbiddenTopic || f.Ref != "m" {
		t.Fatalf("subscribing to messages without messages:read answered %s", f.Raw)
	}
	ack := subscribe(t, c, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	if !slices.Equal(ack.Topics, []string{"status"}) {
		t.Fatalf("ack topics = %v", ack.Topics)
	}
	publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{"body": "secret"})
	publish(t, e.hub, event.SessionQR, "ten_A", "ses_1", map[string]any{"qr": "2@abc"}) // needs sessions:write
	st := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"status": "ready"})
	wantEvent(t, c, st) // the first frame it gets: neither the message nor the QR code came before it
}

func TestBadTicketsAreRefusedAtConnect(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	used := e.ticket(t, ownerA)
	if c, err := client.Dial(ctx(t), e.url, used, nil); err != nil {
		t.Fatalf("first use: %v", err)
	} else {
		c.Close()
	}
	// The hub ends the first connection when it reads the close; the refusals below must open none.
	testkit.Until(t, 10*time.Second, "the hub to see the first connection closed", func() bool { return e.hub.Stats().Connections == 0 })
	// Issued 31 s ago with the 30 s lifetime: expired by the hub's clock (and not yet swept by the store's).
	past := func() time.Time { return time.Now().Add(-realtime.TicketTTL - time.Second) }
	expired, _, err := (&realtime.Tickets{Store: e.tickets.Store, TTL: realtime.TicketTTL, Now: past}).Issue(context.Background(), ownerA)
	if err != nil {
		t.Fatal(err)
	}
	for name, tk := range map[string]string{"reused": used, "expired": expired, "unknown": "rtk_" + strings.Repeat("A", 43),
		"malformed": "nope", "empty": ""} {
		_, err := client.Dial(ctx(t), e.url, tk, nil)
		var refused *client.RefusedError
		if !errors.As(err, &refused) || refused.Status != http.StatusUnauthorized {
			t.Errorf("%s ticket: dial = %v, want refused with 401", name, err)
		}
	}
	if n := e.hub.Stats().Connections; n != 0 {
		t.Fatalf("%d connections open after refusals", n)
	}
}

func TestBadFramesGetErrorsAndChangeNothing(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	c := e.dial(t, ownerA)
	subscribe(t, c, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	for raw, code := range map[string]string{
		`not json`:                               realtime.CodeMalformedJSON,
		`{"type":"publish","topics":["status"]}`: realtime.CodeUnknownType,
		`{"type":"unsubscribe","topics":["status","nope"]}`:         realtime.CodeUnknownTopic,
		`{"type":"subscribe","topics":["messages"],"bogus":true}`:   realtime.CodeInvalidFrame,
		`{"type":"ping","ref":"` + strings.Repeat("x", 5000) + `"}`: realtime.CodeFrameTooLarge,
	} {
		if err := c.SendRaw(ctx(t), []byte(raw)); err != nil {
			t.Fatal(err)
		}
		if f := read(t, c); f.Type != realtime.TypeError || f.Code != code || f.Message == "" {
			t.Errorf("%.40s answered %s, want error %s", raw, f.Raw, code)
		}
	}
	// Still subscribed to status only (the bad unsubscribe did not drop status, the bad subscribe added nothing).
	publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{})
	st := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{})
	wantEvent(t, c, st)
	if err := c.Send(ctx(t), realtime.ClientFrame{Type: realtime.TypePing, Ref: "p1", TS: 42}); err != nil {
		t.Fatal(err)
	}
	if f := read(t, c); f.Type != realtime.TypePong || f.Ref != "p1" || f.TS != 42 {
		t.Fatalf("ping answered %s", f.Raw)
	}
}

func TestResumeAfterADroppedConnection(t *testing.T) {
	e := newEnv(t, wshub.Config{WindowSize: 5})
	cl := client.New(client.Options{URL: e.url, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Ticket: func(ctx context.Context) (string, error) {
			s, _, err := e.tickets.Issue(ctx, ownerA)
			return s, err
		},
		Subscriptions: []realtime.ClientFrame{{Type: realtime.TypeSubscribe, Topics: []realtime.Topic{realtime.TopicStatus}}}})
	rctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { cl.Run(rctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	next := func() client.Frame {
		t.Helper()
		select {
		case f := <-cl.Frames():
			return f
		case <-time.After(5 * time.Second):
			t.Fatal("no frame within 5 s")
			return client.Frame{}
		}
	}
	if f := next(); f.Type != realtime.TypeAck {
		t.Fatalf("first frame %s, want the ack", f.Raw)
	}
	e1 := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 1})
	if f := next(); f.ID != e1.ID {
		t.Fatalf("got %s, want e1", f.Raw)
	}
	if rtt, err := cl.Ping(ctx(t)); err != nil || rtt <= 0 {
		t.Fatalf("Ping = %v, %v", rtt, err)
	}

	// Drop the connection; events published while it is down come first after the reconnect, then live ones.
	cl.Drop()
	testkit.Until(t, 10*time.Second, "the hub to see the drop", func() bool { return e.hub.Stats().Connections == 0 })
	e2 := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 2})
	e3 := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 3})
	if f := next(); f.Type != realtime.TypeAck {
		t.Fatalf("after reconnect got %s, want the ack", f.Raw)
	}
	for _, want := range []event.Envelope{e2, e3} {
		if f := next(); f.ID != want.ID {
			t.Fatalf("after reconnect got %s, want %s", f.Raw, want.ID)
		}
	}
	e4 := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 4})
	if f := next(); f.ID != e4.ID {
		t.Fatalf("got %s, want the live e4", f.Raw)
	}
	if cl.Connects() != 2 {
		t.Fatalf("connects = %d, want 2", cl.Connects())
	}

	// Drop again and let more than the window (5 frames) pass: the client gets resync, then live frames.
	cl.Drop()
	testkit.Until(t, 10*time.Second, "the hub to see the drop", func() bool { return e.hub.Stats().Connections == 0 })
	for i := range 6 {
		publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 5 + i})
	}
	if f := next(); f.Type != realtime.TypeAck {
		t.Fatalf("after reconnect got %s, want the ack", f.Raw)
	}
	if f := next(); f.Type != realtime.TypeResync {
		t.Fatalf("got %s, want resync", f.Raw)
	}
	e11 := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{"n": 11})
	if f := next(); f.ID != e11.ID {
		t.Fatalf("got %s, want the live e11", f.Raw)
	}
}

func TestSlowClientIsClosedWhileOthersKeepReceiving(t *testing.T) {
	e := newEnv(t, wshub.Config{SendQueue: 64, WriteTimeout: 2 * time.Second})
	slow, fast := e.dial(t, ownerA), e.dial(t, ownerA)
	subscribe(t, slow, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicMessages}})
	subscribe(t, fast, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicMessages}})

	// The fast client reads everything and records each frame's latency; the slow one reads nothing.
	body := strings.Repeat("x", 4000)
	var mu sync.Mutex
	var latencies []time.Duration
	got := 0
	done := make(chan error, 1)
	go func() {
		for {
			f, err := fast.Read(context.Background())
			if err != nil {
				done <- err
				return
			}
			mu.Lock()
			latencies = append(latencies, time.Since(f.Time))
			got++
			mu.Unlock()
		}
	}()
	// Bursts of 32 frames, each waiting for the fast client to catch up: its queue never fills, the slow one's does.
	sent := 0
	caughtUp := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got == sent
	}
	for e.hub.Stats().ClosedSlow == 0 {
		if sent >= 20000 {
			t.Fatal("the slow client was never closed")
		}
		for range 32 {
			publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{"body": body, "n": sent})
			sent++
		}
		testkit.Until(t, 10*time.Second, "the fast client to get every frame", caughtUp)
	}
	for range 32 { // the fast client keeps receiving after the slow one is gone
		publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{"body": body, "n": sent})
		sent++
	}
	testkit.Until(t, 10*time.Second, "the fast client to get every frame", caughtUp)
	mu.Lock()
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	mu.Unlock()
	t.Logf("sent %d frames before the slow client was closed; fast client p99 latency %v", sent, p99)
	if p99 > time.Second {
		t.Errorf("the fast client's p99 latency was %v while the slow one was stuck", p99)
	}
	// The slow client drains what reached it, then finds the connection closed with 4008.
	var err error
	for err == nil {
		rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = slow.Read(rctx)
		cancel()
	}
	if code := client.CloseStatus(err); code != realtime.CloseSlowConsumer {
		t.Errorf("the slow client's connection ended with %v (code %d), want close code %d", err, code, realtime.CloseSlowConsumer)
	}
	testkit.Until(t, 10*time.Second, "the slow connection's handler to end", func() bool { return e.hub.Stats().Connections == 1 })
	if s := e.hub.Stats(); s.ClosedSlow != 1 {
		t.Errorf("stats = %+v, want one slow close and the fast connection still open", s)
	}
	publish(t, e.hub, event.MessageReceived, "ten_A", "ses_1", map[string]any{"n": "after"})
	sent++
	testkit.Until(t, 10*time.Second, "the fast client to get the frame after the slow close", caughtUp)
}

func TestHeartbeatClosesASilentPeer(t *testing.T) {
	// Pings every 100 ms; a pong may take up to 1 s, so a loaded machine does not fail the reading peer.
	e := newEnv(t, wshub.Config{PingInterval: 100 * time.Millisecond, PongTimeout: time.Second})
	live := e.dial(t, ownerA)
	silent := e.dial(t, ownerA) // never reads, so never answers a ping
	_ = silent
	go func() {
		for {
			if _, err := live.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	testkit.Until(t, 10*time.Second, "the silent peer to be closed", func() bool {
		s := e.hub.Stats()
		return s.ClosedHeartbeat == 1 && s.Connections == 1
	})
	time.Sleep(500 * time.Millisecond) // several more ping rounds: the reading peer must survive them
	if s := e.hub.Stats(); s.ClosedHeartbeat != 1 || s.Connections != 1 {
		t.Fatalf("stats = %+v, want only the silent peer closed", s)
	}
}

func TestFloodIsRateLimitedWithoutAffectingOthers(t *testing.T) {
	e := newEnv(t, wshub.Config{FrameRate: 5, FrameBurst: 5, MaxDropped: 50})
	flood, calm := e.dial(t, ownerA), e.dial(t, ownerA)
	subscribe(t, calm, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	var limited bool
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := flood.Read(context.Background())
			if err != nil {
				readErr <- err
				return
			}
			if f.Type == realtime.TypeError && f.Code == realtime.CodeRateLimited {
				limited = true
			}
		}
	}()
	for range 200 {
		if err := flood.Send(context.Background(), realtime.ClientFrame{Type: realtime.TypePing}); err != nil {
			break
		}
	}
	err := <-readErr
	if !limited {
		t.Error("the flooding client got no rate_limited error frame")
	}
	if code := client.CloseStatus(err); code != realtime.CloseRateLimited {
		t.Errorf("flood ended with %v, want close code %d", err, realtime.CloseRateLimited)
	}
	st := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{})
	wantEvent(t, calm, st)
	if err := calm.Send(ctx(t), realtime.ClientFrame{Type: realtime.TypePing, Ref: "ok"}); err != nil {
		t.Fatal(err)
	}
	if f := read(t, calm); f.Type != realtime.TypePong {
		t.Fatalf("calm client's ping answered %s", f.Raw)
	}
}

func TestServerTimeoutsDoNotEndSockets(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	srv := httptest.NewUnstartedServer(e.hub)
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := client.Dial(ctx(t), "ws"+strings.TrimPrefix(srv.URL, "http"), e.ticket(t, ownerA), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	subscribe(t, c, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	time.Sleep(500 * time.Millisecond) // past both server timeouts
	st := publish(t, e.hub, event.SessionStatus, "ten_A", "ses_1", map[string]any{})
	wantEvent(t, c, st)
}

func TestPublisherFeedsTheHubOnlyWhatTheBusAccepted(t *testing.T) {
	e := newEnv(t, wshub.Config{})
	c := e.dial(t, ownerA)
	subscribe(t, c, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	refused, err := event.New("waqtor.test", event.SessionStatus, "ten_A", time.Now(), map[string]any{"n": 1})
	if err != nil {
		t.Fatal(err)
	}
	down := e.hub.Publisher(event.PublisherFunc(func(context.Context, ...event.Envelope) error { return errors.New("bus down") }))
	if err := down.Publish(context.Background(), refused); err == nil {
		t.Fatal("the bus's error was not returned")
	}
	var onBus []string
	up := e.hub.Publisher(event.PublisherFunc(func(_ context.Context, evs ...event.Envelope) error {
		for _, ev := range evs {
			onBus = append(onBus, ev.ID)
		}
		return nil
	}))
	// The producer retries the refused event with the same ID, twice (a redelivery): one frame.
	for range 2 {
		if err := up.Publish(context.Background(), refused); err != nil {
			t.Fatal(err)
		}
	}
	wantEvent(t, c, refused)
	next, _ := event.New("waqtor.test", event.SessionStatus, "ten_A", time.Now(), map[string]any{"n": 2})
	if err := up.Publish(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, c, next) // not a second copy of the first
	if len(onBus) != 3 || e.hub.Stats().Published != 2 {
		t.Fatalf("bus got %d events, hub published %d; want 3 and 2", len(onBus), e.hub.Stats().Published)
	}
}

func TestQuietTenantsAreForgotten(t *testing.T) {
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	e := newEnv(t, wshub.Config{Now: now})
	c := e.dial(t, ownerB) // tenant B stays connected
	subscribe(t, c, realtime.ClientFrame{Topics: []realtime.Topic{realtime.TopicStatus}})
	for i := range 50 {
		publish(t, e.hub, event.SessionStatus, fmt.Sprint("ten_quiet_", i), "", map[string]any{})
	}
	if n := e.hub.Stats().Feeds; n != 51 {
		t.Fatalf("feeds = %d, want 51", n)
	}
	advance(6 * time.Minute) // past the window's age and the sweep interval
	st := publish(t, e.hub, event.SessionStatus, "ten_B", "", map[string]any{})
	if n := e.hub.Stats().Feeds; n != 1 {
		t.Fatalf("feeds after the quiet tenants' frames aged out = %d, want 1 (the connected tenant)", n)
	}
	wantEvent(t, c, st)
}

func TestBrowserOriginsAreChecked(t *testing.T) {
	e := newEnv(t, wshub.Config{OriginPatterns: []string{"dash.example:5173"}})
	dial := func(origin string) (int, error) {
		h := http.Header{}
		h.Set("Origin", origin)
		ws, resp, err := websocket.Dial(ctx(t), e.url+"?ticket="+e.ticket(t, ownerA), &websocket.DialOptions{HTTPHeader: h})
		if err == nil {
			ws.CloseNow()
			return http.StatusSwitchingProtocols, nil
		}
		if resp == nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	for origin, want := range map[string]int{
		"http://dash.example:5173": http.StatusSwitchingProtocols,
		"http://evil.example":      http.StatusForbidden,
		"http://dash.example":      http.StatusForbidden, // another port is another origin
	} {
		if got, err := dial(origin); err != nil || got != want {
			t.Errorf("Origin %s: status %d, %v; want %d", origin, got, err, want)
		}
	}
}
