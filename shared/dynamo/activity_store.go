package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/activity"
)

// ActivityStore is activity.Store on DynamoDB. Entries sort by event ID (a ULID, so by time) within the tenant's
// partition and carry ttl = expiry; List skips entries whose ttl has passed but that DynamoDB has not deleted yet.
type ActivityStore struct {
	c     Client
	table string
	// Now is the clock that decides whether an entry has expired.
	Now func() time.Time
}

var _ activity.Store = (*ActivityStore)(nil)

// NewActivityStore returns the activity store over the single table.
func NewActivityStore(c Client, table string) *ActivityStore {
	return &ActivityStore{c: c, table: table, Now: time.Now}
}

type activityItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Entity   string `dynamodbav:"entity"`
	ID       string `dynamodbav:"id"`
	TenantID string `dynamodbav:"tenantId"`
	Type     string `dynamodbav:"type"`
	ActorID  string `dynamodbav:"actorId,omitempty"`
	Time     string `dynamodbav:"time"`
	Data     string `dynamodbav:"data"`
	TTL      int64  `dynamodbav:"ttl"`
}

// Record puts the entry unless one with its ID exists.
func (s *ActivityStore) Record(ctx context.Context, e activity.Entry, expires time.Time) error {
	av, err := attributevalue.MarshalMap(activityItem{PK: tenantPK(e.TenantID), SK: actPrefix + e.ID, Entity: "activity",
		ID: e.ID, TenantID: e.TenantID, Type: e.Type, ActorID: e.ActorID, Time: fmtTime(e.Time), Data: string(e.Data),
		TTL: expires.Unix()})
	if err != nil {
		return fmt.Errorf("encode activity: %w", err)
	}
	_, err = s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("record activity: %w", err)
	}
	return nil
}

// List queries the tenant's entries newest first, below `before`, dropping expired ones (ttl below the current
// second, DynamoDB's own definition), and reads on until it has limit entries or the partition ends: a page of the
// query can be short, or even empty, when it held expired entries.
func (s *ActivityStore) List(ctx context.Context, tenantID, before string, limit int) ([]activity.Entry, error) {
	return s.list(ctx, tenantID, "", before, limit)
}

// ListByActor is List with the actor in the query's filter: DynamoDB applies the filter after reading a page, so
// the loop below reads on until it has limit matching entries or the partition ends.
func (s *ActivityStore) ListByActor(ctx context.Context, tenantID, actorID, before string, limit int) ([]activity.Entry, error) {
	if actorID == "" {
		return []activity.Entry{}, nil
	}
	return s.list(ctx, tenantID, actorID, before, limit)
}

func (s *ActivityStore) list(ctx context.Context, tenantID, actorID, before string, limit int) ([]activity.Entry, error) {
	if err := activity.CheckLimit(limit); err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:                aws.String(s.table),
		ConsistentRead:           aws.Bool(true),
		ScanIndexForward:         aws.Bool(false),
		KeyConditionExpression:   aws.String("pk = :pk AND begins_with(sk, :lo)"),
		FilterExpression:         aws.String("#ttl >= :now"),
		ExpressionAttributeNames: map[string]string{"#ttl": AttrTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":lo": str(actPrefix),
			":now": num(s.Now().Unix())},
		// One more than asked: with `before` the range includes that entry itself, dropped below.
		Limit: aws.Int32(int32(limit) + 1),
	}
	if actorID != "" {
		in.FilterExpression = aws.String("#ttl >= :now AND #actor = :actor")
		in.ExpressionAttributeNames["#actor"] = "actorId"
		in.ExpressionAttributeValues[":actor"] = str(actorID)
	}
	if before != "" {
		// A key condition takes one operator on sk: "sk < :hi" alone would also match other kinds of item that sort
		// below "ACT#", so use the inclusive BETWEEN and drop the `before` entry itself.
		in.KeyConditionExpression = aws.String("pk = :pk AND sk BETWEEN :lo AND :hi")
		in.ExpressionAttributeValues[":hi"] = str(actPrefix + before)
	}
	out := []activity.Entry{}
	for {
		page, err := s.c.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list activity: %w", err)
		}
		for _, av := range page.Items {
			var it activityItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return nil, fmt.Errorf("decode activity: %w", err)
			}
			if it.ID == before {
				continue
			}
			t, err := parseTime(it.Time)
			if err != nil {
				return nil, fmt.Errorf("activity %s: %w", it.ID, err)
			}
			out = append(out, activity.Entry{ID: it.ID, TenantID: it.TenantID, Type: it.Type, ActorID: it.ActorID,
				Time: t, Data: json.RawMessage(it.Data)})
			if len(out) == limit {
				return out, nil
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
