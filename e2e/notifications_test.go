package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
)

// TestAWSNotifications runs the notifications Lambda bootstrap (functions/notifications) under aws-lambda-rie: a
// session.status event put on the bus follows the "notifications" rule to its queue; the function creates one
// notification per user who has not muted the kind, in DynamoDB, and publishes notification.created on the bus. The
// same event again creates nothing new. A reconnecting status is a pending check: the first receive sets the
// message's visibility to the rest of the grace period (ChangeMessageVisibility), and when it comes back with the
// session still reconnecting, the disconnection is notified.
func TestAWSNotifications(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	built := make(chan map[string]string, 1)
	go func() { built <- buildFunctions(t, "functions/notifications") }()

	ddb, sqsEndpoint, sqsClient, eb := startBusWorld(t, ctx)

	// A tenant with an owner and a member; the member muted session.banned.
	now := time.Now().UTC()
	ten, owner, member := ownerAndMember(t, ctx, ddb, "ten_n1", "n")
	notes := dynamo.NewNotificationStore(ddb, table)
	if err := notes.PutPreferences(ctx, notification.Preferences{TenantID: ten.ID, UserID: member.ID, UpdatedAt: now,
		Muted: []notification.Kind{notification.KindSessionBanned}}); err != nil {
		t.Fatal(err)
	}
	// A paired session that dropped its connection a little less than the grace period ago.
	sessions := dynamo.NewSessionStore(ddb, table)
	dropped := now.Add(-notification.DisconnectGrace + 3*time.Second)
	s, err := sessions.CreateSession(ctx, session.Session{ID: "ses_n1", TenantID: ten.ID, Name: "Support", Status: session.Connecting,
		CreatedAt: dropped.Add(-time.Hour), UpdatedAt: dropped.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.UpdateStatus(ctx, ten.ID, s.ID, session.Change{Status: session.Reconnecting, Reason: "keepalive timeout"}, dropped); err != nil {
		t.Fatal(err)
	}

	env := []string{
		"WAQTOR_TABLE=" + table,
		"WAQTOR_EVENT_BUS=" + bus,
		"WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=arn:aws:secretsmanager:us-east-1:" + awstest.Account + ":secret:" + prefix + "token-secret",
		"WAQTOR_DASHBOARD_ORIGIN=" + dashboardOrigin,
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + eb.URL,
	}
	bins := awaitBuild(t, ctx, built)
	fn := startFunction(t, bins, "notifications", 10, 128, env)
	poll := awstest.PollSQS(t, ctx, sqsClient, queueURL(t, sqsClient, "notifications"), fn, auditBatchSize)

	pub, err := eventbridge.New(eb.Client(), eventbridge.Config{BusName: bus})
	if err != nil {
		t.Fatal(err)
	}
	status := func(at time.Time, d event.SessionStatusData) event.Envelope {
		e, err := event.New("waqtor.session-host", event.SessionStatus, ten.ID, at, d)
		if err != nil {
			t.Fatal(err)
		}
		e.SessionID = s.ID
		return e
	}
	ban := status(now, event.SessionStatusData{Status: "banned", State: "auth_failure", Reason: "temporary ban", Timestamp: now.Unix()})
	drop := status(dropped, event.SessionStatusData{Status: "reconnecting", State: "connecting", Reason: "keepalive timeout", Timestamp: dropped.Unix()})
	published := time.Now()
	if err := pub.Publish(ctx, ban, drop); err != nil {
		t.Fatal(err)
	}

	list := func(userID string) []notification.Notification {
		ns, err := notes.ListNotifications(ctx, ten.ID, userID, notification.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	kinds := func(userID string) []notification.Kind {
		var out []notification.Kind
		for _, n := range list(userID) {
			out = append(out, n.Kind)
		}
		return out
	}
	created := func() []awstest.EventBridgeEntry {
		var out []awstest.EventBridgeEntry
		for _, e := range eb.Entries() {
			if e.DetailType == event.NotificationCreated {
				out = append(out, e)
			}
		}
		return out
	}
	testkit.UntilWhy(t, eventualDeadline, "the ban notified", func() (bool, string) {
		if len(list(owner.ID)) == 1 && len(created()) == 1 {
			return true, ""
		}
		return false, fmt.Sprintf("owner %v, member %v; notification.created %d; batches %+v\nlogs:\n%s",
			kinds(owner.ID), kinds(member.ID), len(created()), poll.Batches(), fn.Logs())
	})
	n := list(owner.ID)[0]
	if n.Kind != notification.KindSessionBanned || n.UserID != owner.ID || n.Type != notification.Error || n.Link != "/sessions/"+s.ID ||
		!strings.Contains(n.Message, `session "Support" (`+s.ID+`)`) {
		t.Fatalf("the owner's notification %+v", n)
	}
	if got := created()[0]; got.Source != notification.Source || !strings.Contains(got.Detail, n.ID) {
		t.Fatalf("notification.created %+v, want the owner's notification %s", got, n.ID)
	}
	if got := kinds(member.ID); len(got) != 0 {
		t.Fatalf("the member muted session.banned but has %v", got)
	}

	// The pending check comes back after the rest of the grace (about 3 s; not the queue's 60 s visibility),
	// finds the session still reconnecting, and tells both users. The ban, published again meanwhile, creates
	// nothing new.
	if err := pub.Publish(ctx, ban); err != nil {
		t.Fatal(err)
	}
	testkit.UntilWhy(t, 30*time.Second, "the disconnection notified", func() (bool, string) {
		if len(list(owner.ID)) == 2 && len(list(member.ID)) == 1 {
			return true, ""
		}
		return false, fmt.Sprintf("owner %v, member %v; batches %+v\nlogs:\n%s", kinds(owner.ID), kinds(member.ID),
			poll.Batches(), fn.Logs())
	})
	if got := kinds(member.ID); got[0] != notification.KindSessionDisconnected {
		t.Fatalf("the member has %v, want session.disconnected", got)
	}
	if waited := time.Since(published); waited < 2*time.Second {
		t.Errorf("the disconnection was notified %s after the event, before its grace ended", waited)
	}
	failedFirst := false
	for _, b := range poll.Batches() {
		failedFirst = failedFirst || len(b.Failed) > 0
	}
	if !failedFirst {
		t.Errorf("no batch reported the pending check as failed (it must come back): %+v", poll.Batches())
	}
	testkit.UntilWhy(t, eventualDeadline, "the queue drained", func() (bool, string) {
		deleted := 0
		for _, b := range poll.Batches() {
			deleted += len(b.Deleted)
		}
		if deleted == 3 && len(list(owner.ID)) == 2 {
			return true, ""
		}
		return false, fmt.Sprintf("deleted %d messages, want 3 (the ban twice, the check); owner %v", deleted, kinds(owner.ID))
	})

	// The member is deleted: user.deleted follows the same rule to the same function, which deletes the member's
	// notifications and preferences and leaves the owner's.
	gone, err := event.New("waqtor.api", event.UserDeleted, ten.ID, time.Now(), map[string]any{"userId": member.ID,
		"role": "member", "disabled": false, "actorId": owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, gone); err != nil {
		t.Fatal(err)
	}
	testkit.UntilWhy(t, eventualDeadline, "the member's notifications deleted", func() (bool, string) {
		p, err := notes.GetPreferences(ctx, ten.ID, member.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list(member.ID)) == 0 && len(p.Muted) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("member %v, muted %v; batches %+v\nlogs:\n%s", kinds(member.ID), p.Muted, poll.Batches(), fn.Logs())
	})
	if got := kinds(owner.ID); len(got) != 2 {
		t.Fatalf("the owner has %v after the member's deletion, want their 2", got)
	}
}

// ownerAndMember stores tenant tenantID with an owner (usr_<tag>_owner, owner@<tag>.example) and a member
// (usr_<tag>_member) in the table, as signing up and adding a user would.
func ownerAndMember(t *testing.T, ctx context.Context, ddb *dynamodb.Client, tenantID, tag string) (ten tenant.Tenant, owner, member tenant.User) {
	t.Helper()
	now := time.Now().UTC()
	tenants := dynamo.NewTenantStore(ddb, table)
	ten = tenant.Tenant{ID: tenantID, Name: "Tenant " + tag, Plan: "free", CreatedAt: now}
	owner = tenant.User{ID: "usr_" + tag + "_owner", TenantID: tenantID, Email: "owner@" + tag + ".example", Role: auth.Owner,
		CreatedAt: now, UpdatedAt: now}
	member = tenant.User{ID: "usr_" + tag + "_member", TenantID: tenantID, Email: "member@" + tag + ".example", Role: auth.Member,
		CreatedAt: now, UpdatedAt: now}
	if err := tenants.CreateTenant(ctx, ten, owner); err != nil {
		t.Fatal(err)
	}
	if err := tenants.CreateUser(ctx, member); err != nil {
		t.Fatal(err)
	}
	return ten, owner, member
}
