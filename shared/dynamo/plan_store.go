package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/plan"
)

// PlanStore is plan.Store on DynamoDB: an access code is the item ACCESSCODE#<hash> / ACCESSCODE (found by hash
// across tenants, kept until 30 days after it expires so a late reuse is still told apart from a wrong code); a
// grant is TENANT#<tid> / FEATURE#<feature>. Redeeming is one transaction: the code updated on the condition that
// it is not redeemed yet, and the grant put.
type PlanStore struct {
	c     Client
	table string
}

var _ plan.Store = (*PlanStore)(nil)

// NewPlanStore returns the plan store over the single table.
func NewPlanStore(c Client, table string) *PlanStore { return &PlanStore{c: c, table: table} }

const (
	skAccessCode = "ACCESSCODE"
	skFeature    = "FEATURE#"
	// accessCodeKeep is how long a code item outlives its expiry.
	accessCodeKeep = 30 * 24 * time.Hour
)

func accessCodePK(hash string) string { return "ACCESSCODE#" + hash }

type accessCodeItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Entity     string `dynamodbav:"entity"`
	Hash       string `dynamodbav:"hash"`
	ID         string `dynamodbav:"id"`
	TenantID   string `dynamodbav:"tenantId"`
	Feature    string `dynamodbav:"feature"`
	CreatedAt  string `dynamodbav:"createdAt"`
	ExpiresAt  string `dynamodbav:"expiresAt"`
	RedeemedAt string `dynamodbav:"redeemedAt,omitempty"`
	RedeemedBy string `dynamodbav:"redeemedBy,omitempty"`
	TTL        int64  `dynamodbav:"ttl"`
}

type grantItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	TenantID  string `dynamodbav:"tenantId"`
	Feature   string `dynamodbav:"feature"`
	GrantedAt string `dynamodbav:"grantedAt"`
	CodeID    string `dynamodbav:"codeId"`
}

func (s *PlanStore) CreateAccessCode(ctx context.Context, c plan.AccessCode) error {
	av, err := attributevalue.MarshalMap(accessCodeItem{PK: accessCodePK(c.Hash), SK: skAccessCode, Entity: "accessCode",
		Hash: c.Hash, ID: c.ID, TenantID: c.TenantID, Feature: string(c.Feature), CreatedAt: fmtTime(c.CreatedAt),
		ExpiresAt: fmtTime(c.ExpiresAt), RedeemedAt: fmtTimePtr(c.RedeemedAt), RedeemedBy: c.RedeemedBy,
		TTL: c.ExpiresAt.Add(accessCodeKeep).Unix()})
	if err != nil {
		return fmt.Errorf("encode access code: %w", err)
	}
	_, err = s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return plan.ErrCodeExists
	}
	if err != nil {
		return fmt.Errorf("create access code: %w", err)
	}
	return nil
}

func (s *PlanStore) GetAccessCode(ctx context.Context, hash string) (plan.AccessCode, error) {
	av, err := getItem(ctx, s.c, s.table, accessCodePK(hash), skAccessCode)
	if err != nil {
		return plan.AccessCode{}, fmt.Errorf("get access code: %w", err)
	}
	if av == nil {
		return plan.AccessCode{}, plan.ErrCodeNotFound
	}
	var it accessCodeItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return plan.AccessCode{}, fmt.Errorf("decode access code: %w", err)
	}
	c := plan.AccessCode{ID: it.ID, TenantID: it.TenantID, Feature: plan.Feature(it.Feature), Hash: it.Hash, RedeemedBy: it.RedeemedBy}
	if c.CreatedAt, err = parseTime(it.CreatedAt); err == nil {
		if c.ExpiresAt, err = parseTime(it.ExpiresAt); err == nil {
			c.RedeemedAt, err = parseTimePtr(it.RedeemedAt)
		}
	}
	if err != nil {
		return plan.AccessCode{}, fmt.Errorf("access code: %w", err)
	}
	return c, nil
}

func (s *PlanStore) RedeemAccessCode(ctx context.Context, c plan.AccessCode, g plan.Grant) error {
	grant, err := attributevalue.MarshalMap(grantItem{PK: tenantPK(g.TenantID), SK: skFeature + string(g.Feature), Entity: "grant",
		TenantID: g.TenantID, Feature: string(g.Feature), GrantedAt: fmtTime(g.GrantedAt), CodeID: g.CodeID})
	if err != nil {
		return fmt.Errorf("encode grant: %w", err)
	}
	err = transact(ctx, s.c, []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(s.table), Key: key(accessCodePK(c.Hash), skAccessCode),
			UpdateExpression:          aws.String("SET redeemedAt = :at, redeemedBy = :by"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND attribute_not_exists(redeemedAt)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(fmtTimePtr(c.RedeemedAt)), ":by": str(c.RedeemedBy)}}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: grant}},
	})
	if txFailed(txReasons(err), 0) {
		if _, gerr := s.GetAccessCode(ctx, c.Hash); errors.Is(gerr, plan.ErrCodeNotFound) {
			return gerr
		}
		return plan.ErrCodeUsed
	}
	if err != nil {
		return fmt.Errorf("redeem access code: %w", err)
	}
	return nil
}

func (s *PlanStore) ListGrants(ctx context.Context, tenantID string) ([]plan.Grant, error) {
	return listDecoded(ctx, s.c, s.table, tenantPK(tenantID), skFeature, "grants",
		func(av map[string]types.AttributeValue) (plan.Grant, int64, error) {
			var it grantItem
			if err := attributevalue.UnmarshalMap(av, &it); err != nil {
				return plan.Grant{}, 0, err
			}
			at, err := parseTime(it.GrantedAt)
			return plan.Grant{TenantID: it.TenantID, Feature: plan.Feature(it.Feature), GrantedAt: at, CodeID: it.CodeID}, 0, err
		}, func(a, b plan.Grant) int { return strings.Compare(string(a.Feature), string(b.Feature)) })
}
