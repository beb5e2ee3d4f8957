package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// KeyStore is apikey.Store on DynamoDB.
type KeyStore struct {
	c     Client
	table string
}

var _ apikey.Store = (*KeyStore)(nil)

// NewKeyStore returns the API key store over the single table.
func NewKeyStore(c Client, table string) *KeyStore { return &KeyStore{c: c, table: table} }

type keyItem struct {
	PK        string       `dynamodbav:"pk"`
	SK        string       `dynamodbav:"sk"`
	Entity    string       `dynamodbav:"entity"`
	ID        string       `dynamodbav:"id"`
	TenantID  string       `dynamodbav:"tenantId"`
	Name      string       `dynamodbav:"name"`
	Hint      string       `dynamodbav:"hint"`
	Hash      string       `dynamodbav:"hash"`
	Scopes    []auth.Scope `dynamodbav:"scopes"`
	CreatedBy string       `dynamodbav:"createdBy"`
	Role      string       `dynamodbav:"role"`
	CreatedAt string       `dynamodbav:"createdAt"`
	ExpiresAt string       `dynamodbav:"expiresAt,omitempty"`
	LastUsed  string       `dynamodbav:"lastUsed,omitempty"`
	RevokedAt string       `dynamodbav:"revokedAt,omitempty"`
	// Version guards read-modify-write: UpdateKey writes on the condition that it is unchanged since the read, and
	// TouchKey increments it too, so an UpdateKey racing a use cannot move LastUsed back.
	Version int64 `dynamodbav:"version"`
}

type keyHashItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Entity   string `dynamodbav:"entity"`
	TenantID string `dynamodbav:"tenantId"`
	KeyID    string `dynamodbav:"keyId"`
}

func keyToItem(k apikey.Key, version int64) keyItem {
	return keyItem{PK: tenantPK(k.TenantID), SK: keyPrefix + k.ID, Entity: "apikey", ID: k.ID, TenantID: k.TenantID,
		Name: k.Name, Hint: k.Hint, Hash: k.Hash, Scopes: k.Scopes, CreatedBy: k.CreatedBy, Role: string(k.Role),
		CreatedAt: fmtTime(k.CreatedAt), ExpiresAt: fmtTimePtr(k.ExpiresAt), LastUsed: fmtTimePtr(k.LastUsed),
		RevokedAt: fmtTimePtr(k.RevokedAt), Version: version}
}

func decodeKey(av map[string]types.AttributeValue) (apikey.Key, int64, error) {
	var it keyItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return apikey.Key{}, 0, fmt.Errorf("decode key: %w", err)
	}
	k := apikey.Key{ID: it.ID, TenantID: it.TenantID, Name: it.Name, Hint: it.Hint, Hash: it.Hash, Scopes: it.Scopes,
		CreatedBy: it.CreatedBy, Role: auth.Role(it.Role)}
	var errs [4]error
	k.CreatedAt, errs[0] = parseTime(it.CreatedAt)
	k.ExpiresAt, errs[1] = parseTimePtr(it.ExpiresAt)
	k.LastUsed, errs[2] = parseTimePtr(it.LastUsed)
	k.RevokedAt, errs[3] = parseTimePtr(it.RevokedAt)
	for _, err := range errs {
		if err != nil {
			return apikey.Key{}, 0, fmt.Errorf("key %s: %w", it.ID, err)
		}
	}
	return k, it.Version, nil
}

// CreateKey checks that the tenant exists and writes the key and its hash item in one transaction.
func (s *KeyStore) CreateKey(ctx context.Context, k apikey.Key) error {
	item, err := putNew(s.table, keyToItem(k, 1))
	if err != nil {
		return fmt.Errorf("encode key: %w", err)
	}
	hash, err := putNew(s.table, keyHashItem{PK: keyHashPK(k.Hash), SK: skKeyHash, Entity: "keyhash", TenantID: k.TenantID, KeyID: k.ID})
	if err != nil {
		return fmt.Errorf("encode key hash: %w", err)
	}
	exists := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table),
		Key: key(tenantPK(k.TenantID), skTenant), ConditionExpression: aws.String("attribute_exists(pk)")}}
	err = transact(ctx, s.c, []types.TransactWriteItem{exists, item, hash})
	reasons := txReasons(err)
	switch {
	case err == nil:
		return nil
	case txFailed(reasons, 0):
		return tenant.ErrTenantNotFound
	case txFailed(reasons, 1), txFailed(reasons, 2):
		return apikey.ErrDuplicate
	}
	return fmt.Errorf("create key: %w", err)
}

