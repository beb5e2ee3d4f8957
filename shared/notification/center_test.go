package notification_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/testkit"
)

// kept is an in-memory notification store that, like the real ones (storetest), creates an ID once.
type kept struct {
	store
	byID map[string]notification.Notification
}

func (k *kept) CreateNotification(_ context.Context, n notification.Notification, expires time.Time) (notification.Notification, error) {
	if k.byID == nil {
		k.byID = map[string]notification.Notification{}
	}
	if _, ok := k.byID[n.ID]; !ok {
		k.byID[n.ID] = n
	}
	if !expires.Equal(n.CreatedAt.Add(notification.Retention)) {
		return notification.Notification{}, errors.New("a notification not kept for the retention")
	}
	return k.byID[n.ID], nil
}

func (k *kept) DeleteUserNotifications(_ context.Context, tenantID, userID string) (int, error) {
	n := 0
	for id, x := range k.byID {
		if x.TenantID == tenantID && x.UserID == userID {
			delete(k.byID, id)
			n++
		}
	}
	return n, nil
}

type prefs map[string][]notification.Kind

func (p prefs) GetPreferences(_ context.Context, tenantID, userID string) (notification.Preferences, error) {
	return notification.Preferences{TenantID: tenantID, UserID: userID, Muted: p[userID]}, nil
}
func (p prefs) PutPreferences(_ context.Context, pr notification.Preferences) error {
	p[pr.UserID] = pr.Muted
	return nil
}
func (p prefs) DeletePreferences(_ context.Context, _, userID string) error {
	delete(p, userID)
	return nil
}

type sessions map[string]session.Session

func (s sessions) GetSession(_ context.Context, tenantID, id string) (session.Session, error) {
	x, ok := s[id]
	if !ok || x.TenantID != tenantID {
		return session.Session{}, session.ErrNotFound
	}
	return x, nil
}

type published struct{ events []event.Envelope }

func (p *published) Publish(_ context.Context, events ...event.Envelope) error {
	p.events = append(p.events, events...)
	return nil
}

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

type rig struct {
	center   *notification.Center
	store    *kept
	prefs    prefs
	sessions sessions
	pub      *published
	now      time.Time
}

func newRig() *rig {
	r := &rig{store: &kept{}, prefs: prefs{}, sessions: sessions{}, pub: &published{}, now: t0}
	users := notification.UsersFunc(func(_ context.Context, tenantID string) ([]notification.Member, error) {
		if tenantID != "ten_1" {
			return nil, errors.New("unknown tenant")
		}
		return []notification.Member{{ID: "usr_owner", Role: auth.Owner}, {ID: "usr_agent", Role: auth.Member}}, nil
	})
	r.center = &notification.Center{Store: r.store, Preferences: r.prefs, Users: users, Sessions: r.sessions,
		Events: r.pub, Now: func() time.Time { return r.now }}
	return r
}

