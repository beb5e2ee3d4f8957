package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/storetest"
	"github.com/waqtor/waqtor/shared/webhook"
)

func TestWebhookStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store { return dynamo.NewWebhookStore(client, newTable(t, client)) })
}

// Through webhook.SealedStore the store keeps the contract, and its items hold no secret in plain text.
func TestWebhookStoreSealed(t *testing.T) {
	client := awstest.DynamoDB(t)
	ring, err := crypt.NewKeyring(crypt.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store {
		return webhook.SealedStore(dynamo.NewWebhookStore(client, newTable(t, client)), ring)
	})
	storetest.RunSealedWebhook(t, func(t *testing.T) (webhook.Store, storetest.RawWebhook) {
		table := newTable(t, client)
		return dynamo.NewWebhookStore(client, table), func(t *testing.T, tenantID, id string) string {
			// The whole item, straight from DynamoDB, as JSON.
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "TENANT#" + tenantID}, "sk": &types.AttributeValueMemberS{Value: "WEBHOOK#" + id}}})
			if err != nil || out.Item == nil {
				t.Fatalf("GetItem: %v, %v", out, err)
			}
			b, err := json.Marshal(out.Item)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	})
}

func TestNotificationStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunNotification(t, func(t *testing.T) notification.Store {
		return dynamo.NewNotificationStore(client, newTable(t, client))
	})
}

func TestNotificationPreferenceStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunNotificationPreferences(t, func(t *testing.T) notification.PreferenceStore {
		return dynamo.NewNotificationStore(client, newTable(t, client))
	})
}

// scanTable returns every item of the table as pk|sk -> item.
func scanTable(t *testing.T, client *dynamodb.Client, table string) map[string]map[string]types.AttributeValue {
	t.Helper()
	out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, it := range out.Items {
		items[s(it["pk"])+"|"+s(it["sk"])] = it
	}
	return items
}

func testWebhook(tenantID string) webhook.Webhook {
	return webhook.Webhook{ID: id.New("whk"), TenantID: tenantID, URL: "https://hooks.example", Events: []string{"*"},
		Policy: webhook.Policy{Schedule: "default"}, Enabled: true, CreatedAt: now, UpdatedAt: now}
}

func testDelivery(tenantID, webhookID string, expires time.Time) webhook.Delivery {
	return webhook.Delivery{ID: id.New("msg"), TenantID: tenantID, WebhookID: webhookID, EventID: id.New("evt"),
		Event: "message_received", Body: json.RawMessage(`{}`), Status: webhook.Pending, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: expires}
}

// TestWebhookItemLayout pins the keys, entities and TTLs of the webhook and notification items (see table.go).
func TestWebhookItemLayout(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	hooks, notes := dynamo.NewWebhookStore(client, table), dynamo.NewNotificationStore(client, table)
	w := testWebhook("ten_a")
	if err := hooks.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	expires := time.Now().Add(webhook.Retention).Truncate(time.Second).Add(123456789)
	d := testDelivery("ten_a", w.ID, expires)
	if _, _, err := hooks.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := hooks.AddAttempt(ctx, "ten_a", webhook.Attempt{DeliveryID: d.ID, N: 7, At: now}, expires); err != nil {
		t.Fatal(err)
	}
	mine := notification.Notification{ID: id.New("ntf"), TenantID: "ten_a", UserID: "usr_1", Type: notification.Info, CreatedAt: now}
	all := notification.Notification{ID: id.New("ntf"), TenantID: "ten_a", Type: notification.Info, CreatedAt: now}
	for _, n := range []notification.Notification{mine, all} {
		if _, err := notes.CreateNotification(ctx, n, expires); err != nil {
			t.Fatal(err)
		}
	}
	tp := "TENANT#ten_a"
	want := map[string]string{ // pk|sk -> entity
		tp + "|WEBHOOK#" + w.ID:         "webhook",
		tp + "|DLV#" + d.ID:             "delivery",
		tp + "|ATT#" + d.ID + "#000007": "attempt",
		tp + "|NTF#" + mine.ID:          "notification",
		tp + "|NTF#" + all.ID:           "notification",
	}
	items := scanTable(t, client, table)
	if len(items) != len(want) {
		t.Errorf("table has %d items, want %d: %v", len(items), len(want), items)
	}
	for pksk, entity := range want {
		it, ok := items[pksk]
		if !ok {
			t.Errorf("no item %s", pksk)
			continue
		}
		if got := s(it["entity"]); got != entity {
			t.Errorf("%s: entity %q, want %q", pksk, got, entity)
		}
		if entity == "webhook" {
			if _, ok := it["ttl"]; ok {
				t.Errorf("%s: an endpoint must not expire", pksk)
			}
			continue
		}
		if got := n(t, it["ttl"]); got != expires.Unix() {
			t.Errorf("%s: ttl %d, want %d", pksk, got, expires.Unix())
		}
	}
	wi := items[tp+"|WEBHOOK#"+w.ID]
	if n(t, wi["seq"]) != 1 || n(t, wi["version"]) != 1 {
		t.Errorf("webhook item seq %v, version %v; want 1 and 1", wi["seq"], wi["version"])
	}
	if _, ok := items[tp+"|NTF#"+all.ID]["userId"]; ok {
		t.Error("a tenant-wide notification has a userId attribute")
	}
	if got := s(items[tp+"|NTF#"+mine.ID]["userId"]); got != "usr_1" {
		t.Errorf("notification userId = %q", got)
	}
}

