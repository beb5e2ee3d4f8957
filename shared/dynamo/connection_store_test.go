package dynamo_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

func ttlOf(t *testing.T, client *dynamodb.Client, table, pk, sk string) int64 {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil || out.Item == nil {
		t.Fatalf("item %s/%s: %v", pk, sk, err)
	}
	n, _ := out.Item["ttl"].(*types.AttributeValueMemberN)
	if n == nil {
		t.Fatalf("item %s/%s has no ttl", pk, sk)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Connections: both items carry the expiry as TTL; an update with a stale version is ErrConnectionChanged, one of
// a deleted connection ErrConnectionNotFound; an expired connection is not found even before DynamoDB deletes it.
func TestConnectionStore(t *testing.T) {
	ctx := context.Background()
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	s := dynamo.NewConnectionStore(client, table)
	now := time.Now().UTC().Truncate(time.Second)
	s.Now = func() time.Time { return now }
	c := wsgateway.Connection{ID: "abc=", Principal: auth.Principal{TenantID: "ten_1", UserID: "usr_1", Scopes: []auth.Scope{auth.ScopeMessagesRead}},
		ConnectedAt: now, ExpiresAt: now.Add(2 * time.Hour), Tokens: 20, Refilled: now}
	if err := s.PutConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
	want := now.Add(2*time.Hour).Unix() + 1
	if got := ttlOf(t, client, table, "TENANT#ten_1", "WSCONN#abc="); got != want {
		t.Errorf("connection ttl %d, want %d", got, want)
	}
	if got := ttlOf(t, client, table, "WSCONN#abc=", "WSCONN"); got != want {
		t.Errorf("lookup ttl %d, want %d", got, want)
	}
	got, err := s.GetConnection(ctx, "abc=")
	if err != nil || got.Principal.UserID != "usr_1" || got.Tokens != 20 || got.Version != 0 {
		t.Fatalf("GetConnection = %+v, %v", got, err)
	}
	got.Subs = realtime.Subscriptions{realtime.TopicMessages: {SessionID: "ses_1"}}
	got.Tokens = 12.5
	if err := s.UpdateConnection(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateConnection(ctx, got); !errors.Is(err, wsgateway.ErrConnectionChanged) {
		t.Errorf("stale update = %v, want ErrConnectionChanged", err)
	}
	again, _ := s.GetConnection(ctx, "abc=")
	if again.Version != 1 || again.Tokens != 12.5 || again.Subs[realtime.TopicMessages].SessionID != "ses_1" {
		t.Errorf("after the update: %+v", again)
	}
	if list, err := s.TenantConnections(ctx, "ten_1"); err != nil || len(list) != 1 {
		t.Errorf("TenantConnections = %v, %v", list, err)
	}
	if list, _ := s.TenantConnections(ctx, "ten_2"); len(list) != 0 {
		t.Errorf("another tenant's connections: %v", list)
	}
	s.Now = func() time.Time { return now.Add(3 * time.Hour) }
	if _, err := s.GetConnection(ctx, "abc="); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("expired connection: %v, want not found", err)
	}
	if list, _ := s.TenantConnections(ctx, "ten_1"); len(list) != 0 {
		t.Errorf("expired connections listed: %v", list)
	}
	s.Now = func() time.Time { return now }
	if err := s.DeleteConnection(ctx, "abc="); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnection(ctx, "abc="); err != nil {
		t.Errorf("second delete: %v", err)
	}
	if err := s.UpdateConnection(ctx, again); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("update of a deleted connection = %v, want ErrConnectionNotFound", err)
	}
}

// The window: frames in arrival order after lastId, at most max; a redelivered event reports whether it was
// pushed; items carry their expiry as TTL.
func TestFeedWindow(t *testing.T) {
	ctx := context.Background()
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	s := dynamo.NewConnectionStore(client, table)
	at := time.Now().UTC()
	var ids []string
	for i := range 5 {
		id := "evt_" + strconv.Itoa(9-i) // IDs out of order: the window keeps arrival order
		ids = append(ids, id)
		it := realtime.Item{TenantID: "ten_1", Type: "message.received", ID: id, Topic: realtime.TopicMessages, Frame: []byte(`{"n":` + strconv.Itoa(i) + `}`)}
		if pushed, err := s.AddRecent(ctx, it, at.Add(time.Duration(i)*time.Millisecond), at.Add(5*time.Minute)); err != nil || pushed {
			t.Fatalf("AddRecent %s = %v, %v", id, pushed, err)
		}
	}
	if got, want := ttlOf(t, client, table, "TENANT#ten_1", "FEEDID#"+ids[0]), at.Add(5*time.Minute).Unix()+1; got != want {
		t.Errorf("window entry ttl %d, want %d", got, want)
	}
	dup := realtime.Item{TenantID: "ten_1", ID: ids[1], Topic: realtime.TopicMessages, Frame: []byte(`{}`)}
	if pushed, err := s.AddRecent(ctx, dup, at, at.Add(time.Minute)); err != nil || pushed {
		t.Errorf("redelivery before MarkPushed = %v, %v; want not pushed (push it again)", pushed, err)
	}
	if err := s.MarkPushed(ctx, "ten_1", ids[1]); err != nil {
		t.Fatal(err)
	}
	if pushed, err := s.AddRecent(ctx, dup, at, at.Add(time.Minute)); err != nil || !pushed {
		t.Errorf("redelivery after MarkPushed = %v, %v; want pushed", pushed, err)
	}
	items, ok, err := s.RecentAfter(ctx, "ten_1", ids[1], at.Add(-time.Minute), 10)
	if err != nil || !ok || len(items) != 3 || items[0].ID != ids[2] || items[2].ID != ids[4] || string(items[0].Frame) != `{"n":2}` {
		t.Errorf("RecentAfter = %+v, %v, %v", items, ok, err)
	}
	if items, ok, _ := s.RecentAfter(ctx, "ten_1", ids[0], at.Add(-time.Minute), 2); !ok || len(items) != 2 {
		t.Errorf("RecentAfter with max 2: %d items, ok %v", len(items), ok)
	}
	if _, ok, _ := s.RecentAfter(ctx, "ten_1", "evt_unknown", at.Add(-time.Minute), 10); ok {
		t.Error("RecentAfter an unknown id: ok")
	}
	if _, ok, _ := s.RecentAfter(ctx, "ten_1", ids[0], at.Add(time.Second), 10); ok {
		t.Error("RecentAfter an id older than since: ok")
	}
	if _, ok, _ := s.RecentAfter(ctx, "ten_2", ids[0], at.Add(-time.Minute), 10); ok {
		t.Error("another tenant's window holds the id")
	}
}