// statusEvent is the session.status event of ses_1 at `at`, as a route queue message.
func statusEvent(t *testing.T, id string, at time.Time, d event.SessionStatusData) queue.Message {
	t.Helper()
	e, err := event.New("waqtor.session-host", event.SessionStatus, "ten_1", at, d)
	if err != nil {
		t.Fatal(err)
	}
	e.ID, e.SessionID = id, "ses_1"
	body, err := json.Marshal(e.Bus("123456789012", "us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	return queue.Message{ID: "m_" + id, Body: body}
}

func (r *rig) kinds() map[string][]notification.Kind { // user -> kinds created
	out := map[string][]notification.Kind{}
	for _, n := range r.store.byID {
		out[n.UserID] = append(out[n.UserID], n.Kind)
	}
	return out
}

func TestBanNotifiesEveryUserOnceAndSkipsWhoMutedIt(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	r.prefs["usr_agent"] = []notification.Kind{notification.KindSessionBanned}
	m := statusEvent(t, "evt_ban", t0, event.SessionStatusData{Status: "banned", State: "disconnected",
		Reason: "temporary ban", Until: t0.Add(time.Hour).Unix(), Timestamp: t0.Unix()})
	for range 2 { // a redelivery creates nothing new
		if err := r.center.Handle(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.kinds(); len(r.store.byID) != 1 || !slices.Equal(got["usr_owner"], []notification.Kind{notification.KindSessionBanned}) {
		t.Fatalf("notifications by user %v, want one session.banned for usr_owner only (usr_agent muted it)", got)
	}
	var n notification.Notification
	for _, n = range r.store.byID {
	}
	if n.Type != notification.Error || n.Title == "" || n.Icon == "" || n.Link != "/sessions/ses_1" || !n.CreatedAt.Equal(t0) ||
		n.TenantID != "ten_1" {
		t.Errorf("notification %+v: want an error with title, icon, the session's link, created at the event's time", n)
	}
	if len(r.pub.events) != 2 || r.pub.events[0].ID != r.pub.events[1].ID || r.pub.events[0].Type != event.NotificationCreated {
		t.Fatalf("published %v, want the same notification.created twice (once per delivery, same ID)", r.pub.events)
	}
	var data notification.Notification
	if err := json.Unmarshal(r.pub.events[0].Data, &data); err != nil || data.ID != n.ID || data.UserID != "usr_owner" {
		t.Errorf("notification.created data %s (%v), want the notification addressed to usr_owner", r.pub.events[0].Data, err)
	}
	if err := r.pub.events[0].Validate(); err != nil {
		t.Error(err)
	}
	// Other statuses notify nothing at once.
	for _, st := range []string{"ready", "stopped", "qr"} {
		if err := r.center.Handle(ctx, statusEvent(t, "evt_"+st, t0, event.SessionStatusData{Status: st})); err != nil {
			t.Fatal(err)
		}
	}
	if len(r.store.byID) != 1 {
		t.Errorf("ready/stopped/qr statuses created notifications: %v", r.kinds())
	}
}

// A redelivery after the user read the notification publishes nothing: the live feed's duplicate window is
// minutes, and a frame rebuilt from the rule would show a read notification as new again.
func TestLateRedeliveryOfAReadNotificationPublishesNothing(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	m := statusEvent(t, "evt_ban", t0, event.SessionStatusData{Status: "banned", State: "disconnected", Timestamp: t0.Unix()})
	if err := r.center.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if len(r.pub.events) != 2 {
		t.Fatalf("published %d events, want one notification.created per user", len(r.pub.events))
	}
	var read string
	for id, n := range r.store.byID {
		if n.UserID == "usr_owner" {
			n.Read, read = true, id
			r.store.byID[id] = n
		}
	}
	r.pub.events = nil
	r.now = t0.Add(time.Hour)
	if err := r.center.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if len(r.pub.events) != 1 {
		t.Fatalf("published %d events on the late redelivery, want only the unread one's", len(r.pub.events))
	}
	var data notification.Notification
	if err := json.Unmarshal(r.pub.events[0].Data, &data); err != nil || data.ID == read || data.UserID != "usr_agent" || data.Read {
		t.Errorf("republished %s (%v), want the agent's unread notification only", r.pub.events[0].Data, err)
	}
}

func TestEachPermanentStatusHasItsKind(t *testing.T) {
	for st, kind := range map[string]notification.Kind{"logged_out": notification.KindSessionLoggedOut,
		"banned": notification.KindSessionBanned, "replaced": notification.KindSessionReplaced,
		"outdated": notification.KindSessionOutdated} {
		r := newRig()
		if err := r.center.Handle(context.Background(), statusEvent(t, "evt_1", t0, event.SessionStatusData{Status: st})); err != nil {
			t.Fatal(err)
		}
		if got := r.kinds(); len(got) != 2 || !slices.Equal(got["usr_owner"], []notification.Kind{kind}) {
			t.Errorf("%s: created %v, want %s for both users", st, got, kind)
		}
	}
}

func TestDisconnectionIsAPendingCheckCancelledByReconnecting(t *testing.T) {
	ctx := context.Background()
	drop := statusEvent(t, "evt_drop", t0, event.SessionStatusData{Status: "reconnecting", Reason: "keepalive timeout"})
	for _, c := range []struct {
		name    string
		session session.Session
		want    int
	}{
		{"still reconnecting", session.Session{Status: session.Reconnecting, UpdatedAt: t0}, 2},
		{"came back", session.Session{Status: session.Ready, UpdatedAt: t0.Add(10 * time.Second)}, 0},
		{"dropped again later (that drop has its own check)", session.Session{Status: session.Reconnecting, UpdatedAt: t0.Add(time.Minute)}, 0},
		{"logged out meanwhile (its own rule tells)", session.Session{Status: session.LoggedOut, UpdatedAt: t0.Add(time.Minute)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig()
			r.now = t0.Add(5 * time.Second)
			err := r.center.Handle(ctx, drop)
			var ra queue.RetryAfter
			if !errors.As(err, &ra) || ra.Delay < notification.DisconnectGrace-5*time.Second || ra.Delay > notification.DisconnectGrace {
				t.Fatalf("before the grace: %v, want a RetryAfter for the rest of %s", err, notification.DisconnectGrace)
			}
			if len(r.store.byID) != 0 {
				t.Fatalf("created before the grace ended: %v", r.kinds())
			}
			c.session.ID, c.session.TenantID = "ses_1", "ten_1"
			r.sessions["ses_1"] = c.session
			r.now = t0.Add(5*time.Second + ra.Delay)
			for range 2 {
				if err := r.center.Handle(ctx, drop); err != nil {
					t.Fatalf("at the check: %v", err)
				}
			}
			if len(r.store.byID) != c.want {
				t.Fatalf("created %v, want %d notifications", r.kinds(), c.want)
			}
			if c.want > 0 && r.kinds()["usr_agent"][0] != notification.KindSessionDisconnected {
				t.Errorf("created %v, want session.disconnected", r.kinds())
			}
		})
	}
	// A session deleted meanwhile: nothing, and no error.
	r := newRig()
	r.now = t0.Add(notification.DisconnectGrace)
	if err := r.center.Handle(ctx, drop); err != nil || len(r.store.byID) != 0 {
		t.Errorf("deleted session: %v, %v", err, r.kinds())
	}
	// The host's own retries (nextRetryAt) are not this rule's: the session runner reports them once per outage.
	retry := statusEvent(t, "evt_retry", t0, event.SessionStatusData{Status: "reconnecting", NextRetryAt: t0.Add(time.Minute).Unix()})
	if err := r.center.Handle(ctx, retry); err != nil {
		t.Errorf("reconnecting with nextRetryAt: %v, want nothing to check", err)
	}
}

func TestQRWaitingOncePerPairingAttempt(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	start := statusEvent(t, "evt_connecting", t0, event.SessionStatusData{Status: "connecting"})
	r.now = t0.Add(time.Second)
	var ra queue.RetryAfter
	if err := r.center.Handle(ctx, start); !errors.As(err, &ra) {
		t.Fatalf("pairing start: %v, want a pending check", err)
	}
	// QR rotations (qr statuses) schedule nothing.
	for i := range 3 {
		if err := r.center.Handle(ctx, statusEvent(t, "evt_qr"+string(rune('a'+i)), t0.Add(time.Duration(i)*20*time.Second),
			event.SessionStatusData{Status: "qr"})); err != nil {
			t.Fatalf("qr rotation: %v", err)
		}
	}
	r.sessions["ses_1"] = session.Session{ID: "ses_1", TenantID: "ten_1", Status: session.QR, QR: "2@abc", UpdatedAt: t0.Add(40 * time.Second)}
	r.now = t0.Add(notification.QRWait)
	if err := r.center.Handle(ctx, start); err != nil {
		t.Fatal(err)
	}
	if got := r.kinds(); len(r.store.byID) != 2 || got["usr_owner"][0] != notification.KindSessionQRWaiting {
		t.Fatalf("created %v, want one session.qr_waiting per user", got)
	}
	// A reconnect of a paired session (clientInfo) is not a pairing attempt; one that paired meanwhile is cancelled.
	r2 := newRig()
	r2.now = t0.Add(time.Hour)
	paired := statusEvent(t, "evt_c2", t0, event.SessionStatusData{Status: "connecting", ClientInfo: &event.ClientInfo{PhoneNumber: "966500000001"}})
	if err := r2.center.Handle(ctx, paired); err != nil || len(r2.store.byID) != 0 {
		t.Errorf("paired session connecting: %v, %v", err, r2.kinds())
	}
	r2.sessions["ses_1"] = session.Session{ID: "ses_1", TenantID: "ten_1", Status: session.Ready, Account: &session.Account{Phone: "966500000001"}}
	if err := r2.center.Handle(ctx, start); err != nil || len(r2.store.byID) != 0 {
		t.Errorf("pairing that finished before the wait: %v, %v", err, r2.kinds())
	}
}

func TestPreferencesNameEveryUnknownKindAndChangeNothing(t *testing.T) {
	ctx := context.Background()
	p := prefs{}
	svc := notification.Service{Store: &store{}, Preferences: p, Now: func() time.Time { return t0 }}
	user := writerPrincipal()
	_, err := svc.PutPreferences(ctx, user, notification.PreferencesInput{Muted: []notification.Kind{"session.banned", "nope", "x"}})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Validation {
		t.Fatalf("unknown kinds: %v, want a validation error", err)
	}
	fields := ae.Details.(map[string]any)["fields"].([]apperr.FieldError)
	if len(fields) != 2 || fields[0].Field != "muted[1]" || fields[1].Field != "muted[2]" {
		t.Errorf("fields %+v, want muted[1] and muted[2]", fields)
	}
	if _, err := svc.PutPreferences(ctx, user, notification.PreferencesInput{}); !apperr.Is(err, apperr.Validation) {
		t.Errorf("no muted list: %v, want a validation error", err)
	}
	if len(p) != 0 {
		t.Fatalf("refused input changed preferences: %v", p)
	}
	got, err := svc.PutPreferences(ctx, user, notification.PreferencesInput{Muted: []notification.Kind{"session.qr_waiting", "session.banned", "session.banned"}})
	if err != nil || !slices.Equal(got.Muted, []notification.Kind{notification.KindSessionBanned, notification.KindSessionQRWaiting}) {
		t.Fatalf("PutPreferences = %+v, %v; want banned, qr_waiting once each in the order of Kinds", got, err)
	}
	if !slices.Equal(p["usr_1"], got.Muted) {
		t.Errorf("stored %v for usr_1, want %v", p["usr_1"], got.Muted)
	}
	// The scopes (notifications:read, notifications:write) are the route table's to check
	// (TestRoutesRefuseCallersWithoutTheirScope in shared/httpapi).
}

// TestGoldenNotificationCreated pins notification.created as the center publishes it (WAQTOR_UPDATE_GOLDEN=1
// rewrites it).
func TestGoldenNotificationCreated(t *testing.T) {
	r := newRig()
	r.prefs["usr_agent"] = notification.Kinds
	m := statusEvent(t, "evt_01KGOLDENBAN00000000000000", t0, event.SessionStatusData{Status: "banned", State: "disconnected",
		Reason: "temporary ban", Until: t0.Add(time.Hour).Unix(), Timestamp: t0.Unix()})
	if err := r.center.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if len(r.pub.events) != 1 {
		t.Fatalf("published %d events, want 1", len(r.pub.events))
	}
	raw, err := event.Marshal(r.pub.events[0])
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	testkit.Golden(t, filepath.Join("testdata", "golden", "notification_created.json"), pretty.Bytes())
}

func writerPrincipal() auth.Principal {
	return auth.Principal{TenantID: "ten_1", UserID: "usr_1", KeyID: "key_2",
		Scopes: []auth.Scope{auth.ScopeNotificationsRead, auth.ScopeNotificationsWrite}}
}

func TestWebhookHealthEventsNotify(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	for _, c := range []struct {
		typ  string
		data any
		kind notification.Kind
		want string
	}{
		{event.WebhookFailing, event.WebhookFailingData{WebhookID: "whk_1", FailedDeliveries: 3, Since: t0.Unix(), LastCode: 503}, notification.KindWebhookFailing, notification.Error},
		{event.WebhookRecovered, event.WebhookRecoveredData{WebhookID: "whk_1", Since: t0.Unix()}, notification.KindWebhookRecovered, notification.Success},
	} {
		e, err := event.New("waqtor.webhooks", c.typ, "ten_1", t0, c.data)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(e.Bus("123456789012", "us-east-1"))
		for range 2 {
			if err := r.center.Handle(ctx, queue.Message{Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		for _, x := range r.store.byID {
			if x.Kind == c.kind {
				n++
				if x.Type != c.want || x.Link != "/settings/webhooks/whk_1" || x.Title == "" {
					t.Errorf("%s notification %+v", c.kind, x)
				}
			}
		}
		if n != 2 {
			t.Errorf("%s: %d notifications, want one per user", c.kind, n)
		}
	}
}

// The rules and the kinds users can mute stay one list: every rule's kind can be muted, every kind has its rule,
// and every rule looks at a catalog event type and can draft a complete notification.
func TestEveryKindHasItsRule(t *testing.T) {
	ruled := map[notification.Kind]bool{}
	for _, r := range notification.Rules {
		ruled[r.Kind] = true
		if !r.Kind.Valid() {
			t.Errorf("rule kind %s is not in notification.Kinds: users cannot mute it", r.Kind)
		}
		if r.Audience == (notification.Audience{}) {
			t.Errorf("rule %s has no audience", r.Kind)
		}
		if r.Source == "" { // a signal rule: no event, nothing to match or wait for
			if r.Match != nil || r.Wait != 0 || r.Still != nil || r.Draft == nil {
				t.Errorf("signal rule %s: Draft only (a signal is always the rule's fact)", r.Kind)
				continue
			}
		} else {
			if _, ok := event.Catalog[r.Source]; !ok {
				t.Errorf("rule %s looks at %q, which is not in the event catalog", r.Kind, r.Source)
			}
			if r.Match == nil || r.Draft == nil || (r.Wait > 0) != (r.Still != nil) {
				t.Errorf("rule %s: Match and Draft are required, and Still exactly when it waits", r.Kind)
				continue
			}
		}
		d := r.Draft(notification.Fact{Event: event.Envelope{SessionID: "ses_1", Time: t0}})
		if !slices.Contains([]string{notification.Info, notification.Success, notification.Warning, notification.Error}, d.Type) ||
			d.Title == "" || d.Message == "" || d.Icon == "" || d.Link == "" {
			t.Errorf("rule %s drafts %+v: want a type of the seed's, a title, a message, an icon and a link", r.Kind, d)
		}
	}
	for _, k := range notification.Kinds {
		if !ruled[k] {
			t.Errorf("kind %s has no rule", k)
		}
	}
}
