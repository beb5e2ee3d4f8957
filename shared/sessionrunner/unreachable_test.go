package sessionrunner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// network is what the sessions' dials reach: WhatsApp (the fake server), a host name that does not resolve
// (RFC 6761 .invalid), or a closed port that refuses. The dials are real: the errors are the operating system's.
type network struct {
	mu     sync.Mutex
	mode   string // "whatsapp", "dns" or "refused"
	srv    *wasim.Server
	closed string
}

func (n *network) set(mode string) { n.mu.Lock(); n.mode = mode; n.mu.Unlock() }

func (n *network) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	n.mu.Lock()
	mode := n.mode
	n.mu.Unlock()
	var d net.Dialer
	switch mode {
	case "dns":
		return d.DialContext(ctx, "tcp", "web.whatsapp.invalid:443")
	case "refused":
		return d.DialContext(ctx, "tcp", n.closed)
	}
	return d.DialContext(ctx, "tcp", n.srv.Addr())
}

func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestUnreachableWhatsApp: a session that cannot reach WhatsApp says why (DNS, refused) and when it tries next,
// its tenant is notified once per outage, its start command is done (not retried into the dead-letter queue: the
// host owns the retry), and when WhatsApp is back it pairs, gets ready and the reason clears. Both retry paths:
// the host's (a login's connect) and whatsmeow's (a paired session that loses the network).
func TestUnreachableWhatsApp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := wasim.Start(wasim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	nw := &network{mode: "dns", srv: srv, closed: closedPort(t)}
	hc := &http.Client{Transport: &http.Transport{DialContext: nw.dial, DialTLSContext: nw.dial}}

	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	rt, err := eventbus.New(q, nil, eventbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := localdisk.NewMediaStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	devs, err := whatsapp.Open(ctx, whatsapp.Options{DSN: filepath.Join(t.TempDir(), "wa.db"), HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer devs.Close()
	sessions, notes := sqlite.NewSessionStore(db), sqlite.NewNotificationStore(db)
	host, err := sessionrunner.New(sessionrunner.Config{Sessions: sessions, Messages: sqlite.NewMessageStore(db), Devices: devs,
		Events: rt, Queue: q, Files: files, Notifier: &notification.Center{Store: notes, Preferences: notes,
			Users: tenant.NotificationUsers(sqlite.NewTenantStore(db)), Sessions: sessions, Events: rt},
		RetryMin: 100 * time.Millisecond, RetryMax: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	go host.Run(ctx)

	// The API, to read the status as users do.
	tenants := tenant.NewService(sqlite.NewTenantStore(db), rt, slog.New(slog.DiscardHandler))
	keys := apikey.NewService(sqlite.NewKeyStore(db), sqlite.NewTenantStore(db), rt, slog.New(slog.DiscardHandler))
	first, err := setup.FirstStart(ctx, tenants, keys, setup.Input{Email: "owner@unreachable.example"})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens([]byte("0123456789abcdef0123456789abcdef"), time.Hour, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(httpapi.New(httpapi.Deps{Tenants: tenants, Keys: keys, Tokens: tokens,
		Idempotency: sqlite.NewIdempotencyStore(db), Activity: sqlite.NewActivityStore(db),
		Sessions: &session.Service{Store: sessions, Queue: q, Now: time.Now}, Log: slog.New(slog.DiscardHandler), Now: time.Now},
		httpapi.Config{}))
	defer api.Close()
	apiStatus := func(id string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("GET", api.URL+"/api/sessions/"+id+"/status", nil)
		req.Header.Set("X-API-Key", first.APIKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET status = %d, %v", res.StatusCode, err)
		}
		return out
	}

	tenantID := first.TenantID
	now := time.Now().UTC()
	s, err := sessions.CreateSession(ctx, session.Session{ID: "ses_offline", TenantID: tenantID, Name: "offline",
		Status: session.Connecting, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	get := func() session.Session {
		t.Helper()
		got, err := sessions.GetSession(ctx, tenantID, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	users, err := sqlite.NewTenantStore(db).ListUsers(ctx, tenantID)
	if err != nil || len(users) != 1 {
		t.Fatalf("users %v, %v; want the owner", users, err)
	}
	owner := users[0].ID
	// The owner's notifications: addressed to them, of the mutable kind session.unreachable.
	outages := func() []notification.Notification {
		t.Helper()
		list, err := notes.ListNotifications(ctx, tenantID, owner, notification.Filter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range list {
			if n.UserID != owner || n.Kind != notification.KindSessionUnreachable {
				t.Fatalf("notification %+v, want session.unreachable addressed to the owner", n)
			}
		}
		return list
	}
	unreachable := func(status session.Status, cause string) func() bool {
		return func() bool {
			g := get()
			return g.Status == status && strings.Contains(g.Reason, "cannot reach WhatsApp ("+cause+":") &&
				g.NextRetryAt != nil && g.NextRetryAt.After(g.UpdatedAt)
		}
	}

	// No network: the start command is done (a queue error would bring it back until the dead-letter queue).
	body, _ := json.Marshal(session.Control{Kind: session.CmdStart, TenantID: tenantID, SessionID: s.ID})
	if err := host.HandleControl(ctx, queue.Message{ID: "m1", Body: body}); err != nil {
		t.Fatalf("start without network = %v, want nil: the host retries, not the queue", err)
	}
	if g := get(); !unreachable(session.Connecting, session.CauseDNS)() {
		t.Fatalf("session without DNS = %s %q next retry %v", g.Status, g.Reason, g.NextRetryAt)
	}
	if !strings.Contains(get().Reason, "web.whatsapp.invalid") {
		t.Fatalf("reason %q does not name the host", get().Reason)
	}
	if st := apiStatus(s.ID); st["status"] != "connecting" || !strings.Contains(fmt.Sprint(st["reason"]), "(dns:") || st["nextRetryAt"] == nil {
		t.Fatalf("the API's status without DNS = %v, want connecting with the dns reason and nextRetryAt", st)
	}
	// The host retries by itself: the cause follows the network.
	firstRetry := *get().NextRetryAt
	nw.set("refused")
	testkit.Until(t, 20*time.Second, "a retry that is refused", unreachable(session.Connecting, session.CauseRefused))
	if !get().NextRetryAt.After(firstRetry) {
		t.Fatalf("next retry %v did not move past %v", get().NextRetryAt, firstRetry)
	}
	if n := outages(); len(n) != 1 || n[0].Type != notification.Warning || !strings.Contains(n[0].Message, `"offline" (`+s.ID+`)`) {
		t.Fatalf("notifications after retries = %+v, want one warning naming the session by name and ID", n)
	}

	// WhatsApp is back: the session shows a QR code (reason cleared), pairs and is ready.
	nw.set("whatsapp")
	testkit.Until(t, 20*time.Second, "a QR code", func() bool { g := get(); return g.Status == session.QR && g.QR != "" })
	if g := get(); g.Reason != "" || g.NextRetryAt != nil {
		t.Fatalf("session back online keeps reason %q and next retry %v", g.Reason, g.NextRetryAt)
	}
	if _, err := srv.Phone("966500000301").Scan(get().QR); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 20*time.Second, "the session to be ready", func() bool { g := get(); return g.Status == session.Ready && g.Account != nil })

	// A paired session loses the network: whatsmeow retries, the host records cause and next attempt.
	nw.set("refused")
	jid, err := types.ParseJID(get().Account.DeviceJID)
	if err != nil {
		t.Fatal(err)
	}
	srv.Kick(jid)
	testkit.Until(t, 20*time.Second, "the paired session to report the refused reconnect", unreachable(session.Reconnecting, session.CauseRefused))
	retry := *get().NextRetryAt
	testkit.Until(t, 20*time.Second, "a second failed reconnect", func() bool {
		g := get()
		return g.NextRetryAt != nil && g.NextRetryAt.After(retry)
	})
	if n := outages(); len(n) != 2 {
		t.Fatalf("%d notifications after two outages, want 2 (one each): %+v", len(n), n)
	}
	nw.set("whatsapp")
	testkit.Until(t, 20*time.Second, "the session to be ready again", func() bool { g := get(); return g.Status == session.Ready })
	if g := get(); g.Reason != "" || g.NextRetryAt != nil {
		t.Fatalf("ready session keeps reason %q and next retry %v", g.Reason, g.NextRetryAt)
	}
	if st := apiStatus(s.ID); st["status"] != "ready" || st["reason"] != nil || st["nextRetryAt"] != nil {
		t.Fatalf("the API's status once ready = %v, want no reason and no nextRetryAt", st)
	}
	if n := outages(); len(n) != 2 {
		t.Fatalf("%d notifications after recovery, want 2", len(n))
	}
}