func (s *KeyStore) getKey(ctx context.Context, tenantID, keyID string) (apikey.Key, int64, error) {
	return getDecoded(ctx, s.c, s.table, tenantPK(tenantID), keyPrefix+keyID, "key", apikey.ErrNotFound, decodeKey)
}

func (s *KeyStore) GetKey(ctx context.Context, tenantID, keyID string) (apikey.Key, error) {
	k, _, err := s.getKey(ctx, tenantID, keyID)
	return k, err
}

// FindKeyByHash reads the hash item, then the key it names, then the key's creator.
func (s *KeyStore) FindKeyByHash(ctx context.Context, hash string) (apikey.Key, apikey.Creator, error) {
	var it keyHashItem
	if err := getLookup(ctx, s.c, s.table, keyHashPK(hash), skKeyHash, "key by hash", apikey.ErrNotFound, &it); err != nil {
		return apikey.Key{}, apikey.Creator{}, err
	}
	k, err := s.GetKey(ctx, it.TenantID, it.KeyID)
	if err != nil {
		return apikey.Key{}, apikey.Creator{}, err
	}
	u, _, err := getDecoded(ctx, s.c, s.table, tenantPK(k.TenantID), userPrefix+k.CreatedBy, "key creator", tenant.ErrUserNotFound, decodeUser)
	switch {
	case errors.Is(err, tenant.ErrUserNotFound):
		return k, apikey.Creator{}, nil
	case err != nil:
		return apikey.Key{}, apikey.Creator{}, err
	}
	return k, apikey.Creator{Found: true, Role: u.Role, Disabled: u.Disabled}, nil
}

func (s *KeyStore) ListKeys(ctx context.Context, tenantID string) ([]apikey.Key, error) {
	return listDecoded(ctx, s.c, s.table, tenantPK(tenantID), keyPrefix, "keys", decodeKey, func(a, b apikey.Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}

// UpdateKey reads the key, applies fn and writes the result on the condition that the key did not change in
// between; on a lost race it starts over, so fn may run more than once.
func (s *KeyStore) UpdateKey(ctx context.Context, tenantID, keyID string, fn func(*apikey.Key) error) (apikey.Key, error) {
	return updateVersioned(ctx, s.c, s.table, "key",
		func() (apikey.Key, int64, error) { return s.getKey(ctx, tenantID, keyID) },
		func(k *apikey.Key) error {
			orig := *k
			if err := fn(k); err != nil {
				return err
			}
			if k.ID != orig.ID || k.TenantID != orig.TenantID {
				return moved("key")
			}
			return nil
		},
		func(k apikey.Key, version int64) any { return keyToItem(k, version) })
}

// TouchKey sets lastUsed in one conditional update, so concurrent uses need no read and never move it back.
func (s *KeyStore) TouchKey(ctx context.Context, tenantID, keyID string, at time.Time) error {
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenantID), keyPrefix+keyID),
		UpdateExpression:          aws.String("SET #lu = :at ADD #v :one"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND (attribute_not_exists(#lu) OR #lu < :at)"),
		ExpressionAttributeNames:  map[string]string{"#lu": "lastUsed", "#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": str(fmtTime(at)), ":one": num(1)},
	})
	if isConditionFailed(err) {
		// Either the key does not exist or it was used later than at: only the first is an error.
		_, _, err = s.getKey(ctx, tenantID, keyID)
		return err
	}
	if err != nil {
		return fmt.Errorf("touch key: %w", err)
	}
	return nil
}
