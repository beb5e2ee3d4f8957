package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// TenantStore is tenant.Store on DynamoDB.
type TenantStore struct {
	c     Client
	table string
}

var _ tenant.Store = (*TenantStore)(nil)

// NewTenantStore returns the tenant store over the single table.
func NewTenantStore(c Client, table string) *TenantStore { return &TenantStore{c: c, table: table} }

type tenantItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	ID        string `dynamodbav:"id"`
	Name      string `dynamodbav:"name"`
	Plan      string `dynamodbav:"plan"`
	CreatedAt string `dynamodbav:"createdAt"`
}

type userItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	Entity       string `dynamodbav:"entity"`
	ID           string `dynamodbav:"id"`
	TenantID     string `dynamodbav:"tenantId"`
	Email        string `dynamodbav:"email"`
	Name         string `dynamodbav:"name"`
	Role         string `dynamodbav:"role"`
	PasswordHash string `dynamodbav:"passwordHash"`
	Disabled     bool   `dynamodbav:"disabled"`
	CreatedAt    string `dynamodbav:"createdAt"`
	UpdatedAt    string `dynamodbav:"updatedAt"`
	TokenVersion int64  `dynamodbav:"tokenVersion"`
	Phone        string `dynamodbav:"phone,omitempty"`
	Gravatar     bool   `dynamodbav:"gravatar,omitempty"`
	// AvatarUpdatedAt is "" when the user has no avatar.
	AvatarUpdatedAt string `dynamodbav:"avatarUpdatedAt,omitempty"`
	// Version guards read-modify-write (UpdateUser): every write increments it, on the condition that it did not
	// change since the read.
	Version int64 `dynamodbav:"version"`
}

type emailItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Entity   string `dynamodbav:"entity"`
	TenantID string `dynamodbav:"tenantId"`
	UserID   string `dynamodbav:"userId"`
}

func userToItem(u tenant.User, version int64) userItem {
	return userItem{PK: tenantPK(u.TenantID), SK: userPrefix + u.ID, Entity: "user", ID: u.ID, TenantID: u.TenantID,
		Email: u.Email, Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		CreatedAt: fmtTime(u.CreatedAt), UpdatedAt: fmtTime(u.UpdatedAt), TokenVersion: u.TokenVersion,
		Phone: u.Phone, Gravatar: u.Gravatar, AvatarUpdatedAt: fmtTimePtr(u.AvatarUpdatedAt), Version: version}
}

func decodeUser(av map[string]types.AttributeValue) (tenant.User, int64, error) {
	var it userItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return tenant.User{}, 0, fmt.Errorf("decode user: %w", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return tenant.User{}, 0, fmt.Errorf("user %s: %w", it.ID, err)
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return tenant.User{}, 0, fmt.Errorf("user %s: %w", it.ID, err)
	}
	u := tenant.User{ID: it.ID, TenantID: it.TenantID, Email: it.Email, Name: it.Name, Role: auth.Role(it.Role),
		PasswordHash: it.PasswordHash, Disabled: it.Disabled, CreatedAt: created, UpdatedAt: updated,
		TokenVersion: it.TokenVersion, Phone: it.Phone, Gravatar: it.Gravatar}
	if u.AvatarUpdatedAt, err = parseTimePtr(it.AvatarUpdatedAt); err != nil {
		return tenant.User{}, 0, fmt.Errorf("user %s: avatar time: %w", it.ID, err)
	}
	return u, it.Version, nil
}

// putNew is a transaction Put of a new item: it fails if an item with the same key exists.
func putNew(table string, item any) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}, nil
}

// userWrites are the transaction items that create a user: the user and its email lookup item.
func (s *TenantStore) userWrites(u tenant.User) ([]types.TransactWriteItem, error) {
	user, err := putNew(s.table, userToItem(u, 1))
	if err != nil {
		return nil, fmt.Errorf("encode user: %w", err)
	}
	email, err := putNew(s.table, emailItem{PK: emailPK(u.Email), SK: skEmail, Entity: "email", TenantID: u.TenantID, UserID: u.ID})
	if err != nil {
		return nil, fmt.Errorf("encode email: %w", err)
	}
	return []types.TransactWriteItem{user, email}, nil
}

