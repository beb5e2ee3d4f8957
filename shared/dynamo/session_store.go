package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/session"
)

// SessionStore is session.Store on DynamoDB. Each session is an item in its tenant's partition that also sits in
// GSI1's partition "SESSIONS" (ListAll is one Query there, never a Scan). The tenant's session set item names the
// default session and carries a version that every create and delete moves in the same transaction as the
// session itself, so concurrent creates and deletes serialise on it: a tenant never ends up with two defaults, or
// with sessions but none. Status updates are optimistic (version) read-modify-writes of the session item alone.
type SessionStore struct {
	c     Client
	table string
	// Now is the clock that decides whether a reply has expired.
	Now func() time.Time
}

var _ session.Store = (*SessionStore)(nil)

// NewSessionStore returns the session store over the single table.
func NewSessionStore(c Client, table string) *SessionStore {
	return &SessionStore{c: c, table: table, Now: time.Now}
}

const (
	sessionPrefix = "SESSION#"
	skSessionSet  = "SESSIONSET"
	replyPrefix   = "REPLY#"
	// gsiSessions is GSI1's partition of every session.
	gsiSessions = "SESSIONS"
)

type accountItem struct {
	Phone        string `dynamodbav:"phone"`
	LID          string `dynamodbav:"lid,omitempty"`
	DeviceJID    string `dynamodbav:"deviceJid,omitempty"`
	PushName     string `dynamodbav:"pushName,omitempty"`
	Platform     string `dynamodbav:"platform,omitempty"`
	BusinessName string `dynamodbav:"businessName,omitempty"`
}

type sessionItem struct {
	PK          string       `dynamodbav:"pk"`
	SK          string       `dynamodbav:"sk"`
	GSI1PK      string       `dynamodbav:"gsi1pk"`
	GSI1SK      string       `dynamodbav:"gsi1sk"`
	Entity      string       `dynamodbav:"entity"`
	ID          string       `dynamodbav:"id"`
	TenantID    string       `dynamodbav:"tenantId"`
	Name        string       `dynamodbav:"name"`
	Default     bool         `dynamodbav:"default"`
	Status      string       `dynamodbav:"status"`
	Reason      string       `dynamodbav:"reason,omitempty"`
	Until       string       `dynamodbav:"until,omitempty"`
	NextRetryAt string       `dynamodbav:"nextRetryAt,omitempty"`
	Account     *accountItem `dynamodbav:"account,omitempty"`
	QR          string       `dynamodbav:"qr,omitempty"`
	QRExpiresAt string       `dynamodbav:"qrExpiresAt,omitempty"`
	PairingCode string       `dynamodbav:"pairingCode,omitempty"`
	CreatedAt   string       `dynamodbav:"createdAt"`
	UpdatedAt   string       `dynamodbav:"updatedAt"`
	Version     int64        `dynamodbav:"version"`
}

// sessionSetItem is the tenant's session set: DefaultID is absent while the tenant has no session.
type sessionSetItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	DefaultID string `dynamodbav:"defaultId,omitempty"`
	Version   int64  `dynamodbav:"version"`
}

type replyItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	Body      []byte `dynamodbav:"body"`
	ExpiresAt string `dynamodbav:"expiresAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

func encodeSession(s session.Session, version int64) sessionItem {
	it := sessionItem{PK: tenantPK(s.TenantID), SK: sessionPrefix + s.ID, GSI1PK: gsiSessions,
		GSI1SK: s.TenantID + "#" + s.ID, Entity: "session", ID: s.ID, TenantID: s.TenantID, Name: s.Name,
		Default: s.Default, Status: string(s.Status), Reason: s.Reason, Until: fmtTimePtr(s.Until), NextRetryAt: fmtTimePtr(s.NextRetryAt), QR: s.QR,
		QRExpiresAt: fmtTimePtr(s.QRExpiresAt), PairingCode: s.PairingCode, CreatedAt: fmtTime(s.CreatedAt),
		UpdatedAt: fmtTime(s.UpdatedAt), Version: version}
	if s.Account != nil {
		a := accountItem(*s.Account)
		it.Account = &a
	}
	return it
}

func decodeSession(av map[string]types.AttributeValue) (session.Session, int64, error) {
	var it sessionItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return session.Session{}, 0, fmt.Errorf("decode session: %w", err)
	}
	s := session.Session{ID: it.ID, TenantID: it.TenantID, Name: it.Name, Default: it.Default,
		Status: session.Status(it.Status), Reason: it.Reason, QR: it.QR, PairingCode: it.PairingCode}
	if it.Account != nil {
		a := session.Account(*it.Account)
		s.Account = &a
	}
	var errs [5]error
	s.Until, errs[0] = parseTimePtr(it.Until)
	s.NextRetryAt, errs[4] = parseTimePtr(it.NextRetryAt)
	s.QRExpiresAt, errs[1] = parseTimePtr(it.QRExpiresAt)
	s.CreatedAt, errs[2] = parseTime(it.CreatedAt)
	s.UpdatedAt, errs[3] = parseTime(it.UpdatedAt)
	if err := errors.Join(errs[:]...); err != nil {
		return session.Session{}, 0, fmt.Errorf("session %s: %w", it.ID, err)
	}
	return s, it.Version, nil
}

// sessionSet reads the tenant's session set (the zero set, version 0, when the tenant never had a session).
func (st *SessionStore) sessionSet(ctx context.Context, tenantID string) (sessionSetItem, error) {
	set := sessionSetItem{PK: tenantPK(tenantID), SK: skSessionSet, Entity: "sessionSet"}
	av, err := getItem(ctx, st.c, st.table, set.PK, set.SK)
	if err != nil || av == nil {
		return set, err
	}
	if err := attributevalue.UnmarshalMap(av, &set); err != nil {
		return set, fmt.Errorf("decode session set: %w", err)
	}
	return set, nil
}

// putSet is the transaction item that writes set as the next version of the one read.
func (st *SessionStore) putSet(set sessionSetItem) (types.TransactWriteItem, error) {
	read := set.Version
	set.Version++
	av, err := attributevalue.MarshalMap(set)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encode session set: %w", err)
	}
	put := &types.Put{TableName: aws.String(st.table), Item: av,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(read)}}
	return types.TransactWriteItem{Put: put}, nil
}

// CreateSession puts the session and the next version of the session set in one transaction; it is the default
// when the set names none. A lost race on the set starts over.
func (st *SessionStore) CreateSession(ctx context.Context, s session.Session) (session.Session, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return session.Session{}, err
			}
		}
		set, err := st.sessionSet(ctx, s.TenantID)
		if err != nil {
			return session.Session{}, fmt.Errorf("create session: %w", err)
		}
		s.Default = set.DefaultID == ""
		if s.Default {
			set.DefaultID = s.ID
		}
		av, err := attributevalue.MarshalMap(encodeSession(s, 1))
		if err != nil {
			return session.Session{}, fmt.Errorf("encode session: %w", err)
		}
		putSet, err := st.putSet(set)
		if err != nil {
			return session.Session{}, err
		}
		_, err = st.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(st.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			putSet,
		}})
		reasons := txReasons(err)
		switch {
		case err == nil:
			return s, nil
		case txFailed(reasons, 0):
			return session.Session{}, session.ErrExists
		case !txFailed(reasons, 1) && !isTxConflict(err):
			return session.Session{}, fmt.Errorf("create session: %w", err)
		}
	}
	return session.Session{}, ErrContention
}

func (st *SessionStore) GetSession(ctx context.Context, tenantID, id string) (session.Session, error) {
	s, _, err := getDecoded(ctx, st.c, st.table, tenantPK(tenantID), sessionPrefix+id, "session", session.ErrNotFound, decodeSession)
	return s, err
}

// DefaultSession reads the session the tenant's session set names.
func (st *SessionStore) DefaultSession(ctx context.Context, tenantID string) (session.Session, error) {
	set, err := st.sessionSet(ctx, tenantID)
	if err != nil {
		return session.Session{}, fmt.Errorf("get default session: %w", err)
	}
	if set.DefaultID == "" {
		return session.Session{}, session.ErrNotFound
	}
	return st.GetSession(ctx, tenantID, set.DefaultID)
}

// olderSession orders sessions oldest first (by ID when created at the same instant).
func olderSession(a, b session.Session) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}

// ListSessions queries the tenant's partition for its sessions, oldest first.
func (st *SessionStore) ListSessions(ctx context.Context, tenantID string) ([]session.Session, error) {
	return listDecoded(ctx, st.c, st.table, tenantPK(tenantID), sessionPrefix, "sessions", decodeSession, olderSession)
}

// ListAll queries GSI1's partition of sessions (eventually consistent, as every index read), by tenant and oldest
// first.
func (st *SessionStore) ListAll(ctx context.Context) ([]session.Session, error) {
	items, err := queryAll(ctx, st.c, &dynamodb.QueryInput{
		TableName:                 aws.String(st.table),
		IndexName:                 aws.String(GSI1.Name),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": GSI1.PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsiSessions)},
	})
	if err != nil {
		return nil, fmt.Errorf("list all sessions: %w", err)
	}
	out := make([]session.Session, 0, len(items))
	for _, av := range items {
		s, _, err := decodeSession(av)
		if err != nil {
			return nil, fmt.Errorf("list all sessions: %w", err)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b session.Session) int { return cmp.Or(cmp.Compare(a.TenantID, b.TenantID), olderSession(a, b)) })
	return out, nil
}

// UpdateStatus applies c with session.ApplyChange in an optimistic read-modify-write of the session item.
func (st *SessionStore) UpdateStatus(ctx context.Context, tenantID, id string, c session.Change, at time.Time) (session.Session, error) {
	return updateVersioned(ctx, st.c, st.table, "session",
		func() (session.Session, int64, error) {
			return getDecoded(ctx, st.c, st.table, tenantPK(tenantID), sessionPrefix+id, "session", session.ErrNotFound, decodeSession)
		},
		func(s *session.Session) error { s.ApplyChange(c, at); return nil },
		func(s session.Session, version int64) any { return encodeSession(s, version) })
}

// DeleteSession deletes the session and writes the next version of the session set in one transaction; when the
// session was the default, the same transaction marks the oldest remaining session default (and moves its version,
// so a concurrent UpdateStatus cannot write the flag back).
func (st *SessionStore) DeleteSession(ctx context.Context, tenantID, id string) error {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return err
			}
		}
		set, err := st.sessionSet(ctx, tenantID)
		if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String(st.table),
			Key: key(tenantPK(tenantID), sessionPrefix+id), ConditionExpression: aws.String("attribute_exists(pk)")}}}
		if set.DefaultID == id {
			list, err := st.ListSessions(ctx, tenantID)
			if err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
			set.DefaultID = ""
			for _, s := range list {
				if s.ID == id {
					continue
				}
				set.DefaultID = s.ID
				items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(st.table),
					Key:                       key(tenantPK(tenantID), sessionPrefix+s.ID),
					UpdateExpression:          aws.String("SET #d = :true ADD #v :one"),
					ConditionExpression:       aws.String("attribute_exists(pk)"),
					ExpressionAttributeNames:  map[string]string{"#d": "default", "#v": "version"},
					ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":one": num(1)}}})
				break
			}
		}
		putSet, err := st.putSet(set)
		if err != nil {
			return err
		}
		items = append(items, putSet)
		_, err = st.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		reasons := txReasons(err)
		switch {
		case err == nil:
			return nil
		case txFailed(reasons, 0):
			return session.ErrNotFound
		case !slices.Contains(reasons, "ConditionalCheckFailed") && !isTxConflict(err):
			return fmt.Errorf("delete session: %w", err)
		}
		// The set moved or the promoted session went away meanwhile: read both again.
	}
	return ErrContention
}

// PutReply puts the reply with ttl = expiry, replacing an earlier one.
func (st *SessionStore) PutReply(ctx context.Context, tenantID, requestID string, body []byte, expires time.Time) error {
	av, err := attributevalue.MarshalMap(replyItem{PK: tenantPK(tenantID), SK: replyPrefix + requestID, Entity: "reply",
		Body: body, ExpiresAt: fmtTime(expires), TTL: expires.Unix()})
	if err != nil {
		return fmt.Errorf("encode reply: %w", err)
	}
	if _, err := st.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: av}); err != nil {
		return fmt.Errorf("put reply: %w", err)
	}
	return nil
}

// GetReply reads the reply; one whose expiry has passed is absent, whether or not DynamoDB deleted it yet.
func (st *SessionStore) GetReply(ctx context.Context, tenantID, requestID string) ([]byte, error) {
	av, err := getItem(ctx, st.c, st.table, tenantPK(tenantID), replyPrefix+requestID)
	if err != nil {
		return nil, fmt.Errorf("get reply: %w", err)
	}
	if av == nil {
		return nil, session.ErrNoReply
	}
	var it replyItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("decode reply: %w", err)
	}
	if it.ExpiresAt <= fmtTime(st.Now()) {
		return nil, session.ErrNoReply
	}
	return it.Body, nil
}
