package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/testkit"
)

// TestAWSBanReachesTheBell follows one notification through the AWS runtime, every function built from functions/
// and run under aws-lambda-rie on the emulators (liveWorld plus the notifications function): a session of tenant
// Alpha is banned, and the session host's session.status event (stored and published as the host does it:
// sessionrunner.StatusData, source waqtor.session-host; no host runs here) goes on the bus. The routing table's
// "notifications" rule takes it to the notifications function, which creates one notification per user who has
// not muted session.banned and publishes notification.created; the "realtime" rule takes those to ws-push, which
// posts a frame on the notifications topic to the addressee's connections. Each user of both tenants connected
// with a ticket and subscribed to notifications: the owner and the admin of Alpha get exactly one frame each,
// with their own notification; Alpha's member who muted the kind and Beta's owner get nothing. Through the API
// function the owner's unread count is 1, then 0 after marking it read; the same ban event put on the bus again
// creates no notification and no frame, and leaves the read one read.
func TestAWSBanReachesTheBell(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	w := startLiveWorld(t, ctx, "functions/notifications")
	gw, ws, mgmt := w.gw, w.ws, w.mgmt
	notifyFn := startFunction(t, w.bins, "notifications", 10, 128, w.env)

	// Tenant Alpha: its owner, an admin and a member who muted session.banned; tenant Beta: its owner.
	owner := gw.signup(ctx, "Alpha", "owner@alpha.example")
	colleague := func(email string, role auth.Role) signedIn {
		const password = "another long enough password"
		gw.call(ctx, "POST", "/api/users", owner.auth(), fmt.Sprintf(`{"email":%q,"name":"Colleague","role":%q,"password":%q}`,
			email, role, password)).want(t, http.StatusCreated, nil)
		var s signedIn
		gw.call(ctx, "POST", "/api/auth/login", nil, fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)).
			want(t, http.StatusOK, &s)
		return s
	}
	admin := colleague("admin@alpha.example", auth.Admin)
	member := colleague("member@alpha.example", auth.Member)
	gw.call(ctx, "PUT", "/api/notifications/preferences", member.auth(), `{"muted":["session.banned"]}`).want(t, http.StatusOK, nil)
	other := gw.signup(ctx, "Beta", "owner@beta.example")

	var created struct{ Session struct{ ID string } }
	gw.call(ctx, "POST", "/api/sessions", owner.auth(), `{"name":"Support"}`).want(t, http.StatusCreated, &created)
	sessionID := created.Session.ID

	// Every user's bell: a connection opened with a ticket, subscribed to the notifications topic.
	users := map[string]signedIn{"alpha-owner=": owner, "alpha-admin=": admin, "alpha-member=": member, "beta-owner=": other}
	for _, c := range slices.Sorted(maps.Keys(users)) {
		if status, body := ws.open(ctx, c, w.ticket(ctx, users[c].auth())); status != http.StatusOK {
			t.Fatalf("$connect %s: %d %s", c, status, body)
		}
		ws.send(ctx, c, `{"type":"subscribe","ref":"bell","topics":["notifications"]}`)
		if got := ws.summary(c); !slices.Equal(got, []string{"ack:bell"}) {
			t.Fatalf("%s answered %v, want ack:bell", c, got)
		}
	}

	// The event source mappings of the two functions on the path.
	notifyPoll := awstest.PollSQS(t, ctx, w.sqs, queueURL(t, w.sqs, "notifications"), notifyFn, auditBatchSize)
	pushPoll := awstest.PollSQS(t, ctx, w.sqs, queueURL(t, w.sqs, "realtime-push"), w.push, 10)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("notifications function log:\n%s\nws-push log:\n%s", notifyFn.Logs(), w.push.Logs())
		}
	})
	// drained waits until poll's function has taken every event the bus routed to target so far.
	drained := func(what string, poll *awstest.SQSPoller, target string) {
		t.Helper()
		testkit.UntilWhy(t, eventualDeadline, what, func() (bool, string) {
			deleted := 0
			for _, b := range poll.Batches() {
				if b.Err != nil || len(b.Failed) > 0 {
					t.Fatalf("%s: a batch failed: %v %v", target, b.Err, b.Failed)
				}
				deleted += len(b.Deleted)
			}
			routed := routedTo(t, w.eb, target)
			return deleted == routed, fmt.Sprintf("%d of the %d events routed to %s taken", deleted, routed, target)
		})
	}

	// The host records the ban and publishes session.status.
	sessions := dynamo.NewSessionStore(w.ddb, table)
	now := time.Now().UTC()
	until := now.Add(time.Hour).Truncate(time.Second)
	banned, err := sessions.UpdateStatus(ctx, owner.Tenant.ID, sessionID, session.Change{Status: session.Banned,
		Reason: "temporary ban", Until: &until}, now)
	if err != nil {
		t.Fatal(err)
	}
	ban, err := event.New(sessionrunner.Source, event.SessionStatus, owner.Tenant.ID, now, sessionrunner.StatusData(banned, now))
	if err != nil {
		t.Fatal(err)
	}
	ban.SessionID = sessionID
	pub, err := eventbridge.New(w.eb.Client(), eventbridge.Config{BusName: bus})
	if err != nil {
		t.Fatal(err)
	}
	published := time.Now()
	if err := pub.Publish(ctx, ban); err != nil {
		t.Fatal(err)
	}

	testkit.UntilWhy(t, eventualDeadline, "the owner's and the admin's bells rang", func() (bool, string) {
		o, a := bellFrames(t, mgmt, "alpha-owner="), bellFrames(t, mgmt, "alpha-admin=")
		return len(o) > 0 && len(a) > 0, fmt.Sprintf("owner %d frames, admin %d; notification.created on the bus %d; "+
			"notifications batches %+v; ws-push batches %+v", len(o), len(a), len(createdOnBus(t, w.eb)),
			notifyPoll.Batches(), pushPoll.Batches())
	})
	rang := time.Since(published)
	// Nothing else is on its way: the notifications function took the ban, ws-push took all it published.
	drained("the notifications queue drained", notifyPoll, "notifications")
	drained("the realtime-push queue drained", pushPoll, "realtime-push")

	// Exactly one frame each, with the addressee's own notification, as the API lists it.
	listed := func(u signedIn) []notification.Notification {
		var page struct{ Data []notification.Notification }
		gw.call(ctx, "GET", "/api/notifications", u.auth(), "").want(t, http.StatusOK, &page)
		return page.Data
	}
	unread := func(u signedIn) int {
		var c struct{ Unread *int }
		gw.call(ctx, "GET", "/api/notifications/count", u.auth(), "").want(t, http.StatusOK, &c)
		if c.Unread == nil {
			t.Fatal("GET /api/notifications/count without unread")
		}
		return *c.Unread
	}
	bell := map[string]bellFrame{}
	for c, u := range map[string]signedIn{"alpha-owner=": owner, "alpha-admin=": admin} {
		frames := bellFrames(t, mgmt, c)
		if len(frames) != 1 {
			t.Fatalf("%s got %d notification frames, want exactly one: %+v", c, len(frames), frames)
		}
		f := frames[0]
		ns := listed(u)
		if len(ns) != 1 || f.Data.ID != ns[0].ID {
			t.Fatalf("%s: the frame carries notification %s, the API lists %+v", c, f.Data.ID, ns)
		}
		if f.Topic != realtime.TopicNotifications || f.Event != event.NotificationCreated || f.Data.UserID != u.User.ID ||
			f.Data.TenantID != owner.Tenant.ID || f.Data.Kind != notification.KindSessionBanned ||
			f.Data.Link != "/sessions/"+sessionID || f.Data.Read {
			t.Errorf("%s: frame %+v, want notification.created of %s's unread session.banned notification linking /sessions/%s",
				c, f, u.User.ID, sessionID)
		}
		bell[c] = f
	}
	if bell["alpha-owner="].Data.ID == bell["alpha-admin="].Data.ID {
		t.Errorf("the owner and the admin share notification %s: read state must be each user's own", bell["alpha-owner="].Data.ID)
	}
	for _, c := range []string{"alpha-member=", "beta-owner="} {
		if got := ws.summary(c); !slices.Equal(got, []string{"ack:bell"}) {
			t.Errorf("%s got %v, want nothing after its ack (muted / another tenant)", c, got)
		}
	}
	if ns := listed(member); len(ns) != 0 {
		t.Errorf("the member muted session.banned but has %+v", ns)
	}
	if ns := listed(other); len(ns) != 0 {
		t.Errorf("tenant Beta's owner has %+v", ns)
	}

	// One notification.created per user who has not muted the kind: the two frames' events.
	ids := createdOnBus(t, w.eb)
	if want := []string{bell["alpha-admin="].ID, bell["alpha-owner="].ID}; !slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want))) {
		t.Errorf("notification.created on the bus %v, want the frames' events %v", ids, want)
	}

	// The bell's count, then marking the notification read.
	if n := unread(owner); n != 1 {
		t.Fatalf("the owner's unread count %d, want 1", n)
	}
	ownerNote := bell["alpha-owner="].Data.ID
	gw.call(ctx, "POST", "/api/notifications/mark-read/"+ownerNote, owner.auth(), "").want(t, http.StatusOK, nil)
	if n := unread(owner); n != 0 {
		t.Fatalf("the owner's unread count after mark-read %d, want 0", n)
	}
	if n := unread(admin); n != 1 {
		t.Errorf("the admin's unread count %d after the owner read theirs, want 1", n)
	}

	// The same ban event again (a redelivery): no new notification, no new frame, and the read one stays read.
	if err := pub.Publish(ctx, ban); err != nil {
		t.Fatal(err)
	}
	testkit.UntilWhy(t, eventualDeadline, "the redelivered ban taken", func() (bool, string) {
		n := 0
		for _, e := range w.eb.Entries() {
			if e.DetailType == event.SessionStatus {
				n++
			}
		}
		return n == 2, fmt.Sprintf("%d session.status events on the bus", n)
	})
	drained("the notifications queue drained again", notifyPoll, "notifications")
	drained("the realtime-push queue drained again", pushPoll, "realtime-push")
	if again := createdOnBus(t, w.eb); !slices.Equal(slices.Compact(slices.Sorted(slices.Values(again))), slices.Sorted(slices.Values(ids))) {
		t.Errorf("notification.created on the bus after the redelivery %v, want only the first ones %v", again, ids)
	}
	for _, c := range []string{"alpha-owner=", "alpha-admin="} {
		if frames := bellFrames(t, mgmt, c); len(frames) != 1 {
			t.Errorf("%s has %d notification frames after the redelivery, want still one: %+v", c, len(frames), frames)
		}
	}
	for _, c := range []string{"alpha-member=", "beta-owner="} {
		if got := ws.summary(c); !slices.Equal(got, []string{"ack:bell"}) {
			t.Errorf("%s got %v after the redelivery, want nothing after its ack", c, got)
		}
	}
	if ns := listed(owner); len(ns) != 1 || ns[0].ID != ownerNote || !ns[0].Read {
		t.Errorf("the owner's notifications after the redelivery %+v, want only %s, read", ns, ownerNote)
	}
	if n := unread(owner); n != 0 {
		t.Errorf("the owner's unread count after the redelivery %d, want 0", n)
	}
	t.Logf("ban to bell: %s; whole test %s", rang.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// bellFrame is an event frame of the notifications topic.
type bellFrame struct {
	Type, Event, ID string
	Topic           realtime.Topic
	Data            notification.Notification
}

// bellFrames returns the notifications-topic event frames posted to conn.
func bellFrames(t *testing.T, mgmt *awstest.ManagementAPI, conn string) []bellFrame {
	t.Helper()
	var out []bellFrame
	for _, b := range mgmt.Frames(conn) {
		var f bellFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("frame to %s: %s: %v", conn, b, err)
		}
		if f.Type == "event" && f.Topic == realtime.TopicNotifications {
			out = append(out, f)
		}
	}
	return out
}

// createdOnBus returns the envelope IDs of the notification.created events put on the bus, in order.
func createdOnBus(t *testing.T, eb *awstest.EventBridge) []string {
	t.Helper()
	var out []string
	for _, e := range eb.Entries() {
		if e.DetailType != event.NotificationCreated {
			continue
		}
		var d struct{ ID string }
		if err := json.Unmarshal([]byte(e.Detail), &d); err != nil || d.ID == "" || e.Source != notification.Source {
			t.Fatalf("notification.created from %s: %s (%v)", e.Source, e.Detail, err)
		}
		out = append(out, d.ID)
	}
	return out
}

// routedTo counts the events on the bus that the routing table's rules sent to the queue target.
func routedTo(t *testing.T, eb *awstest.EventBridge, target string) int {
	t.Helper()
	n := 0
	for _, e := range eb.Entries() {
		for _, r := range routing.Table {
			if r.Target != target {
				continue
			}
			ok, err := eventpattern.MustCompile(r.Pattern).Match(e.Event)
			if err != nil {
				t.Fatalf("route %s on %s: %v", r.Name, e.Event, err)
			}
			if ok {
				n++
			}
		}
	}
	return n
}
