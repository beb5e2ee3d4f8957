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

	"github.com/waqtor/waqtor/shared/session"
)

// LeaseStore is session.LeaseStore on DynamoDB: one item per session in its tenant's partition, written only with
// conditional writes. An acquisition reads the item, applies the domain's rules (session.Lease.FreeFor, Acquired)
// and writes the result on the condition that the item is still as read and still free: it does not exist, or
// it has the token read and (it expired, or it is released, or the caller holds it). Renewals and releases are
// conditional on holder and token. The item has no TTL, so tokens never restart.
type LeaseStore struct {
	c     Client
	table string
}

var _ session.LeaseStore = (*LeaseStore)(nil)

// NewLeaseStore returns the lease store over the single table.
func NewLeaseStore(c Client, table string) *LeaseStore { return &LeaseStore{c: c, table: table} }

const leasePrefix = "LEASE#"

type leaseItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	TenantID  string `dynamodbav:"tenantId"`
	SessionID string `dynamodbav:"sessionId"`
	Holder    string `dynamodbav:"holder"`
	Token     int64  `dynamodbav:"token"`
	ExpiresAt string `dynamodbav:"expiresAt"`
}

// GetLease reads the lease with a consistent read.
func (s *LeaseStore) GetLease(ctx context.Context, tenantID, sessionID string) (session.Lease, error) {
	l, _, err := s.get(ctx, tenantID, sessionID)
	return l, err
}

func (s *LeaseStore) get(ctx context.Context, tenantID, sessionID string) (session.Lease, bool, error) {
	l := session.Lease{TenantID: tenantID, SessionID: sessionID}
	av, err := getItem(ctx, s.c, s.table, tenantPK(tenantID), leasePrefix+sessionID)
	if err != nil {
		return l, false, fmt.Errorf("get lease: %w", err)
	}
	if av == nil {
		return l, false, nil
	}
	var it leaseItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return l, false, fmt.Errorf("decode lease: %w", err)
	}
	l.Holder, l.Token = it.Holder, it.Token
	if it.ExpiresAt != "" {
		if l.ExpiresAt, err = parseTime(it.ExpiresAt); err != nil {
			return l, false, fmt.Errorf("lease of %s: %w", sessionID, err)
		}
	}
	return l, true, nil
}

// AcquireLease takes the lease if it is free, as the conditional write decides.
func (s *LeaseStore) AcquireLease(ctx context.Context, tenantID, sessionID, holder string, now time.Time, ttl time.Duration) (session.Lease, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return session.Lease{}, err
			}
		}
		cur, exists, err := s.get(ctx, tenantID, sessionID)
		if err != nil {
			return session.Lease{}, err
		}
		if !cur.FreeFor(holder, now) {
			return cur, session.ErrLeaseHeld
		}
		next := cur.Acquired(holder, now, ttl)
		av, err := attributevalue.MarshalMap(leaseItem{PK: tenantPK(tenantID), SK: leasePrefix + sessionID, Entity: "lease",
			TenantID: tenantID, SessionID: sessionID, Holder: holder, Token: next.Token, ExpiresAt: fmtTime(next.ExpiresAt)})
		if err != nil {
			return session.Lease{}, fmt.Errorf("encode lease: %w", err)
		}
		in := &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
			ConditionExpression: aws.String("attribute_not_exists(pk)")}
		if exists {
			in.ConditionExpression = aws.String("#tok = :tok AND (#exp <= :now OR #holder = :none OR #holder = :me)")
			in.ExpressionAttributeNames = map[string]string{"#tok": "token", "#exp": "expiresAt", "#holder": "holder"}
			in.ExpressionAttributeValues = map[string]types.AttributeValue{":tok": num(cur.Token), ":now": str(fmtTime(now)),
				":none": str(""), ":me": str(holder)}
		}
		_, err = s.c.PutItem(ctx, in)
		if err == nil {
			return next, nil
		}
		if !isConditionFailed(err) {
			return session.Lease{}, fmt.Errorf("acquire lease: %w", err)
		}
		// Another host wrote in between: read again and decide again.
	}
	return session.Lease{}, ErrContention
}

// RenewLease moves the expiry on the condition that holder holds the lease with token.
func (s *LeaseStore) RenewLease(ctx context.Context, tenantID, sessionID, holder string, token int64, now time.Time, ttl time.Duration) (session.Lease, error) {
	exp := now.Add(ttl)
	err := s.update(ctx, tenantID, sessionID, holder, token, "SET #exp = :exp", map[string]types.AttributeValue{":exp": str(fmtTime(exp))})
	if err != nil {
		return session.Lease{}, err
	}
	return session.Lease{TenantID: tenantID, SessionID: sessionID, Holder: holder, Token: token, ExpiresAt: exp.UTC()}, nil
}

// ReleaseLease empties the holder and the expiry on the condition that holder holds the lease with token.
func (s *LeaseStore) ReleaseLease(ctx context.Context, tenantID, sessionID, holder string, token int64) error {
	err := s.update(ctx, tenantID, sessionID, holder, token, "SET #holder = :none, #exp = :never",
		map[string]types.AttributeValue{":none": str(""), ":never": str(fmtTime(time.Time{}))})
	if errors.Is(err, session.ErrLeaseLost) {
		return nil
	}
	return err
}

func (s *LeaseStore) update(ctx context.Context, tenantID, sessionID, holder string, token int64, set string, values map[string]types.AttributeValue) error {
	values[":me"], values[":tok"] = str(holder), num(token)
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table),
		Key:                       key(tenantPK(tenantID), leasePrefix+sessionID),
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String("#holder = :me AND #tok = :tok"),
		ExpressionAttributeNames:  map[string]string{"#holder": "holder", "#tok": "token", "#exp": "expiresAt"},
		ExpressionAttributeValues: values})
	if isConditionFailed(err) {
		return session.ErrLeaseLost
	}
	if err != nil {
		return fmt.Errorf("update lease: %w", err)
	}
	return nil
}
