package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/tenant"
)

// LoginAttemptStore is tenant.AttemptStore on DynamoDB: one item per email hash, LOGIN#<key> / LOGIN, written
// with a version condition so that the API's many Lambdas count every failure exactly once. Items carry
// ttl = ExpiresAt; until DynamoDB deletes one, an expired item is treated as absent by comparing with Now.
type LoginAttemptStore struct {
	c     Client
	table string
	// Now is the clock that decides whether a record has expired.
	Now func() time.Time
}

var _ tenant.AttemptStore = (*LoginAttemptStore)(nil)

// NewLoginAttemptStore returns the login attempt store over the single table.
func NewLoginAttemptStore(c Client, table string) *LoginAttemptStore {
	return &LoginAttemptStore{c: c, table: table, Now: time.Now}
}

const skLogin = "LOGIN"

func loginPK(key string) string { return "LOGIN#" + key }

type loginItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Entity      string `dynamodbav:"entity"`
	Key         string `dynamodbav:"key"`
	Failures    int    `dynamodbav:"failures"`
	Locks       int    `dynamodbav:"locks"`
	LockedUntil string `dynamodbav:"lockedUntil"` // "" when never locked
	LastFailure string `dynamodbav:"lastFailure"`
	ExpiresAt   string `dynamodbav:"expiresAt"`
	TTL         int64  `dynamodbav:"ttl"`
	Version     int64  `dynamodbav:"version"`
}

func fmtZeroTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

func parseZeroTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}

// get reads the record of key with its version. The version is that of the stored item even when the record has
// expired (then live is false), so a write over it can still be conditional; 0 means no item.
func (s *LoginAttemptStore) get(ctx context.Context, key string) (a tenant.LoginAttempts, version int64, live bool, err error) {
	av, err := getItem(ctx, s.c, s.table, loginPK(key), skLogin)
	if err != nil {
		return a, 0, false, fmt.Errorf("get login attempts: %w", err)
	}
	if av == nil {
		return a, 0, false, nil
	}
	var it loginItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return a, 0, false, fmt.Errorf("decode login attempts: %w", err)
	}
	a.Key, a.Failures, a.Locks = it.Key, it.Failures, it.Locks
	if a.LockedUntil, err = parseZeroTime(it.LockedUntil); err == nil {
		if a.LastFailure, err = parseZeroTime(it.LastFailure); err == nil {
			a.ExpiresAt, err = parseTime(it.ExpiresAt)
		}
	}
	if err != nil {
		return tenant.LoginAttempts{}, 0, false, fmt.Errorf("login attempts: %w", err)
	}
	return a, it.Version, a.ExpiresAt.After(s.Now()), nil
}

func (s *LoginAttemptStore) GetLoginAttempts(ctx context.Context, key string) (tenant.LoginAttempts, error) {
	a, _, live, err := s.get(ctx, key)
	if err != nil {
		return tenant.LoginAttempts{}, err
	}
	if !live {
		return tenant.LoginAttempts{}, tenant.ErrNoLoginAttempts
	}
	return a, nil
}

// UpdateLoginAttempts reads the record, applies fn and puts the result on the condition that the item is still
// absent or at the version read; on a lost race it starts over, so fn may run more than once.
func (s *LoginAttemptStore) UpdateLoginAttempts(ctx context.Context, key string, fn func(*tenant.LoginAttempts) error) (tenant.LoginAttempts, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return tenant.LoginAttempts{}, err
			}
		}
		a, version, live, err := s.get(ctx, key)
		if err != nil {
			return tenant.LoginAttempts{}, err
		}
		if !live {
			a = tenant.LoginAttempts{Key: key}
		}
		if err := fn(&a); err != nil {
			return tenant.LoginAttempts{}, err
		}
		a.Key = key
		item, err := attributevalue.MarshalMap(loginItem{PK: loginPK(key), SK: skLogin, Entity: "login", Key: key,
			Failures: a.Failures, Locks: a.Locks, LockedUntil: fmtZeroTime(a.LockedUntil), LastFailure: fmtZeroTime(a.LastFailure),
			ExpiresAt: fmtTime(a.ExpiresAt), TTL: a.ExpiresAt.Unix(), Version: version + 1})
		if err != nil {
			return tenant.LoginAttempts{}, fmt.Errorf("encode login attempts: %w", err)
		}
		in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(pk)")}
		if version > 0 {
			in.ConditionExpression = aws.String("#v = :v")
			in.ExpressionAttributeNames = map[string]string{"#v": "version"}
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(version)}
		}
		_, err = s.c.PutItem(ctx, in)
		if err == nil {
			return a, nil
		}
		if !isConditionFailed(err) {
			return tenant.LoginAttempts{}, fmt.Errorf("save login attempts: %w", err)
		}
	}
	return tenant.LoginAttempts{}, ErrContention
}

func (s *LoginAttemptStore) DeleteLoginAttempts(ctx context.Context, k string) error {
	if _, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key: key(loginPK(k), skLogin)}); err != nil {
		return fmt.Errorf("delete login attempts: %w", err)
	}
	return nil
}
