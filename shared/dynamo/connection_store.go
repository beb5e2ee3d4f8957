package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

// ConnectionStore is wsgateway.Store on DynamoDB: the WebSocket API's connections and each tenant's recent window
// of feed frames, in the single table.
//
//	TENANT#<tid> / WSCONN#<cid>   connection: id, tenantId, principal (JSON), subs (JSON), connectedAt, expiresAt,
//	                              tokens, refilled, dropped, limitedAt, version, ttl (= expiresAt)
//	WSCONN#<cid> / WSCONN         connection lookup (a frame names only its connection): tenantId, ttl
//	TENANT#<tid> / FEEDID#<eid>   window entry of an event: at, pushed, ttl (dedupes redelivered events)
//	TENANT#<tid> / FEED#<at>#<eid> window frame, in arrival order: id, type, topic, sessionId, campaignId, userId,
//	                              coalesceKey, frame (binary), at, ttl
//
// The by-tenant lookup of push is one Query of the tenant's partition on the sk prefix WSCONN#. TTL deletion is
// lazy, so expiry is checked by value.
type ConnectionStore struct {
	c     Client
	table string
	// Now is the clock expiry is checked against (default time.Now).
	Now func() time.Time
}

var _ wsgateway.Store = (*ConnectionStore)(nil)

// NewConnectionStore returns the connection store over the single table.
func NewConnectionStore(c Client, table string) *ConnectionStore {
	return &ConnectionStore{c: c, table: table, Now: time.Now}
}

const (
	connPrefix   = "WSCONN#"
	skConnLookup = "WSCONN"
	feedIDPrefix = "FEEDID#"
	feedPrefix   = "FEED#"
)

func connLookupPK(id string) string { return connPrefix + id }

type connItem struct {
	PK          string  `dynamodbav:"pk"`
	SK          string  `dynamodbav:"sk"`
	Entity      string  `dynamodbav:"entity"`
	ID          string  `dynamodbav:"id"`
	TenantID    string  `dynamodbav:"tenantId"`
	Principal   string  `dynamodbav:"principal"`
	Subs        string  `dynamodbav:"subs"`
	ConnectedAt string  `dynamodbav:"connectedAt"`
	ExpiresAt   string  `dynamodbav:"expiresAt"`
	Tokens      float64 `dynamodbav:"tokens"`
	Refilled    string  `dynamodbav:"refilled"`
	Dropped     int     `dynamodbav:"dropped"`
	LimitedAt   string  `dynamodbav:"limitedAt"`
	Version     int64   `dynamodbav:"version"`
	TTL         int64   `dynamodbav:"ttl"`
}

type connLookup struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Entity   string `dynamodbav:"entity"`
	TenantID string `dynamodbav:"tenantId"`
	TTL      int64  `dynamodbav:"ttl"`
}

func (s *ConnectionStore) PutConnection(ctx context.Context, c wsgateway.Connection) error {
	p, err := json.Marshal(c.Principal)
	if err != nil {
		return fmt.Errorf("put connection: %w", err)
	}
	subs, err := json.Marshal(subsOrEmpty(c.Subs))
	if err != nil {
		return fmt.Errorf("put connection: %w", err)
	}
	ttl := c.ExpiresAt.Unix() + 1
	item, err := attributevalue.MarshalMap(connItem{PK: tenantPK(c.Principal.TenantID), SK: connPrefix + c.ID, Entity: "wsconn",
		ID: c.ID, TenantID: c.Principal.TenantID, Principal: string(p), Subs: string(subs), ConnectedAt: fmtTime(c.ConnectedAt),
		ExpiresAt: fmtTime(c.ExpiresAt), Tokens: c.Tokens, Refilled: fmtTime(c.Refilled), Dropped: c.Dropped,
		LimitedAt: fmtTime(c.LimitedAt), TTL: ttl})
	if err != nil {
		return fmt.Errorf("encode connection: %w", err)
	}
	lookup, err := attributevalue.MarshalMap(connLookup{PK: connLookupPK(c.ID), SK: skConnLookup, Entity: "wsconnLookup",
		TenantID: c.Principal.TenantID, TTL: ttl})
	if err != nil {
		return fmt.Errorf("encode connection lookup: %w", err)
	}
	_, err = s.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: item}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: lookup}},
	}})
	if err != nil {
		return fmt.Errorf("put connection: %w", err)
	}
	return nil
}

// tenantOf reads a connection's lookup item.
func (s *ConnectionStore) tenantOf(ctx context.Context, id string) (string, error) {
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(connLookupPK(id), skConnLookup),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", fmt.Errorf("get connection lookup: %w", err)
	}
	if out.Item == nil {
		return "", wsgateway.ErrConnectionNotFound
	}
	var l connLookup
	if err := attributevalue.UnmarshalMap(out.Item, &l); err != nil {
		return "", fmt.Errorf("decode connection lookup: %w", err)
	}
	return l.TenantID, nil
}

