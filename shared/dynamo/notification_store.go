package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/notification"
)

// NotificationStore is notification.Store on DynamoDB: one item per notification in the tenant's partition, sorted
// by ID, with ttl = expiry. A tenant-wide notification has no userId attribute. Every method selects what the user
// may see with one expression (visibility), evaluated by DynamoDB: in the filter of a query, in the condition of a
// write. Until DynamoDB deletes an expired notification, that expression hides it by comparing expiresAt with Now.
type NotificationStore struct {
	c     Client
	table string
	// Now is the clock that decides whether a notification has expired.
	Now func() time.Time
}

var _ notification.Store = (*NotificationStore)(nil)

// NewNotificationStore returns the notification store over the single table.
func NewNotificationStore(c Client, table string) *NotificationStore {
	return &NotificationStore{c: c, table: table, Now: time.Now}
}

const notificationPrefix = "NTF#"

type notificationItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Entity   string `dynamodbav:"entity"`
	ID       string `dynamodbav:"id"`
	TenantID string `dynamodbav:"tenantId"`
	// UserID is absent for a tenant-wide notification, so no expression needs an empty string.
	UserID    string `dynamodbav:"userId,omitempty"`
	Kind      string `dynamodbav:"kind,omitempty"`
	Type      string `dynamodbav:"type"`
	Title     string `dynamodbav:"title"`
	Message   string `dynamodbav:"message"`
	Icon      string `dynamodbav:"icon"`
	Link      string `dynamodbav:"link"`
	Read      bool   `dynamodbav:"read"`
	CreatedAt string `dynamodbav:"createdAt"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

// visibility returns the condition "not expired, and the user's or tenant-wide" with its names and values; a caller
// without a user ("") sees the tenant-wide notifications only.
func (s *NotificationStore) visibility(userID string) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#exp": "expiresAt", "#uid": "userId"}
	values := map[string]types.AttributeValue{":now": str(fmtTime(s.Now()))}
	if userID == "" {
		return "#exp > :now AND attribute_not_exists(#uid)", names, values
	}
	values[":uid"] = str(userID)
	return "#exp > :now AND (attribute_not_exists(#uid) OR #uid = :uid)", names, values
}

// CreateNotification puts n unless a live notification with its ID exists; an expired one is replaced. It returns
// the notification stored under the ID (the existing one read back, consistently, when the put was refused).
func (s *NotificationStore) CreateNotification(ctx context.Context, n notification.Notification, expires time.Time) (notification.Notification, error) {
	av, err := attributevalue.MarshalMap(notificationItem{PK: tenantPK(n.TenantID), SK: notificationPrefix + n.ID,
		Entity: "notification", ID: n.ID, TenantID: n.TenantID, UserID: n.UserID, Kind: string(n.Kind), Type: n.Type,
		Title: n.Title, Message: n.Message, Icon: n.Icon, Link: n.Link, Read: n.Read, CreatedAt: fmtTime(n.CreatedAt),
		ExpiresAt: fmtTime(expires), TTL: expires.Unix()})
	if err != nil {
		return notification.Notification{}, fmt.Errorf("encode notification: %w", err)
	}
	_, err = s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #exp <= :now"),
		ExpressionAttributeNames:  map[string]string{"#exp": "expiresAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(fmtTime(s.Now()))}})
	switch {
	case err == nil:
		return n, nil
	case !isConditionFailed(err):
		return notification.Notification{}, fmt.Errorf("create notification: %w", err)
	}
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": str(tenantPK(n.TenantID)), "sk": str(notificationPrefix + n.ID)}})
	if err != nil {
		return notification.Notification{}, fmt.Errorf("read back notification: %w", err)
	}
	if out.Item == nil { // deleted between the put and the read: its user has dealt with it
		n.Read = true
		return n, nil
	}
	return decodeNotification(out.Item)
}

func decodeNotification(av map[string]types.AttributeValue) (notification.Notification, error) {
	var it notificationItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return notification.Notification{}, fmt.Errorf("decode notification: %w", err)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return notification.Notification{}, fmt.Errorf("notification %s: %w", it.ID, err)
	}
	return notification.Notification{ID: it.ID, TenantID: it.TenantID, UserID: it.UserID, Kind: notification.Kind(it.Kind), Type: it.Type,
		Title: it.Title, Message: it.Message, Icon: it.Icon, Link: it.Link, Read: it.Read, CreatedAt: created}, nil
}

// unread adds "not read" to a visibility condition.
func unread(cond string, names map[string]string, values map[string]types.AttributeValue) string {
	names["#read"] = "read"
	values[":false"] = &types.AttributeValueMemberBOOL{Value: false}
	return cond + " AND #read = :false"
}

// ListNotifications queries the tenant's notifications newest (highest ID) first and filters them in DynamoDB; it
// reads other users' notifications of the tenant too, and skips them.
func (s *NotificationStore) ListNotifications(ctx context.Context, tenantID, userID string, f notification.Filter) ([]notification.Notification, error) {
	if err := activity.CheckLimit(f.Limit); err != nil {
		return nil, err
	}
	cond, names, values := s.visibility(userID)
	if f.UnreadOnly {
		cond = unread(cond, names, values)
	}
	items, err := queryNewest(ctx, s.c, newestQuery{table: s.table, pk: tenantPK(tenantID), prefix: notificationPrefix,
		before: f.Before, filter: cond, names: names, values: values, limit: f.Limit})
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	out := make([]notification.Notification, 0, len(items))
	for _, av := range items {
		n, err := decodeNotification(av)
		if err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		out = append(out, n)
	}
	return out, nil
}

// unreadItems returns the keys of the unread notifications the user sees.
func (s *NotificationStore) unreadItems(ctx context.Context, tenantID, userID string) ([]map[string]types.AttributeValue, error) {
	cond, names, values := s.visibility(userID)
	cond = unread(cond, names, values)
	values[":pk"], values[":prefix"] = str(tenantPK(tenantID)), str(notificationPrefix)
	return queryAll(ctx, s.c, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		FilterExpression:          aws.String(cond),
		ProjectionExpression:      aws.String("pk, sk"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
}

// CountUnread counts with a query over the tenant's notifications (there is no counter item to keep in step).
func (s *NotificationStore) CountUnread(ctx context.Context, tenantID, userID string) (int, error) {
	items, err := s.unreadItems(ctx, tenantID, userID)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return len(items), nil
}

// MarkRead sets read in one conditional update: the condition is the user's visibility, so another user's or an
// expired notification fails it like a missing one.
func (s *NotificationStore) MarkRead(ctx context.Context, tenantID, userID, id string) error {
	cond, names, values := s.visibility(userID)
	names["#read"] = "read"
	values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenantID), notificationPrefix+id),
		UpdateExpression:          aws.String("SET #read = :true"),
		ConditionExpression:       aws.String("attribute_exists(pk) AND " + cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return notification.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	return nil
}

// MarkAllRead finds the unread notifications the user sees and marks each one read on the condition that it is
// still unread and live, so a notification marked concurrently is counted once, by whoever marked it.
func (s *NotificationStore) MarkAllRead(ctx context.Context, tenantID, userID string) (int, error) {
	items, err := s.unreadItems(ctx, tenantID, userID)
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	marked := 0
	for _, it := range items {
		_, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                aws.String(s.table),
			Key:                      map[string]types.AttributeValue{AttrPK: it[AttrPK], AttrSK: it[AttrSK]},
			UpdateExpression:         aws.String("SET #read = :true"),
			ConditionExpression:      aws.String("#read = :false AND #exp > :now"),
			ExpressionAttributeNames: map[string]string{"#read": "read", "#exp": "expiresAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true},
				":false": &types.AttributeValueMemberBOOL{Value: false}, ":now": str(fmtTime(s.Now()))},
		})
		switch {
		case err == nil:
			marked++
		case !isConditionFailed(err):
			return marked, fmt.Errorf("mark notifications read: %w", err)
		}
	}
	return marked, nil
}

// DeleteNotification deletes on the condition of the user's visibility, like MarkRead.
func (s *NotificationStore) DeleteNotification(ctx context.Context, tenantID, userID, id string) error {
	cond, names, values := s.visibility(userID)
	_, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(tenantPK(tenantID), notificationPrefix+id),
		ConditionExpression:       aws.String("attribute_exists(pk) AND " + cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return notification.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete notification: %w", err)
	}
	return nil
}

// DeleteUserNotifications queries the tenant's notifications addressed to the user (expired ones too) and deletes
// them one by one; a partial failure leaves the rest for the next call (the consumer's retry).
func (s *NotificationStore) DeleteUserNotifications(ctx context.Context, tenantID, userID string) (int, error) {
	if userID == "" {
		return 0, fmt.Errorf("delete user notifications: no user")
	}
	items, err := queryAll(ctx, s.c, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		FilterExpression:          aws.String("#uid = :uid"),
		ProjectionExpression:      aws.String("pk, sk"),
		ExpressionAttributeNames:  map[string]string{"#uid": "userId"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(notificationPrefix), ":uid": str(userID)},
	})
	if err != nil {
		return 0, fmt.Errorf("delete user notifications: %w", err)
	}
	for i, av := range items {
		if _, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
			Key: map[string]types.AttributeValue{"pk": av["pk"], "sk": av["sk"]}}); err != nil {
			return i, fmt.Errorf("delete user notifications: %w", err)
		}
	}
	return len(items), nil
}

var _ notification.PreferenceStore = (*NotificationStore)(nil)

// preferencesSK is the sort key of a user's notification preferences in the tenant's partition.
func preferencesSK(userID string) string { return "NTFPREF#" + userID }

type preferencesItem struct {
	PK        string   `dynamodbav:"pk"`
	SK        string   `dynamodbav:"sk"`
	Entity    string   `dynamodbav:"entity"`
	TenantID  string   `dynamodbav:"tenantId"`
	UserID    string   `dynamodbav:"userId"`
	Muted     []string `dynamodbav:"muted,omitempty"`
	UpdatedAt string   `dynamodbav:"updatedAt"`
}

// GetPreferences returns the user's notification preferences (empty ones when the user has none).
func (s *NotificationStore) GetPreferences(ctx context.Context, tenantID, userID string) (notification.Preferences, error) {
	p := notification.Preferences{TenantID: tenantID, UserID: userID}
	av, err := getItem(ctx, s.c, s.table, tenantPK(tenantID), preferencesSK(userID))
	if err != nil {
		return p, fmt.Errorf("get notification preferences: %w", err)
	}
	if av == nil {
		return p, nil
	}
	var it preferencesItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return p, fmt.Errorf("decode notification preferences: %w", err)
	}
	for _, k := range it.Muted {
		p.Muted = append(p.Muted, notification.Kind(k))
	}
	if p.UpdatedAt, err = parseTime(it.UpdatedAt); err != nil {
		return p, fmt.Errorf("notification preferences of %s: %w", userID, err)
	}
	return p, nil
}

// PutPreferences replaces the user's notification preferences.
func (s *NotificationStore) PutPreferences(ctx context.Context, p notification.Preferences) error {
	it := preferencesItem{PK: tenantPK(p.TenantID), SK: preferencesSK(p.UserID), Entity: "notification-preferences",
		TenantID: p.TenantID, UserID: p.UserID, UpdatedAt: fmtTime(p.UpdatedAt)}
	for _, k := range p.Muted {
		it.Muted = append(it.Muted, string(k))
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("encode notification preferences: %w", err)
	}
	if _, err := s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av}); err != nil {
		return fmt.Errorf("put notification preferences: %w", err)
	}
	return nil
}

// DeletePreferences deletes the user's preferences item.
func (s *NotificationStore) DeletePreferences(ctx context.Context, tenantID, userID string) error {
	if _, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key: key(tenantPK(tenantID), preferencesSK(userID))}); err != nil {
		return fmt.Errorf("delete notification preferences: %w", err)
	}
	return nil
}