// CreateTenant writes the tenant, its owner, the owner's email item and the tenant count in one transaction.
func (s *TenantStore) CreateTenant(ctx context.Context, t tenant.Tenant, owner tenant.User) error {
	ten, err := putNew(s.table, tenantItem{PK: tenantPK(t.ID), SK: skTenant, Entity: "tenant", ID: t.ID, Name: t.Name,
		Plan: t.Plan, CreatedAt: fmtTime(t.CreatedAt)})
	if err != nil {
		return fmt.Errorf("encode tenant: %w", err)
	}
	user, err := s.userWrites(owner)
	if err != nil {
		return err
	}
	count := types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table), Key: key(pkTenants, skCount),
		UpdateExpression:          aws.String("SET #entity = :entity ADD #n :one"),
		ExpressionAttributeNames:  map[string]string{"#entity": "entity", "#n": "n"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":entity": str("count")}}}
	// Order matters for the reasons below: tenant, user, email, count.
	err = transact(ctx, s.c, append(append([]types.TransactWriteItem{ten}, user...), count))
	reasons := txReasons(err)
	switch {
	case err == nil:
		return nil
	case txFailed(reasons, 2):
		return tenant.ErrEmailTaken
	case txFailed(reasons, 0):
		return fmt.Errorf("create tenant: tenant %s already exists", t.ID)
	case txFailed(reasons, 1):
		return fmt.Errorf("create tenant: user %s already exists", owner.ID)
	}
	return fmt.Errorf("create tenant: %w", err)
}

func (s *TenantStore) GetTenant(ctx context.Context, tenantID string) (tenant.Tenant, error) {
	av, err := getItem(ctx, s.c, s.table, tenantPK(tenantID), skTenant)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("get tenant: %w", err)
	}
	if av == nil {
		return tenant.Tenant{}, tenant.ErrTenantNotFound
	}
	return decodeTenant(av)
}

func decodeTenant(av map[string]types.AttributeValue) (tenant.Tenant, error) {
	var it tenantItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return tenant.Tenant{}, fmt.Errorf("decode tenant: %w", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant %s: %w", it.ID, err)
	}
	return tenant.Tenant{ID: it.ID, Name: it.Name, Plan: it.Plan, CreatedAt: created}, nil
}

// SetTenantPlan sets the plan attribute of the tenant item only, on the condition that the item exists, and
// returns the item as written (ReturnValues ALL_NEW).
func (s *TenantStore) SetTenantPlan(ctx context.Context, tenantID, plan string) (tenant.Tenant, error) {
	out, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), skTenant),
		UpdateExpression:          aws.String("SET #plan = :plan"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#plan": "plan"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":plan": str(plan)},
		ReturnValues:              types.ReturnValueAllNew})
	if isConditionFailed(err) {
		return tenant.Tenant{}, tenant.ErrTenantNotFound
	}
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("set tenant plan: %w", err)
	}
	return decodeTenant(out.Attributes)
}

// CountTenants reads the counter item that CreateTenant maintains: one read, however big the table.
func (s *TenantStore) CountTenants(ctx context.Context) (int, error) {
	av, err := getItem(ctx, s.c, s.table, pkTenants, skCount)
	if err != nil {
		return 0, fmt.Errorf("count tenants: %w", err)
	}
	var it struct {
		N int `dynamodbav:"n"`
	}
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return 0, fmt.Errorf("decode tenant count: %w", err)
	}
	return it.N, nil
}

// CreateUser checks that the tenant exists and writes the user and its email item in one transaction.
func (s *TenantStore) CreateUser(ctx context.Context, u tenant.User) error {
	user, err := s.userWrites(u)
	if err != nil {
		return err
	}
	exists := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table),
		Key: key(tenantPK(u.TenantID), skTenant), ConditionExpression: aws.String("attribute_exists(pk)")}}
	err = transact(ctx, s.c, append([]types.TransactWriteItem{exists}, user...))
	reasons := txReasons(err)
	switch {
	case err == nil:
		return nil
	case txFailed(reasons, 0):
		return tenant.ErrTenantNotFound
	case txFailed(reasons, 2):
		return tenant.ErrEmailTaken
	case txFailed(reasons, 1):
		return fmt.Errorf("create user: user %s already exists", u.ID)
	}
	return fmt.Errorf("create user: %w", err)
}

func (s *TenantStore) getUser(ctx context.Context, tenantID, userID string) (tenant.User, int64, error) {
	return getDecoded(ctx, s.c, s.table, tenantPK(tenantID), userPrefix+userID, "user", tenant.ErrUserNotFound, decodeUser)
}

func (s *TenantStore) GetUser(ctx context.Context, tenantID, userID string) (tenant.User, error) {
	u, _, err := s.getUser(ctx, tenantID, userID)
	return u, err
}

