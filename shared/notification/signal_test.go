package notification_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// threeUsers makes the rig's tenant an owner, a member (usr_agent) and another member (usr_other).
func threeUsers(r *rig) {
	r.center.Users = notification.UsersFunc(func(context.Context, string) ([]notification.Member, error) {
		return []notification.Member{{ID: "usr_owner", Role: auth.Owner}, {ID: "usr_agent", Role: auth.Member},
			{ID: "usr_other", Role: auth.Member}}, nil
	})
}

func (r *rig) of(kind notification.Kind) map[string]notification.Notification { // user -> notification of kind
	out := map[string]notification.Notification{}
	for _, n := range r.store.byID {
		if n.Kind == kind {
			out[n.UserID] = n
		}
	}
	return out
}

func usersOf(m map[string]notification.Notification) []string {
	var out []string
	for u := range m {
		out = append(out, u)
	}
	slices.Sort(out)
	return out
}

// Every signal rule: its audience gets one notification each, raising the signal again creates nothing new (and
// publishes the same notification.created), and a user who muted the kind gets none.
func TestSignalsGoThroughTheRules(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		signal  notification.Signal
		users   []string // the audience
		typ     string
		link    string
		message string
	}{
		{notification.Signal{Kind: notification.KindSessionUnreachable, SessionID: "ses_1",
			Unreachable: notification.UnreachableData{Reason: "cannot reach WhatsApp (dns: no such host)"}},
			[]string{"usr_agent", "usr_other", "usr_owner"}, notification.Warning, "/sessions/ses_1", `"Sales" (ses_1) cannot reach WhatsApp`},
		{notification.Signal{Kind: notification.KindWebhookDisabled, Disabled: notification.DisabledData{WebhookID: "whk_1", Gone: true}},
			[]string{"usr_agent", "usr_other", "usr_owner"}, notification.Error, "/settings/webhooks/whk_1", "410 Gone"},
		{notification.Signal{Kind: notification.KindWebhookDisabled, Disabled: notification.DisabledData{WebhookID: "whk_1", FailingHours: 120}},
			[]string{"usr_agent", "usr_other", "usr_owner"}, notification.Error, "/settings/webhooks/whk_1", "more than 120 hours"},
		{notification.Signal{Kind: notification.KindDeliveryFailed, DeliveryFailed: notification.DeliveryFailedData{WebhookID: "whk_1",
			DeliveryID: "dlv_1", Event: "message_received", Attempts: 3, Error: "HTTP 500"}},
			[]string{"usr_agent", "usr_other", "usr_owner"}, notification.Error, "/settings/webhooks/whk_1/deliveries/dlv_1",
			"delivery dlv_1 to endpoint whk_1 failed after 3 attempt(s): HTTP 500"},
		// The account's user (a member) and who may manage users (the owner); not the other member.
		{notification.Signal{Kind: notification.KindSignInPaused, UserID: "usr_agent", SignInPaused: notification.SignInPausedData{
			Email: "agent@a.example", Failures: 5, Until: t0.Add(30*time.Second + time.Millisecond)}},
			[]string{"usr_agent", "usr_owner"}, notification.Warning, "", "5 failed sign-in attempts"},
	} {
		t.Run(string(c.signal.Kind), func(t *testing.T) {
			r := newRig()
			threeUsers(r)
			r.sessions["ses_1"] = session.Session{ID: "ses_1", TenantID: "ten_1", Name: "Sales"}
			s := c.signal
			s.TenantID, s.Key, s.Time = "ten_1", "fact-1", t0
			for range 2 {
				if err := r.center.Raise(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			got := r.of(s.Kind)
			if !slices.Equal(usersOf(got), c.users) || len(r.store.byID) != len(c.users) {
				t.Fatalf("notifications %v, want one %s each for %v", r.kinds(), s.Kind, c.users)
			}
			for u, n := range got {
				if n.Type != c.typ || n.Title == "" || n.Icon == "" || !strings.Contains(n.Message, c.message) ||
					(c.link != "" && n.Link != c.link) || !n.CreatedAt.Equal(t0) || n.TenantID != "ten_1" {
					t.Errorf("%s's notification %+v: want a %s linking %q saying %q", u, n, c.typ, c.link, c.message)
				}
			}
			// Each was published, twice with the same event ID (once per raise).
			if len(r.pub.events) != 2*len(c.users) {
				t.Fatalf("published %d events, want %d", len(r.pub.events), 2*len(c.users))
			}
			half := len(c.users)
			for i, e := range r.pub.events[:half] {
				var n notification.Notification
				if err := json.Unmarshal(e.Data, &n); err != nil || e.Type != event.NotificationCreated ||
					got[n.UserID].ID != n.ID || r.pub.events[half+i].ID != e.ID {
					t.Errorf("published %+v (%v): want notification.created of a stored notification, the same on repeat", e, err)
				}
			}
			// Muted: none for that user; another fact of the kind notifies the others.
			r.prefs["usr_owner"] = []notification.Kind{s.Kind}
			s.Key = "fact-2"
			if err := r.center.Raise(ctx, s); err != nil {
				t.Fatal(err)
			}
			if n := len(r.store.byID); n != 2*len(c.users)-1 {
				t.Errorf("%d notifications after a second fact with usr_owner muting %s, want %d", n, s.Kind, 2*len(c.users)-1)
			}
		})
	}
}

// The account's user reads of their own account and a manager of whose; a manager whose own account it is gets one
// notification, the first row's.
func TestSignInPausedSaysWhoseAccount(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	threeUsers(r)
	s := notification.Signal{Kind: notification.KindSignInPaused, TenantID: "ten_1", Key: "lock-1", Time: t0, UserID: "usr_agent",
		SignInPaused: notification.SignInPausedData{Email: "agent@a.example", Failures: 5, Until: t0.Add(30*time.Second + time.Millisecond)}}
	if err := r.center.Raise(ctx, s); err != nil {
		t.Fatal(err)
	}
	got := r.of(notification.KindSignInPaused)
	if m := got["usr_agent"].Message; !strings.Contains(m, "your account") || !strings.Contains(m, "2026-12-03 09:00:31 UTC") ||
		got["usr_agent"].Link != "/profile" {
		t.Errorf("the user's own: %+v; want their account, paused until the lock's end rounded up, linking their profile", got["usr_agent"])
	}
	if m := got["usr_owner"].Message; !strings.Contains(m, "the account of agent@a.example") || got["usr_owner"].Link != "/settings/users" {
		t.Errorf("the owner's: %+v; want whose account, linking the users page", got["usr_owner"])
	}
	r2 := newRig()
	threeUsers(r2)
	s.UserID, s.SignInPaused.Email = "usr_owner", "owner@a.example"
	if err := r2.center.Raise(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := r2.of(notification.KindSignInPaused); len(r2.store.byID) != 1 || !strings.Contains(got["usr_owner"].Message, "your account") ||
		len(r2.pub.events) != 1 {
		t.Errorf("the owner's own lock: %v (%d published); want one notification, of their own account", r2.kinds(), len(r2.pub.events))
	}
}

func TestRaiseRefusesWhatNoRuleTakes(t *testing.T) {
	r := newRig()
	for _, s := range []notification.Signal{
		{Kind: notification.KindSessionBanned, TenantID: "ten_1", Key: "k", Time: t0}, // an event rule's kind
		{Kind: "nope", TenantID: "ten_1", Key: "k", Time: t0},
		{Kind: notification.KindWebhookDisabled, TenantID: "ten_1", Time: t0}, // no key: no idempotency
	} {
		if err := r.center.Raise(context.Background(), s); err == nil {
			t.Errorf("Raise(%+v) = nil, want an error", s)
		}
	}
	if len(r.store.byID) != 0 {
		t.Errorf("created %v", r.kinds())
	}
}

func TestAudiencesByRole(t *testing.T) {
	for _, c := range []struct {
		a       notification.Audience
		role    auth.Role
		subject bool
		want    bool
	}{
		{notification.Audience{Scope: auth.ScopeSessionsRead}, auth.Member, false, true},
		{notification.Audience{Scope: auth.ScopeUsersWrite}, auth.Member, false, false},
		{notification.Audience{Scope: auth.ScopeUsersWrite}, auth.Admin, false, true},
		{notification.Audience{Subject: true}, auth.Member, true, true},
		{notification.Audience{Subject: true}, auth.Owner, false, false},
		{notification.Audience{Scope: auth.ScopeSessionsRead}, "", false, false}, // no role, no scopes
	} {
		if got := c.a.Includes(c.role, c.subject); got != c.want {
			t.Errorf("%+v includes %s (subject %v) = %v, want %v", c.a, c.role, c.subject, got, c.want)
		}
	}
}

// Session notifications name the session (the center reads it before drafting); a session deleted meanwhile is
// named by its ID.
func TestSessionNotificationsNameTheSession(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	r.sessions["ses_1"] = session.Session{ID: "ses_1", TenantID: "ten_1", Name: "Sales line"}
	ban := statusEvent(t, "evt_ban", t0, event.SessionStatusData{Status: "banned"})
	if err := r.center.Handle(ctx, ban); err != nil {
		t.Fatal(err)
	}
	for _, n := range r.store.byID {
		if !strings.Contains(n.Message, `session "Sales line" (ses_1)`) {
			t.Errorf("message %q, want the session's name and ID", n.Message)
		}
	}
	r2 := newRig()
	if err := r2.center.Handle(ctx, ban); err != nil || len(r2.store.byID) != 2 {
		t.Fatalf("deleted session: %v, %v", err, r2.kinds())
	}
	for _, n := range r2.store.byID {
		if !strings.Contains(n.Message, "session ses_1") {
			t.Errorf("message %q, want the session's ID", n.Message)
		}
	}
}

type failingSessions struct{}

func (failingSessions) GetSession(context.Context, string, string) (session.Session, error) {
	return session.Session{}, errors.New("store down")
}

// A store failure reading the session makes the event come back (nothing created), rather than a notification
// without the name.
func TestSessionReadFailureRetries(t *testing.T) {
	r := newRig()
	r.center.Sessions = failingSessions{}
	err := r.center.Handle(context.Background(), statusEvent(t, "evt_ban", t0, event.SessionStatusData{Status: "banned"}))
	if _, planned := queue.AsRetryAfter(err); err == nil || planned || len(r.store.byID) != 0 {
		t.Errorf("Handle = %v with %v created, want an error and nothing created", err, r.kinds())
	}
}

// user.deleted removes the user's own notifications and preferences, not the others'.
func TestUserDeletedForgetsTheirNotifications(t *testing.T) {
	ctx := context.Background()
	r := newRig()
	r.prefs["usr_agent"] = []notification.Kind{notification.KindWebhookFailing}
	r.prefs["usr_owner"] = []notification.Kind{notification.KindWebhookRecovered}
	if err := r.center.Handle(ctx, statusEvent(t, "evt_ban", t0, event.SessionStatusData{Status: "banned"})); err != nil {
		t.Fatal(err)
	}
	e, err := event.New("waqtor.api", event.UserDeleted, "ten_1", t0, map[string]any{"userId": "usr_agent", "role": "member",
		"disabled": false, "actorId": "usr_owner"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(e.Bus("123456789012", "us-east-1"))
	for range 2 { // again: nothing left, no error
		if err := r.center.Handle(ctx, queue.Message{Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.kinds(); len(got["usr_agent"]) != 0 || len(got["usr_owner"]) != 1 {
		t.Errorf("after deleting usr_agent: %v, want usr_owner's only", got)
	}
	if _, ok := r.prefs["usr_agent"]; ok || len(r.prefs["usr_owner"]) != 1 {
		t.Errorf("preferences %v, want usr_owner's only", r.prefs)
	}
	if !slices.Contains(notification.Sources(), event.UserDeleted) {
		t.Errorf("Sources() = %v: the notifications route must take user.deleted", notification.Sources())
	}
}