// racingClient runs race once, just before the store's first TransactWriteItems, and counts the transactions and
// reads. With returnOld it fills in the item of a failed Put condition the way DynamoDB does for
// ReturnValuesOnConditionCheckFailure (minidyn does not).
type racingClient struct {
	dynamo.Client
	race         func()
	returnOld    bool
	transactions int
	gets         int
}

func (c *racingClient) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if r := c.race; r != nil {
		c.race = nil
		r()
	}
	c.transactions++
	out, err := c.Client.TransactWriteItems(ctx, in, opts...)
	var tce *types.TransactionCanceledException
	if !c.returnOld || !errors.As(err, &tce) {
		return out, err
	}
	for i, r := range tce.CancellationReasons {
		put := in.TransactItems[i].Put
		if aws.ToString(r.Code) != "ConditionalCheckFailed" || put == nil ||
			put.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
			continue
		}
		old, gerr := c.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: put.TableName, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": put.Item["pk"], "sk": put.Item["sk"]}})
		if gerr != nil {
			return nil, gerr
		}
		tce.CancellationReasons[i].Item = old.Item
	}
	return out, err
}

func (c *racingClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets++
	return c.Client.GetItem(ctx, in, opts...)
}

// A CreateDelivery whose number another delivery took between the read and the transaction starts over with the
// next number: no number is given twice or skipped.
func TestCreateDeliveryLosesNoNumber(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	plain := dynamo.NewWebhookStore(client, table)
	w := testWebhook("ten_a")
	if err := plain.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	live := time.Now().Add(time.Hour)
	var first webhook.Delivery
	rc := &racingClient{Client: client, race: func() {
		var err error
		if first, _, err = plain.CreateDelivery(ctx, testDelivery("ten_a", w.ID, live)); err != nil {
			t.Errorf("racing CreateDelivery: %v", err)
		}
	}}
	got, created, err := dynamo.NewWebhookStore(rc, table).CreateDelivery(ctx, testDelivery("ten_a", w.ID, live))
	if err != nil || !created {
		t.Fatalf("CreateDelivery = %v, %v", created, err)
	}
	if first.Seq != 1 || got.Seq != 2 {
		t.Fatalf("seqs: racing %d, ours %d; want 1 and 2", first.Seq, got.Seq)
	}
	if rc.transactions != 2 {
		t.Fatalf("our transactions = %d, want 2 (the first must fail on the endpoint's seq)", rc.transactions)
	}
	if stored, err := plain.GetDelivery(ctx, "ten_a", got.ID); err != nil || stored.Seq != 2 {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	if w, err := plain.GetWebhook(ctx, "ten_a", w.ID); err != nil || w.Seq != 2 {
		t.Fatalf("webhook seq = %d, %v; want 2", w.Seq, err)
	}
}

// CreateDelivery of an existing ID answers with the stored delivery whether or not the cancelled transaction
// carries the item (DynamoDB's does, minidyn's does not), reading it back only when it does not.
func TestCreateDeliveryExisting(t *testing.T) {
	for _, returnOld := range []bool{true, false} {
		t.Run(fmt.Sprintf("item returned %v", returnOld), func(t *testing.T) {
			client := awstest.DynamoDB(t)
			table := newTable(t, client)
			plain := dynamo.NewWebhookStore(client, table)
			w := testWebhook("ten_a")
			if err := plain.CreateWebhook(ctx, w); err != nil {
				t.Fatal(err)
			}
			d := testDelivery("ten_a", w.ID, time.Now().Add(time.Hour))
			if _, _, err := plain.CreateDelivery(ctx, d); err != nil {
				t.Fatal(err)
			}
			rc := &racingClient{Client: client, returnOld: returnOld}
			again := d
			again.Body = json.RawMessage(`{"other":true}`)
			got, created, err := dynamo.NewWebhookStore(rc, table).CreateDelivery(ctx, again)
			if err != nil || created || got.Seq != 1 || string(got.Body) != `{}` {
				t.Fatalf("CreateDelivery(existing) = %+v, %v, %v; want the stored one", got, created, err)
			}
			if rc.transactions != 1 {
				t.Fatalf("transactions = %d, want 1", rc.transactions)
			}
			wantGets := 2 // the endpoint, then the delivery
			if returnOld {
				wantGets = 1
			}
			if rc.gets != wantGets {
				t.Fatalf("reads = %d, want %d", rc.gets, wantGets)
			}
		})
	}
}

// UpdateWebhook never writes seq, so a delivery created between its read and its write neither makes it start
// over nor loses its number; a racing UpdateWebhook does make it start over.
func TestUpdateWebhookRaces(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	store := dynamo.NewWebhookStore(client, table)
	w := testWebhook("ten_a")
	if err := store.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	calls := 0
	got, err := store.UpdateWebhook(ctx, "ten_a", w.ID, func(w *webhook.Webhook) error {
		if calls++; calls == 1 {
			if _, _, err := store.CreateDelivery(ctx, testDelivery("ten_a", w.ID, time.Now().Add(time.Hour))); err != nil {
				return err
			}
		}
		w.Description += "+outer"
		return nil
	})
	if err != nil || calls != 1 || got.Seq != 1 || got.Description != "+outer" {
		t.Fatalf("UpdateWebhook racing CreateDelivery = %+v, %v after %d calls; want seq 1, one call", got, err, calls)
	}

	calls = 0
	got, err = store.UpdateWebhook(ctx, "ten_a", w.ID, func(w *webhook.Webhook) error {
		if calls++; calls == 1 {
			if _, err := store.UpdateWebhook(ctx, "ten_a", w.ID, func(w *webhook.Webhook) error {
				w.Description += "+inner"
				return nil
			}); err != nil {
				return err
			}
		}
		w.Description += "+outer"
		return nil
	})
	if err != nil || calls != 2 || got.Description != "+outer+inner+outer" || got.Seq != 1 {
		t.Fatalf("UpdateWebhook racing UpdateWebhook = %+v, %v after %d calls; want both changes, two calls", got, err, calls)
	}
	if stored, _ := store.GetWebhook(ctx, "ten_a", w.ID); stored.Description != got.Description || stored.Seq != 1 {
		t.Fatalf("stored %+v", stored)
	}
}

// Expired and invisible items are still read by the query (DynamoDB deletes expired ones lazily): a page reads on
// past any number of them.
func TestListsReadPastHiddenItems(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	hooks, notes := dynamo.NewWebhookStore(client, table), dynamo.NewNotificationStore(client, table)
	w := testWebhook("ten_a")
	if err := hooks.CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	live, gone := time.Now().Add(time.Hour), time.Now().Add(-time.Hour)
	var liveIDs, mineIDs []string
	for i := range 40 {
		exp := gone
		if i < 3 {
			exp = live
		}
		d := testDelivery("ten_a", w.ID, exp)
		if _, _, err := hooks.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		user := "usr_2"
		if i < 3 {
			liveIDs = append(liveIDs, d.ID)
			user = "usr_1"
		}
		n := notification.Notification{ID: id.New("ntf"), TenantID: "ten_a", UserID: user, Type: notification.Info, CreatedAt: now}
		if _, err := notes.CreateNotification(ctx, n, live); err != nil {
			t.Fatal(err)
		}
		if user == "usr_1" {
			mineIDs = append(mineIDs, n.ID)
		}
	}
	slices.Reverse(liveIDs)
	slices.Reverse(mineIDs)
	got, err := hooks.ListDeliveries(ctx, "ten_a", webhook.DeliveryFilter{Limit: 2})
	if err != nil || len(got) != 2 || got[0].ID != liveIDs[0] || got[1].ID != liveIDs[1] {
		t.Fatalf("ListDeliveries = %v, %v; want the two newest live ones %v", got, err, liveIDs[:2])
	}
	got, err = hooks.ListDeliveries(ctx, "ten_a", webhook.DeliveryFilter{Before: got[1].ID, Limit: 2})
	if err != nil || len(got) != 1 || got[0].ID != liveIDs[2] {
		t.Fatalf("ListDeliveries page 2 = %v, %v; want %v", got, err, liveIDs[2:])
	}
	ns, err := notes.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: 3})
	if err != nil || len(ns) != 3 || ns[0].ID != mineIDs[0] || ns[2].ID != mineIDs[2] {
		t.Fatalf("ListNotifications = %v, %v; want %v", ns, err, mineIDs)
	}
	if c, err := notes.CountUnread(ctx, "ten_a", "usr_2"); err != nil || c != 37 {
		t.Fatalf("CountUnread(usr_2) = %d, %v; want 37", c, err)
	}
}