func (s *ConnectionStore) GetConnection(ctx context.Context, id string) (wsgateway.Connection, error) {
	tenantID, err := s.tenantOf(ctx, id)
	if err != nil {
		return wsgateway.Connection{}, err
	}
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), connPrefix+id),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return wsgateway.Connection{}, fmt.Errorf("get connection: %w", err)
	}
	if out.Item == nil {
		return wsgateway.Connection{}, wsgateway.ErrConnectionNotFound
	}
	c, err := decodeConn(out.Item)
	if err != nil {
		return wsgateway.Connection{}, err
	}
	if !s.Now().Before(c.ExpiresAt) {
		return wsgateway.Connection{}, wsgateway.ErrConnectionNotFound
	}
	return c, nil
}

func decodeConn(item map[string]types.AttributeValue) (wsgateway.Connection, error) {
	var it connItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return wsgateway.Connection{}, fmt.Errorf("decode connection: %w", err)
	}
	c := wsgateway.Connection{ID: it.ID, Subs: realtime.Subscriptions{}, Tokens: it.Tokens, Dropped: it.Dropped, Version: it.Version}
	var p auth.Principal
	if err := json.Unmarshal([]byte(it.Principal), &p); err != nil {
		return wsgateway.Connection{}, fmt.Errorf("decode connection principal: %w", err)
	}
	c.Principal = p
	if err := json.Unmarshal([]byte(it.Subs), &c.Subs); err != nil {
		return wsgateway.Connection{}, fmt.Errorf("decode connection subscriptions: %w", err)
	}
	var errs []error
	for _, f := range []struct {
		dst *time.Time
		s   string
	}{{&c.ConnectedAt, it.ConnectedAt}, {&c.ExpiresAt, it.ExpiresAt}, {&c.Refilled, it.Refilled}, {&c.LimitedAt, it.LimitedAt}} {
		t, err := parseTime(f.s)
		errs = append(errs, err)
		*f.dst = t
	}
	if err := errors.Join(errs...); err != nil {
		return wsgateway.Connection{}, fmt.Errorf("connection %s: %w", it.ID, err)
	}
	return c, nil
}

func subsOrEmpty(s realtime.Subscriptions) realtime.Subscriptions {
	if s == nil {
		return realtime.Subscriptions{}
	}
	return s
}

func (s *ConnectionStore) UpdateConnection(ctx context.Context, c wsgateway.Connection) error {
	subs, err := json.Marshal(subsOrEmpty(c.Subs))
	if err != nil {
		return fmt.Errorf("update connection: %w", err)
	}
	tokens := c.Tokens
	if math.IsNaN(tokens) || math.IsInf(tokens, 0) {
		tokens = 0
	}
	_, err = s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.table),
		Key:                 key(tenantPK(c.Principal.TenantID), connPrefix+c.ID),
		UpdateExpression:    aws.String("SET subs = :subs, tokens = :tokens, refilled = :refilled, dropped = :dropped, limitedAt = :limitedAt, version = :next"),
		ConditionExpression: aws.String("attribute_exists(pk) AND version = :version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":subs": str(string(subs)), ":tokens": &types.AttributeValueMemberN{Value: strconv.FormatFloat(tokens, 'f', -1, 64)},
			":refilled": str(fmtTime(c.Refilled)), ":dropped": num(int64(c.Dropped)), ":limitedAt": str(fmtTime(c.LimitedAt)),
			":version": num(c.Version), ":next": num(c.Version + 1),
		},
	})
	if isConditionFailed(err) {
		if _, err := s.GetConnection(ctx, c.ID); err != nil {
			return err
		}
		return wsgateway.ErrConnectionChanged
	}
	if err != nil {
		return fmt.Errorf("update connection: %w", err)
	}
	return nil
}

func (s *ConnectionStore) DeleteConnection(ctx context.Context, id string) error {
	tenantID, err := s.tenantOf(ctx, id)
	if errors.Is(err, wsgateway.ErrConnectionNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), connPrefix+id)}); err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	if _, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(connLookupPK(id), skConnLookup)}); err != nil {
		return fmt.Errorf("delete connection lookup: %w", err)
	}
	return nil
}

func (s *ConnectionStore) TenantConnections(ctx context.Context, tenantID string) ([]wsgateway.Connection, error) {
	now := s.Now()
	var out []wsgateway.Connection
	err := s.query(ctx, tenantID, connPrefix, "", func(item map[string]types.AttributeValue) bool {
		c, err := decodeConn(item)
		if err != nil {
			return true // a connection that cannot be read gets nothing; its frames fail and close it
		}
		if now.Before(c.ExpiresAt) {
			out = append(out, c)
		}
		return true
	})
	return out, err
}