// FindUserByEmail reads the email item, then the user it names.
func (s *TenantStore) FindUserByEmail(ctx context.Context, email string) (tenant.User, error) {
	var it emailItem
	if err := getLookup(ctx, s.c, s.table, emailPK(email), skEmail, "user by email", tenant.ErrUserNotFound, &it); err != nil {
		return tenant.User{}, err
	}
	return s.GetUser(ctx, it.TenantID, it.UserID)
}

func (s *TenantStore) ListUsers(ctx context.Context, tenantID string) ([]tenant.User, error) {
	return listDecoded(ctx, s.c, s.table, tenantPK(tenantID), userPrefix, "users", decodeUser, func(a, b tenant.User) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
}

// UpdateUser reads the user, applies fn and writes the result on the condition that the user did not change in
// between; on a lost race it starts over, so fn may run more than once.
func (s *TenantStore) UpdateUser(ctx context.Context, tenantID, userID string, fn func(*tenant.User) error) (tenant.User, error) {
	return updateVersioned(ctx, s.c, s.table, "user",
		func() (tenant.User, int64, error) { return s.getUser(ctx, tenantID, userID) },
		func(u *tenant.User) error {
			orig := *u
			if err := fn(u); err != nil {
				return err
			}
			if u.ID != orig.ID || u.TenantID != orig.TenantID || u.Email != orig.Email {
				return moved("user")
			}
			return nil
		},
		func(u tenant.User, version int64) any { return userToItem(u, version) })
}

// DeleteUser deletes the user and its email item in one transaction.
func (s *TenantStore) DeleteUser(ctx context.Context, tenantID, userID string) error {
	u, _, err := s.getUser(ctx, tenantID, userID)
	if err != nil {
		return err
	}
	err = transact(ctx, s.c, []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(tenantPK(tenantID), userPrefix+userID),
			ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(emailPK(u.Email), skEmail),
			ConditionExpression:       aws.String("#uid = :uid"),
			ExpressionAttributeNames:  map[string]string{"#uid": "userId"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":uid": str(userID)}}},
	})
	reasons := txReasons(err)
	switch {
	case err == nil:
		return nil
	case txFailed(reasons, 0):
		return tenant.ErrUserNotFound // deleted concurrently
	case txFailed(reasons, 1):
		return fmt.Errorf("delete user: the email item of user %s names another user", userID)
	}
	return fmt.Errorf("delete user: %w", err)
}

// ChangeEmail writes, in one transaction, the user with the new email (on the condition that it did not change
// since the read), the new email's lookup item (on the condition that no user has it) and the removal of the old
// one (on the condition that it still names this user). A lost race on the user starts over.
func (s *TenantStore) ChangeEmail(ctx context.Context, tenantID, userID, email string, at time.Time) (tenant.User, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return tenant.User{}, err
			}
		}
		u, version, err := s.getUser(ctx, tenantID, userID)
		if err != nil {
			return tenant.User{}, err
		}
		if u.Email == email {
			return u, nil
		}
		old := u.Email
		u.Email, u.UpdatedAt = email, at
		av, err := attributevalue.MarshalMap(userToItem(u, version+1))
		if err != nil {
			return tenant.User{}, fmt.Errorf("encode user: %w", err)
		}
		lookup, err := putNew(s.table, emailItem{PK: emailPK(email), SK: skEmail, Entity: "email", TenantID: tenantID, UserID: userID})
		if err != nil {
			return tenant.User{}, fmt.Errorf("encode email: %w", err)
		}
		err = transact(ctx, s.c, []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("#v = :v"),
				ExpressionAttributeNames:  map[string]string{"#v": "version"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)}}},
			lookup,
			{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(emailPK(old), skEmail),
				ConditionExpression:       aws.String("#uid = :uid"),
				ExpressionAttributeNames:  map[string]string{"#uid": "userId"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":uid": str(userID)}}},
		})
		reasons := txReasons(err)
		switch {
		case err == nil:
			return u, nil
		case txFailed(reasons, 1):
			return tenant.User{}, tenant.ErrEmailTaken
		case txFailed(reasons, 0):
			continue // the user changed since the read: read again
		case txFailed(reasons, 2):
			return tenant.User{}, fmt.Errorf("change email: the email item of user %s names another user", userID)
		}
		return tenant.User{}, fmt.Errorf("change email: %w", err)
	}
	return tenant.User{}, ErrContention
}
