package dynamo_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestSessionStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunSession(t, func(t *testing.T) session.Store { return dynamo.NewSessionStore(client, newTable(t, client)) })
}

func TestMessageStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunMessage(t, func(t *testing.T) message.Store { return dynamo.NewMessageStore(client, newTable(t, client)) })
}

// TestSessionItemLayout pins the keys, index keys and TTLs of session, session set, reply and message items (see
// the package doc).
func TestSessionItemLayout(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	sessions, messages := dynamo.NewSessionStore(client, table), dynamo.NewMessageStore(client, table)
	ses := session.Session{ID: "ses_1", TenantID: "ten_a", Name: "Sales", Status: session.QR, CreatedAt: now, UpdatedAt: now,
		Account: &session.Account{Phone: "966501234567", DeviceJID: "966501234567:3@s.whatsapp.net"}}
	if _, err := sessions.CreateSession(ctx, ses); err != nil {
		t.Fatal(err)
	}
	expires := now.Add(time.Minute)
	if err := sessions.PutReply(ctx, "ten_a", "req_1", []byte("{}"), expires); err != nil {
		t.Fatal(err)
	}
	m := message.Message{ID: "3EB0AA", TenantID: "ten_a", SessionID: "ses_1", Direction: message.Outbound,
		ChatID: "966501234567@s.whatsapp.net", Chat: session.Address{Phone: "966501234567"}, Type: "text",
		Status: message.Pending, Timestamp: now, UpdatedAt: now}
	if _, err := messages.CreateMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	items := scanTable(t, client, table)
	if len(items) != 4 {
		t.Fatalf("table holds %d items, want 4: %v", len(items), slices.Collect(maps.Keys(items)))
	}
	ts := "2026-11-25T10:30:15.123456789Z"
	for _, want := range []struct {
		key    string
		entity string
		attrs  map[string]string
		ttl    int64
	}{
		{"TENANT#ten_a|SESSION#ses_1", "session", map[string]string{"gsi1pk": "SESSIONS", "gsi1sk": "ten_a#ses_1"}, 0},
		{"TENANT#ten_a|SESSIONSET", "sessionSet", map[string]string{"defaultId": "ses_1"}, 0},
		{"TENANT#ten_a|REPLY#req_1", "reply", nil, expires.Unix()},
		{"TENANT#ten_a|MSG#3EB0AA#ses_1", "message", map[string]string{
			"gsi1pk": "MSGS#ten_a", "gsi1sk": ts + "#3EB0AA#ses_1",
			"gsi2pk": "MSGS#ten_a#SES#ses_1", "gsi2sk": ts + "#3EB0AA#ses_1",
			"gsi3pk": "MSGS#ten_a#CHAT#966501234567@s.whatsapp.net", "gsi3sk": ts + "#3EB0AA#ses_1",
		}, now.Add(message.Retention).Unix()},
	} {
		it, ok := items[want.key]
		if !ok {
			t.Fatalf("no item %s", want.key)
		}
		if got := s(it["entity"]); got != want.entity {
			t.Errorf("%s: entity %q, want %q", want.key, got, want.entity)
		}
		for name, v := range want.attrs {
			if got := s(it[name]); got != v {
				t.Errorf("%s: %s = %q, want %q", want.key, name, got, v)
			}
		}
		if _, has := it["ttl"]; has != (want.ttl != 0) || has && n(t, it["ttl"]) != want.ttl {
			t.Errorf("%s: ttl %v, want %d", want.key, it["ttl"], want.ttl)
		}
	}
	acct, _ := items["TENANT#ten_a|SESSION#ses_1"]["account"].(*types.AttributeValueMemberM)
	if acct == nil || s(acct.Value["deviceJid"]) != "966501234567:3@s.whatsapp.net" {
		t.Fatalf("session item account %v lacks the device JID", items["TENANT#ten_a|SESSION#ses_1"]["account"])
	}
}

// writeHook runs a hook once, before the store's next PutItem or UpdateItem: the write then loses a race with it.
type writeHook struct {
	dynamo.Client
	before func()
}

func (c *writeHook) run() {
	if h := c.before; h != nil {
		c.before = nil
		h()
	}
}

func (c *writeHook) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.run()
	return c.Client.PutItem(ctx, in, opts...)
}

func (c *writeHook) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.run()
	return c.Client.UpdateItem(ctx, in, opts...)
}

// A status update racing the deletion that promotes its session to default keeps the promotion.
func TestUpdateStatusKeepsPromotion(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	plain := dynamo.NewSessionStore(client, table)
	first, err := plain.CreateSession(ctx, session.Session{ID: "ses_1", TenantID: "ten_a", Status: session.Ready, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	second, err := plain.CreateSession(ctx, session.Session{ID: "ses_2", TenantID: "ten_a", Status: session.Ready, CreatedAt: now.Add(time.Second), UpdatedAt: now})
	if err != nil || second.Default {
		t.Fatalf("second session: %+v, %v", second, err)
	}
	hooked := &writeHook{Client: client, before: func() {
		if err := plain.DeleteSession(ctx, "ten_a", first.ID); err != nil {
			t.Errorf("DeleteSession: %v", err)
		}
	}}
	got, err := dynamo.NewSessionStore(hooked, table).UpdateStatus(ctx, "ten_a", second.ID, session.Change{Status: session.Reconnecting}, now.Add(time.Minute))
	if err != nil || !got.Default || got.Status != session.Reconnecting {
		t.Fatalf("UpdateStatus racing the promotion = default %v status %s, %v; want default, reconnecting", got.Default, got.Status, err)
	}
	if def, err := plain.DefaultSession(ctx, "ten_a"); err != nil || def.ID != second.ID || !def.Default || def.Status != session.Reconnecting {
		t.Fatalf("DefaultSession = %+v, %v", def, err)
	}
}

// A receipt whose write loses a race with another receipt is applied again on top of it.
func TestApplyRetriesLostRace(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	plain := dynamo.NewMessageStore(client, table)
	m := message.Message{ID: "3EB0AA", TenantID: "ten_a", SessionID: "ses_1", Direction: message.Outbound, Type: "text",
		Status: message.Pending, Timeline: []message.Step{{Status: message.Pending, At: now}}, Timestamp: now, UpdatedAt: now}
	if _, err := plain.CreateMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	hooked := &writeHook{Client: client, before: func() {
		if _, _, err := plain.Apply(ctx, "ten_a", "ses_1", m.ID, message.Read, now.Add(3*time.Second), ""); err != nil {
			t.Errorf("Apply(read): %v", err)
		}
	}}
	got, changed, err := dynamo.NewMessageStore(hooked, table).Apply(ctx, "ten_a", "ses_1", m.ID, message.Delivered, now.Add(2*time.Second), "")
	if err != nil || !changed {
		t.Fatalf("Apply(delivered) = %v, %v", changed, err)
	}
	stored, _ := plain.GetMessage(ctx, "ten_a", m.ID)
	for what, x := range map[string]message.Message{"returned": got, "stored": stored} {
		if x.Status != message.Read || len(x.Timeline) != 3 || x.Timeline[1].Status != message.Delivered {
			t.Fatalf("%s message after the race: %s %+v; want read with pending, delivered, read", what, x.Status, x.Timeline)
		}
	}
}

func TestLeaseStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunLease(t, func(t *testing.T) session.LeaseStore { return dynamo.NewLeaseStore(client, newTable(t, client)) })
}