// query walks the tenant partition's items whose sk starts with prefix (and is after start, if set), in order,
// until each returns false.
func (s *ConnectionStore) query(ctx context.Context, tenantID, prefix, start string, each func(map[string]types.AttributeValue) bool) error {
	in := &dynamodb.QueryInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(prefix)}}
	if start != "" {
		in.ExclusiveStartKey = key(tenantPK(tenantID), start)
	}
	for {
		out, err := s.c.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("query %s items: %w", prefix, err)
		}
		for _, item := range out.Items {
			if !each(item) {
				return nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

type feedIDItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	Entity string `dynamodbav:"entity"`
	At     string `dynamodbav:"at"`
	Pushed bool   `dynamodbav:"pushed"`
	TTL    int64  `dynamodbav:"ttl"`
}

type feedItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Entity      string `dynamodbav:"entity"`
	ID          string `dynamodbav:"id"`
	Type        string `dynamodbav:"type"`
	Topic       string `dynamodbav:"topic"`
	SessionID   string `dynamodbav:"sessionId,omitempty"`
	CampaignID  string `dynamodbav:"campaignId,omitempty"`
	UserID      string `dynamodbav:"userId,omitempty"`
	CoalesceKey string `dynamodbav:"coalesceKey,omitempty"`
	Frame       []byte `dynamodbav:"frame"`
	At          string `dynamodbav:"at"`
	TTL         int64  `dynamodbav:"ttl"`
}

func feedSK(at, id string) string { return feedPrefix + at + "#" + id }

func (s *ConnectionStore) AddRecent(ctx context.Context, it realtime.Item, at, expires time.Time) (bool, error) {
	pk, when, ttl := tenantPK(it.TenantID), fmtTime(at), expires.Unix()+1
	idItem, err := attributevalue.MarshalMap(feedIDItem{PK: pk, SK: feedIDPrefix + it.ID, Entity: "feedId", At: when, TTL: ttl})
	if err != nil {
		return false, fmt.Errorf("encode window entry: %w", err)
	}
	frame, err := attributevalue.MarshalMap(feedItem{PK: pk, SK: feedSK(when, it.ID), Entity: "feed", ID: it.ID, Type: it.Type,
		Topic: string(it.Topic), SessionID: it.SessionID, CampaignID: it.CampaignID, UserID: it.UserID, CoalesceKey: it.CoalesceKey,
		Frame: it.Frame, At: when, TTL: ttl})
	if err != nil {
		return false, fmt.Errorf("encode window frame: %w", err)
	}
	_, err = s.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: idItem, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: frame}},
	}})
	if err == nil {
		return false, nil
	}
	if !txFailed(txReasons(err), 0) {
		return false, fmt.Errorf("add to the window: %w", err)
	}
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, feedIDPrefix+it.ID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("get window entry: %w", err)
	}
	var e feedIDItem
	if err := attributevalue.UnmarshalMap(out.Item, &e); err != nil {
		return false, fmt.Errorf("decode window entry: %w", err)
	}
	return e.Pushed, nil
}

func (s *ConnectionStore) MarkPushed(ctx context.Context, tenantID, id string) error {
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), feedIDPrefix+id),
		UpdateExpression: aws.String("SET pushed = :t"), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}})
	if err != nil {
		return fmt.Errorf("mark pushed: %w", err)
	}
	return nil
}

func (s *ConnectionStore) RecentAfter(ctx context.Context, tenantID, lastID string, since time.Time, max int) ([]realtime.Item, bool, error) {
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), feedIDPrefix+lastID),
		ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, false, fmt.Errorf("get window entry: %w", err)
	}
	if out.Item == nil {
		return nil, false, nil
	}
	var e feedIDItem
	if err := attributevalue.UnmarshalMap(out.Item, &e); err != nil {
		return nil, false, fmt.Errorf("decode window entry: %w", err)
	}
	at, err := parseTime(e.At)
	if err != nil {
		return nil, false, err
	}
	if at.Before(since) {
		return nil, false, nil
	}
	var items []realtime.Item
	var decodeErr error
	err = s.query(ctx, tenantID, feedPrefix, feedSK(e.At, lastID), func(item map[string]types.AttributeValue) bool {
		var f feedItem
		if decodeErr = attributevalue.UnmarshalMap(item, &f); decodeErr != nil {
			return false
		}
		items = append(items, realtime.Item{TenantID: tenantID, Type: f.Type, ID: f.ID, Topic: realtime.Topic(f.Topic),
			SessionID: f.SessionID, CampaignID: f.CampaignID, UserID: f.UserID, CoalesceKey: f.CoalesceKey, Frame: f.Frame})
		return len(items) < max
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the window: %w", err)
	}
	return items, true, nil
}
