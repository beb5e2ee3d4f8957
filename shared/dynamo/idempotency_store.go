package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/idempotency"
)

// IdempotencyStore is idempotency.Store on DynamoDB. A record is the item (TENANT#<tenant>, IDEM#<caller>#<key>):
// caller IDs hold no '#', so the sort key is unambiguous. Records carry ttl = ExpiresAt, so DynamoDB deletes them
// eventually; until it does, an expired record is treated as absent by comparing expiresAt with Now.
type IdempotencyStore struct {
	c     Client
	table string
	// Now is the clock that decides whether a record has expired.
	Now func() time.Time
}

var _ idempotency.Store = (*IdempotencyStore)(nil)

// NewIdempotencyStore returns the idempotency store over the single table.
func NewIdempotencyStore(c Client, table string) *IdempotencyStore {
	return &IdempotencyStore{c: c, table: table, Now: time.Now}
}

type idemItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Entity      string `dynamodbav:"entity"`
	TenantID    string `dynamodbav:"tenantId"`
	Caller      string `dynamodbav:"caller"`
	Key         string `dynamodbav:"key"`
	Method      string `dynamodbav:"method"`
	Path        string `dynamodbav:"path"`
	BodyHash    string `dynamodbav:"bodyHash"`
	Done        bool   `dynamodbav:"done"`
	Status      int    `dynamodbav:"status"`
	ContentType string `dynamodbav:"contentType"`
	Body        []byte `dynamodbav:"body,omitempty"`
	CreatedAt   string `dynamodbav:"createdAt"`
	ExpiresAt   string `dynamodbav:"expiresAt"`
	TTL         int64  `dynamodbav:"ttl"`
}

func decodeIdem(av map[string]types.AttributeValue) (idempotency.Record, error) {
	var it idemItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return idempotency.Record{}, fmt.Errorf("decode idempotency record: %w", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return idempotency.Record{}, fmt.Errorf("idempotency record: %w", err)
	}
	expires, err := parseTime(it.ExpiresAt)
	if err != nil {
		return idempotency.Record{}, fmt.Errorf("idempotency record: %w", err)
	}
	return idempotency.Record{Scope: idempotency.Scope{TenantID: it.TenantID, Caller: it.Caller, Key: it.Key},
		Fingerprint: idempotency.Fingerprint{Method: it.Method, Path: it.Path, BodyHash: it.BodyHash}, Done: it.Done,
		Status: it.Status, ContentType: it.ContentType, Body: it.Body, CreatedAt: created, ExpiresAt: expires}, nil
}

// idemSK is the sort key of a scope's record.
func idemSK(sc idempotency.Scope) string { return idemPrefix + sc.Caller + "#" + sc.Key }

// Begin puts the record on the condition that no record exists or the existing one has expired (expiresAt <= Now,
// as in the SQLite store). When the condition fails it returns the live record: from the failure itself
// (ReturnValuesOnConditionCheckFailure, which DynamoDB fills in) or, where the response lacks it (minidyn), from a
// consistent read.
func (s *IdempotencyStore) Begin(ctx context.Context, rec idempotency.Record) (idempotency.Record, bool, error) {
	rec.Done, rec.Status, rec.ContentType, rec.Body = false, 0, "", nil
	av, err := attributevalue.MarshalMap(idemItem{PK: tenantPK(rec.TenantID), SK: idemSK(rec.Scope), Entity: "idempotency",
		TenantID: rec.TenantID, Caller: rec.Caller, Key: rec.Key, Method: rec.Method, Path: rec.Path, BodyHash: rec.BodyHash,
		CreatedAt: fmtTime(rec.CreatedAt),
		ExpiresAt: fmtTime(rec.ExpiresAt), TTL: rec.ExpiresAt.Unix()})
	if err != nil {
		return idempotency.Record{}, false, fmt.Errorf("encode idempotency record: %w", err)
	}
	for range maxAttempts {
		now := s.Now()
		_, err := s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
			ConditionExpression:                 aws.String("attribute_not_exists(pk) OR #exp <= :now"),
			ExpressionAttributeNames:            map[string]string{"#exp": "expiresAt"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": str(fmtTime(now))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
		if err == nil {
			return rec, true, nil
		}
		if !isConditionFailed(err) {
			return idempotency.Record{}, false, fmt.Errorf("begin idempotency record: %w", err)
		}
		cur, err := s.current(ctx, err, rec.Scope)
		if err != nil {
			return idempotency.Record{}, false, err
		}
		if cur != nil && cur.ExpiresAt.After(now) {
			return *cur, false, nil
		}
		// The record that failed the condition has been released, or replaced by an expired one: put again.
	}
	return idempotency.Record{}, false, ErrContention
}

// current returns the record that failed Begin's condition, nil if it no longer exists.
func (s *IdempotencyStore) current(ctx context.Context, condErr error, sc idempotency.Scope) (*idempotency.Record, error) {
	var failed *types.ConditionalCheckFailedException
	av := map[string]types.AttributeValue(nil)
	if errors.As(condErr, &failed) && len(failed.Item) > 0 {
		av = failed.Item
	} else {
		var err error
		if av, err = getItem(ctx, s.c, s.table, tenantPK(sc.TenantID), idemSK(sc)); err != nil {
			return nil, fmt.Errorf("read idempotency record: %w", err)
		}
		if av == nil {
			return nil, nil
		}
	}
	rec, err := decodeIdem(av)
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// Complete stores the response on the begun record; it is an error if there is none.
func (s *IdempotencyStore) Complete(ctx context.Context, sc idempotency.Scope, status int, contentType string, body []byte) error {
	if body == nil {
		body = []byte{}
	}
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(tenantPK(sc.TenantID), idemSK(sc)),
		UpdateExpression:         aws.String("SET #done = :true, #status = :status, #ct = :ct, #body = :body"),
		ConditionExpression:      aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames: map[string]string{"#done": "done", "#status": "status", "#ct": "contentType", "#body": "body"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true},
			":status": num(int64(status)), ":ct": str(contentType), ":body": &types.AttributeValueMemberB{Value: body}},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("complete idempotency record: no record for the key")
	}
	if err != nil {
		return fmt.Errorf("complete idempotency record: %w", err)
	}
	return nil
}

// Release deletes the record unless it is done; a missing or completed record is left alone without error.
func (s *IdempotencyStore) Release(ctx context.Context, sc idempotency.Scope) error {
	_, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(sc.TenantID), idemSK(sc)),
		ConditionExpression:       aws.String("#done = :false"),
		ExpressionAttributeNames:  map[string]string{"#done": "done"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":false": &types.AttributeValueMemberBOOL{Value: false}},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("release idempotency record: %w", err)
	}
	return nil
}
