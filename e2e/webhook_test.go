package e2e_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/webhook"
)

// hookHit is one request the test's webhook receiver got.
type hookHit struct {
	at        time.Time
	webhookID string
	signature string
	body      []byte
	status    int
}

// TestAWSWebhooks runs the webhook pipeline's Lambda bootstraps, built from functions/, under aws-lambda-rie:
// an event put on the bus through the EventBridge publisher (as the API and session host publish) follows the
// "webhooks" rule to the webhook-router queue, the webhook-router function fans it out into a delivery in DynamoDB
// and a job on the webhook-deliveries queue, and the webhook-deliver function posts it to a real HTTP receiver on
// 127.0.0.1 (allowed by WAQTOR_WEBHOOK_ALLOW). The receiver first answers 503, so the deliverer schedules the
// retry by changing the job's visibility (on the queue URL derived from the record's ARN); the retry gets 200.
// Then an endpoint of another tenant answers 410 Gone: the deliverer disables it and raises its notification
// through the notification center, which addresses it to that tenant's users in DynamoDB and publishes it.
func TestAWSWebhooks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	built := make(chan map[string]string, 1)
	go func() { built <- buildFunctions(t, "functions/webhook-router", "functions/webhook-deliver") }()

	var mu sync.Mutex
	var hits []hookHit
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		status := http.StatusOK
		switch {
		case r.URL.Path == "/gone":
			status = http.StatusGone
		case len(hits) == 0:
			status = http.StatusServiceUnavailable
		}
		hits = append(hits, hookHit{at: time.Now(), webhookID: r.Header.Get("Webhook-Id"),
			signature: r.Header.Get("X-Waqtor-Signature"), body: body, status: status})
		w.WriteHeader(status)
	}))
	defer receiver.Close()
	received := func() []hookHit {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(hits)
	}

	ddb, sqsEndpoint, sqsClient, eb := startBusWorld(t, ctx)

	// Two endpoints of the tenant: one subscribed to the event, one to another; and one of another tenant.
	store := dynamo.NewWebhookStore(ddb, table)
	now := time.Now().UTC()
	secret := webhook.NewSecret()
	newHook := func(tenantID string, events ...string) webhook.Webhook {
		w := webhook.Webhook{ID: id.New("whk"), TenantID: tenantID, URL: receiver.URL + "/hooks/waqtor", Events: events,
			Enabled: true, Secrets: []webhook.Secret{{Value: secret, CreatedAt: now}},
			Policy:    webhook.Policy{Schedule: webhook.ScheduleDefault, TimeoutMS: 2000, MaxConcurrency: 4, DisableAfterHours: 120},
			CreatedAt: now, UpdatedAt: now}
		if err := store.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	hook := newHook("ten_1", "message_received")
	newHook("ten_1", "campaign_completed")
	newHook("ten_2", "*")

	env := []string{
		"WAQTOR_TABLE=" + table,
		"WAQTOR_EVENT_BUS=" + bus,
		"WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=arn:aws:secretsmanager:us-east-1:" + awstest.Account + ":secret:" + prefix + "token-secret",
		"WAQTOR_DASHBOARD_ORIGIN=" + dashboardOrigin,
		"WAQTOR_WEBHOOK_ALLOW=127.0.0.1/32",
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + eb.URL,
	}
	bins := awaitBuild(t, ctx, built)
	routerFn := startFunction(t, bins, "webhook-router", 30, 128, env)
	deliverFn := startFunction(t, bins, "webhook-deliver", 60, 256, env)
	routerPoll := awstest.PollSQS(t, ctx, sqsClient, queueURL(t, sqsClient, webhook.RouterQueue), routerFn, auditBatchSize)
	deliverPoll := awstest.PollSQS(t, ctx, sqsClient, queueURL(t, sqsClient, webhook.DeliveriesQueue), deliverFn, auditBatchSize)

	// The session host's publisher on the bus.
	pub, err := eventbridge.New(eb.Client(), eventbridge.Config{BusName: bus})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := event.New("waqtor.session-host", event.MessageReceived, "ten_1", time.Now(),
		struct {
			From      string `json:"from"`
			Body      string `json:"body"`
			MessageID string `json:"messageId"`
			IsGroup   bool   `json:"isGroup"`
		}{"966501234567@s.whatsapp.net", "<hello> & welcome", "wamid.1", false})
	if err != nil {
		t.Fatal(err)
	}
	ev.SessionID = "ses_1"
	published := time.Now()
	if err := pub.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}

	deliveryID := webhook.DeliveryID(hook.ID, "message_received", ev.ID, ev.Time)
	var d webhook.Delivery
	testkit.UntilWhy(t, eventualDeadline, "the webhook delivered", func() (bool, string) {
		d, err = store.GetDelivery(ctx, "ten_1", deliveryID)
		if err != nil || d.Status != webhook.Delivered {
			return false, fmt.Sprintf("delivery %+v (%v); receiver got %d requests; router batches %+v; deliver batches %+v\n"+
				"router logs:\n%s\ndeliver logs:\n%s", d, err, len(received()), routerPoll.Batches(), deliverPoll.Batches(),
				routerFn.Logs(), deliverFn.Logs())
		}
		return true, ""
	})

	got := received()
	if len(got) != 2 || got[0].status != 503 || got[1].status != 200 {
		t.Fatalf("receiver got %d requests (%+v), want 503 then 200", len(got), got)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(d.Body)
	wantSig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	for i, h := range got {
		if h.webhookID != deliveryID || string(h.body) != string(d.Body) || h.signature != wantSig {
			t.Errorf("request %d: webhook-id %q signature %q body %s; want %q, the HMAC of the body, the stored body",
				i+1, h.webhookID, h.signature, h.body, deliveryID)
		}
	}
	wantBody := `{"event":"message_received","timestamp":"` + webhook.Timestamp(ev.Time) + `","data":{"from":"966501234567@s.whatsapp.net",` +
		`"body":"<hello> & welcome","messageId":"wamid.1","isGroup":false},"eventId":"` + ev.ID + `","sessionId":"ses_1"}`
	if string(d.Body) != wantBody {
		t.Errorf("body\n got  %s\n want %s", d.Body, wantBody)
	}
	// The retry came after the schedule's 1 s (±20%, whole seconds on SQS), not after the queue's 6 min visibility
	// timeout: the deliverer changed the job's visibility.
	if gap := got[1].at.Sub(got[0].at); gap < 800*time.Millisecond || gap > 5*time.Second {
		t.Errorf("the retry came %s after the first attempt, want about 1 s", gap)
	}
	attempts, err := store.ListAttempts(ctx, "ten_1", deliveryID)
	if err != nil || len(attempts) != 2 || attempts[0].StatusCode != 503 || attempts[1].StatusCode != 200 || d.Attempts != 2 {
		t.Errorf("attempts %+v (%v), delivery attempts %d; want 503 then 200", attempts, err, d.Attempts)
	}
	// Only the subscribed endpoint got a delivery.
	for _, tenantID := range []string{"ten_1", "ten_2"} {
		ds, err := store.ListDeliveries(ctx, tenantID, webhook.DeliveryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"ten_1": 1, "ten_2": 0}[tenantID]; len(ds) != want {
			t.Errorf("%s has %d deliveries, want %d", tenantID, len(ds), want)
		}
	}
	t.Logf("event to delivery (through a 503 and a 1 s retry): %s", got[1].at.Sub(published))

	// Both queues drain: the router's message and the job are deleted, and the job's first receive was failed
	// (batchItemFailures) so that it came back.
	testkit.UntilWhy(t, eventualDeadline, "the queues drained", func() (bool, string) {
		routed, jobs := 0, 0
		for _, b := range routerPoll.Batches() {
			routed += len(b.Deleted)
		}
		failedFirst := false
		for i, b := range deliverPoll.Batches() {
			jobs += len(b.Deleted)
			failedFirst = failedFirst || i == 0 && len(b.Failed) == 1
		}
		if routed != 1 || jobs != 1 || !failedFirst {
			return false, fmt.Sprintf("router deleted %d, deliver deleted %d (first batch failed: %v); want 1, 1, true",
				routed, jobs, failedFirst)
		}
		return true, ""
	})

	// An endpoint of tenant ten_3 (an owner and a member, who muted nothing) answers 410 Gone.
	ten, owner, member := ownerAndMember(t, ctx, ddb, "ten_3", "g")
	gone := newHook(ten.ID, "message_received")
	if _, err := store.UpdateWebhook(ctx, ten.ID, gone.ID, func(w *webhook.Webhook) error { w.URL = receiver.URL + "/gone"; return nil }); err != nil {
		t.Fatal(err)
	}
	ev3 := ev
	ev3.ID, ev3.TenantID = id.New("evt"), ten.ID
	if err := pub.Publish(ctx, ev3); err != nil {
		t.Fatal(err)
	}
	notes := dynamo.NewNotificationStore(ddb, table)
	kindsOf := func(userID string) []notification.Notification {
		ns, err := notes.ListNotifications(ctx, ten.ID, userID, notification.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	testkit.UntilWhy(t, eventualDeadline, "the disabled endpoint notified", func() (bool, string) {
		o, m := kindsOf(owner.ID), kindsOf(member.ID)
		if len(o) == 1 && len(m) == 1 {
			return true, ""
		}
		return false, fmt.Sprintf("owner %+v, member %+v; deliver batches %+v\ndeliver logs:\n%s", o, m,
			deliverPoll.Batches(), deliverFn.Logs())
	})
	published3 := map[string]bool{}
	for _, e := range eb.Entries() {
		if e.DetailType == event.NotificationCreated {
			published3[e.Detail] = true
		}
	}
	for _, u := range []string{owner.ID, member.ID} {
		var kinds []notification.Kind
		for _, n := range kindsOf(u) {
			kinds = append(kinds, n.Kind)
			if n.UserID != u || (n.Kind == notification.KindWebhookDisabled && n.Link != webhook.WebhookLink(gone.ID)) {
				t.Errorf("%s's notification %+v", u, n)
			}
			found := false
			for detail := range published3 {
				found = found || strings.Contains(detail, n.ID)
			}
			if !found {
				t.Errorf("%s's notification %s was not published as notification.created", u, n.ID)
			}
		}
		if !slices.Equal(kinds, []notification.Kind{notification.KindWebhookDisabled}) {
			t.Errorf("%s has %v, want webhook.disabled (a 410 disables; it is no failed-delivery notice)", u, kinds)
		}
	}
	if w, err := store.GetWebhook(ctx, ten.ID, gone.ID); err != nil || w.Enabled || w.DisabledReason != webhook.DisabledGone {
		t.Errorf("endpoint %+v (%v), want disabled (gone)", w, err)
	}
}