// updateHook runs before once, just before the store's first UpdateItem, with the key it is about to update.
type updateHook struct {
	dynamo.Client
	before func(key map[string]types.AttributeValue)
}

func (c *updateHook) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if h := c.before; h != nil {
		c.before = nil
		h(in.Key)
	}
	return c.Client.UpdateItem(ctx, in, opts...)
}

// MarkAllRead counts only what it marked itself: a notification marked read or deleted between its query and its
// update is neither counted nor brought back.
func TestMarkAllReadRaces(t *testing.T) {
	tests := []struct {
		name      string
		meanwhile func(s *dynamo.NotificationStore, id string) error
		left      int
	}{
		{"marked read meanwhile", func(s *dynamo.NotificationStore, id string) error { return s.MarkRead(ctx, "ten_a", "usr_1", id) }, 3},
		{"deleted meanwhile", func(s *dynamo.NotificationStore, id string) error {
			return s.DeleteNotification(ctx, "ten_a", "usr_1", id)
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := awstest.DynamoDB(t)
			table := newTable(t, client)
			plain := dynamo.NewNotificationStore(client, table)
			for range 3 {
				n := notification.Notification{ID: id.New("ntf"), TenantID: "ten_a", UserID: "usr_1", Type: notification.Info, CreatedAt: now}
				if _, err := plain.CreateNotification(ctx, n, time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			hook := &updateHook{Client: client, before: func(key map[string]types.AttributeValue) {
				if err := tt.meanwhile(plain, strings.TrimPrefix(s(key["sk"]), "NTF#")); err != nil {
					t.Errorf("meanwhile: %v", err)
				}
			}}
			if n, err := dynamo.NewNotificationStore(hook, table).MarkAllRead(ctx, "ten_a", "usr_1"); err != nil || n != 2 {
				t.Fatalf("MarkAllRead = %d, %v; want 2", n, err)
			}
			list, err := plain.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tt.left {
				t.Fatalf("%d notifications, want %d: %v", len(list), tt.left, list)
			}
			for _, n := range list {
				if !n.Read {
					t.Fatalf("unread after MarkAllRead: %+v", n)
				}
			}
			if items := scanTable(t, client, table); len(items) != tt.left {
				t.Fatalf("table holds %d items, want %d (nothing brought back)", len(items), tt.left)
			}
		})
	}
}
