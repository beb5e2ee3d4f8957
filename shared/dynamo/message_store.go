package dynamo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// MessageStore is message.Store on DynamoDB. A message is one item in its tenant's partition keyed by ID and session
// ("MSG#<id>#<sid>"), so CreateMessage's uniqueness is a put condition, GetSessionMessage a GetItem and
// GetMessage a Query of the ID's prefix. The item sits in three index partitions sorted by
// "<timestamp>#<id>[#<sid>]": the tenant's (GSI1), its session's (GSI2) and its chat's (GSI3); List queries the
// narrowest one its filter allows and filters the rest in DynamoDB. Index reads are eventually consistent: a message
// shows up in List shortly after it is stored. Items expire message.Retention after their Timestamp (ttl).
//
// Message and session IDs must not contain characters that sort before "#" (WhatsApp's and WaQtor's never do):
// the index sort keys join them with "#".
type MessageStore struct {
	c     Client
	table string
}

var _ message.Store = (*MessageStore)(nil)

// NewMessageStore returns the message store over the single table.
func NewMessageStore(c Client, table string) *MessageStore { return &MessageStore{c: c, table: table} }

const messagePrefix = "MSG#"

type mediaItem struct {
	Kind     string `dynamodbav:"kind"`
	Mime     string `dynamodbav:"mime"`
	FileName string `dynamodbav:"fileName,omitempty"`
	Size     int64  `dynamodbav:"size"`
	Key      string `dynamodbav:"key,omitempty"`
	URL      string `dynamodbav:"url,omitempty"`
}

// Empty lists and maps are left out of items (omitempty, nil pointers): minidyn, the emulator the tests use, does not
// read them back as lists and maps.

// addressItem is a session.Address with its empty forms left out.
type addressItem struct {
	Phone string `dynamodbav:"phone,omitempty"`
	LID   string `dynamodbav:"lid,omitempty"`
	Group string `dynamodbav:"group,omitempty"`
}

// encodeAddress leaves the zero address out of the item (nil).
func encodeAddress(a session.Address) *addressItem {
	if a.IsZero() {
		return nil
	}
	it := addressItem(a)
	return &it
}

func decodeAddress(it *addressItem) session.Address {
	if it == nil {
		return session.Address{}
	}
	return session.Address(*it)
}

type stepItem struct {
	Status string `dynamodbav:"status"`
	At     string `dynamodbav:"at"`
	Error  string `dynamodbav:"error,omitempty"`
}

type messageItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	GSI2PK string `dynamodbav:"gsi2pk"`
	GSI2SK string `dynamodbav:"gsi2sk"`
	GSI3PK string `dynamodbav:"gsi3pk"`
	GSI3SK string `dynamodbav:"gsi3sk"`
	Entity string `dynamodbav:"entity"`

	ID         string       `dynamodbav:"id"`
	TenantID   string       `dynamodbav:"tenantId"`
	SessionID  string       `dynamodbav:"sessionId"`
	Direction  string       `dynamodbav:"direction"`
	ChatID     string       `dynamodbav:"chatId"`
	Chat       *addressItem `dynamodbav:"chat,omitempty"`
	Sender     *addressItem `dynamodbav:"sender,omitempty"`
	PushName   string       `dynamodbav:"pushName,omitempty"`
	IsGroup    bool         `dynamodbav:"isGroup"`
	Type       string       `dynamodbav:"type"`
	Body       string       `dynamodbav:"body,omitempty"`
	Media      *mediaItem   `dynamodbav:"media,omitempty"`
	Content    []byte       `dynamodbav:"content,omitempty"`
	ReplyTo    string       `dynamodbav:"replyTo,omitempty"`
	CampaignID string       `dynamodbav:"campaignId,omitempty"`
	Status     string       `dynamodbav:"status"`
	Error      string       `dynamodbav:"error,omitempty"`
	Timeline   []stepItem   `dynamodbav:"timeline,omitempty"`
	Timestamp  string       `dynamodbav:"timestamp"`
	UpdatedAt  string       `dynamodbav:"updatedAt"`
	TTL        int64        `dynamodbav:"ttl"`
	Version    int64        `dynamodbav:"version"`
}

func messageSK(id, sessionID string) string { return messagePrefix + id + "#" + sessionID }

// Index partitions of a tenant's messages: all of them, one session's, one chat's.
func messagesPK(tenantID string) string { return "MSGS#" + tenantID }
func sessionMessagesPK(tenantID, sessionID string) string {
	return "MSGS#" + tenantID + "#SES#" + sessionID
}
func chatMessagesPK(tenantID, chatID string) string { return "MSGS#" + tenantID + "#CHAT#" + chatID }

// positionKey is the index sort key of a position: it sorts as List's order (reversed).
func positionKey(p message.Position) string {
	return fmtTime(p.Timestamp) + "#" + p.ID + "#" + p.SessionID
}

func encodeTimeline(t []message.Step) []stepItem {
	var out []stepItem
	for _, s := range t {
		out = append(out, stepItem{Status: string(s.Status), At: fmtTime(s.At), Error: s.Error})
	}
	return out
}

func encodeMessage(m message.Message, version int64) messageItem {
	pos := positionKey(message.PositionOf(m))
	it := messageItem{PK: tenantPK(m.TenantID), SK: messageSK(m.ID, m.SessionID),
		GSI1PK: messagesPK(m.TenantID), GSI1SK: pos,
		GSI2PK: sessionMessagesPK(m.TenantID, m.SessionID), GSI2SK: pos,
		GSI3PK: chatMessagesPK(m.TenantID, m.ChatID), GSI3SK: pos,
		Entity: "message", ID: m.ID, TenantID: m.TenantID, SessionID: m.SessionID, Direction: m.Direction,
		ChatID: m.ChatID, Chat: encodeAddress(m.Chat), Sender: encodeAddress(m.Sender), PushName: m.PushName, IsGroup: m.IsGroup, Type: m.Type,
		Body: m.Body, Content: m.Content, ReplyTo: m.ReplyTo, CampaignID: m.CampaignID, Status: string(m.Status),
		Error: m.Error, Timeline: encodeTimeline(m.Timeline), Timestamp: fmtTime(m.Timestamp),
		UpdatedAt: fmtTime(m.UpdatedAt), TTL: m.Timestamp.Add(message.Retention).Unix(), Version: version}
	if m.Media != nil {
		it.Media = &mediaItem{Kind: string(m.Media.Kind), Mime: m.Media.Mime, FileName: m.Media.FileName,
			Size: m.Media.Size, Key: m.Media.Key, URL: m.Media.URL}
	}
	return it
}

func decodeMessage(av map[string]types.AttributeValue) (message.Message, int64, error) {
	var it messageItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return message.Message{}, 0, fmt.Errorf("decode message: %w", err)
	}
	m := message.Message{ID: it.ID, TenantID: it.TenantID, SessionID: it.SessionID, Direction: it.Direction,
		ChatID: it.ChatID, Chat: decodeAddress(it.Chat), Sender: decodeAddress(it.Sender), PushName: it.PushName, IsGroup: it.IsGroup, Type: it.Type,
		Body: it.Body, ReplyTo: it.ReplyTo, CampaignID: it.CampaignID, Status: message.Status(it.Status), Error: it.Error}
	if len(it.Content) > 0 {
		m.Content = json.RawMessage(it.Content)
	}
	if it.Media != nil {
		m.Media = &message.MediaInfo{Kind: session.MediaKind(it.Media.Kind), Mime: it.Media.Mime,
			FileName: it.Media.FileName, Size: it.Media.Size, Key: it.Media.Key, URL: it.Media.URL}
	}
	var errs []error
	m.Timeline = make([]message.Step, 0, len(it.Timeline)) // as SQLite: an empty timeline is [], never null
	for _, s := range it.Timeline {
		at, err := parseTime(s.At)
		errs = append(errs, err)
		m.Timeline = append(m.Timeline, message.Step{Status: message.Status(s.Status), At: at, Error: s.Error})
	}
	var err error
	m.Timestamp, err = parseTime(it.Timestamp)
	errs = append(errs, err)
	m.UpdatedAt, err = parseTime(it.UpdatedAt)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return message.Message{}, 0, fmt.Errorf("message %s: %w", it.ID, err)
	}
	return m, it.Version, nil
}

// CreateMessage puts m on the condition that its (tenant, session, ID) item does not exist.
func (s *MessageStore) CreateMessage(ctx context.Context, m message.Message) (bool, error) {
	av, err := attributevalue.MarshalMap(encodeMessage(m, 1))
	if err != nil {
		return false, fmt.Errorf("encode message: %w", err)
	}
	_, err = s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create message: %w", err)
	}
	return true, nil
}

// GetMessage queries the ID's items in the tenant's partition (one per session holding it) and answers the
// outgoing one first.
func (s *MessageStore) GetMessage(ctx context.Context, tenantID, id string) (message.Message, error) {
	list, err := listDecoded(ctx, s.c, s.table, tenantPK(tenantID), messagePrefix+id+"#", "messages", decodeMessage,
		func(a, b message.Message) int {
			return cmp.Or(cmp.Compare(outgoingFirst(a), outgoingFirst(b)), cmp.Compare(a.SessionID, b.SessionID))
		})
	if err != nil {
		return message.Message{}, fmt.Errorf("get message: %w", err)
	}
	if len(list) == 0 {
		return message.Message{}, message.ErrNotFound
	}
	return list[0], nil
}

func outgoingFirst(m message.Message) int {
	if m.Direction == message.Outbound {
		return 0
	}
	return 1
}

func (s *MessageStore) GetSessionMessage(ctx context.Context, tenantID, sessionID, id string) (message.Message, error) {
	m, _, err := getDecoded(ctx, s.c, s.table, tenantPK(tenantID), messageSK(id, sessionID), "message", message.ErrNotFound, decodeMessage)
	return m, err
}

// Apply reads the message, applies st with message.Apply and, if it changed, writes status, error, timeline and
// updatedAt on the condition that the version did not move; a lost race starts over.
func (s *MessageStore) Apply(ctx context.Context, tenantID, sessionID, id string, st message.Status, at time.Time, errMsg string) (message.Message, bool, error) {
	for n := range maxApplyAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return message.Message{}, false, err
			}
		}
		m, version, err := s.getVersioned(ctx, tenantID, sessionID, id)
		if err != nil {
			return message.Message{}, false, err
		}
		if !message.Apply(&m, st, at, errMsg) {
			return m, false, nil
		}
		timeline, err := attributevalue.Marshal(encodeTimeline(m.Timeline))
		if err != nil {
			return message.Message{}, false, fmt.Errorf("encode timeline: %w", err)
		}
		_, err = s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:           aws.String(s.table),
			Key:                 key(tenantPK(tenantID), messageSK(id, sessionID)),
			UpdateExpression:    aws.String("SET #st = :st, #err = :err, #tl = :tl, #up = :up, #v = :next"),
			ConditionExpression: aws.String("#v = :v"),
			ExpressionAttributeNames: map[string]string{"#st": "status", "#err": "error", "#tl": "timeline",
				"#up": "updatedAt", "#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":st": str(string(m.Status)), ":err": str(m.Error),
				":tl": timeline, ":up": str(fmtTime(m.UpdatedAt)), ":v": num(version), ":next": num(version + 1)},
		})
		if err == nil {
			return m, true, nil
		}
		if !isConditionFailed(err) {
			return message.Message{}, false, fmt.Errorf("apply message status: %w", err)
		}
	}
	return message.Message{}, false, ErrContention
}

// maxApplyAttempts bounds Apply's optimistic loop: every receipt of a message may race the others, and each lost
// race means another writer won, so it allows more rounds than maxAttempts.
const maxApplyAttempts = 2 * maxAttempts

func (s *MessageStore) getVersioned(ctx context.Context, tenantID, sessionID, id string) (message.Message, int64, error) {
	return getDecoded(ctx, s.c, s.table, tenantPK(tenantID), messageSK(id, sessionID), "message", message.ErrNotFound, decodeMessage)
}

// List queries the narrowest index partition of the filter (chat, else session, else tenant) between the range's
// and the cursor's bounds, newest first, with the other conditions as a filter expression; it reads until it has
// one message more than the page, so Next is set only when another page exists.
func (s *MessageStore) List(ctx context.Context, tenantID string, f message.Filter) (message.Page, error) {
	limit, err := f.PageLimit()
	if err != nil {
		return message.Page{}, err
	}
	after, err := f.After(tenantID)
	if err != nil {
		return message.Page{}, err
	}
	idx, pk := GSI1, messagesPK(tenantID)
	var conds []string
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	eq := func(attr, value string) {
		names["#"+attr] = attr
		values[":"+attr] = str(value)
		conds = append(conds, "#"+attr+" = :"+attr)
	}
	switch {
	case f.ChatID != "":
		idx, pk = GSI3, chatMessagesPK(tenantID, f.ChatID)
		if f.SessionID != "" {
			eq("sessionId", f.SessionID)
		}
	case f.SessionID != "":
		idx, pk = GSI2, sessionMessagesPK(tenantID, f.SessionID)
	}
	if f.Direction != "" {
		eq("direction", f.Direction)
	}
	if f.Status != "" {
		eq("status", string(f.Status))
	}
	if f.Type != "" {
		eq("type", f.Type)
	}

	// The sort key range: [From, min(To, cursor)). Every sort key is "<time>#…", so the bare time of From sorts
	// before all of its instant's keys and the bare time of To before all of To's (excluded).
	lo, hi := "", ""
	if !f.From.IsZero() {
		lo = fmtTime(f.From)
	}
	if !f.To.IsZero() {
		hi = fmtTime(f.To)
	}
	if after != nil {
		if c := positionKey(*after); hi == "" || c < hi {
			hi = c
		}
	}
	page := message.Page{Messages: []message.Message{}}
	if lo != "" && hi != "" && hi <= lo {
		return page, nil
	}
	names["#ipk"] = idx.PK
	values[":ipk"] = str(pk)
	keyCond := "#ipk = :ipk"
	if lo != "" || hi != "" {
		names["#isk"] = idx.SK
	}
	switch {
	case lo != "" && hi != "":
		// BETWEEN is inclusive: hi is a bare time (no key equals it) or the cursor's key, which is dropped below.
		keyCond += " AND #isk BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(lo), str(hi)
	case lo != "":
		keyCond += " AND #isk >= :lo"
		values[":lo"] = str(lo)
	case hi != "":
		keyCond += " AND #isk < :hi"
		values[":hi"] = str(hi)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(idx.Name),
		ScanIndexForward:          aws.Bool(false),
		KeyConditionExpression:    aws.String(keyCond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if len(conds) > 0 {
		in.FilterExpression = aws.String(strings.Join(conds, " AND "))
	}
	items, err := queryUntil(ctx, s.c, in, limit+1, func(item map[string]types.AttributeValue) bool {
		sk, _ := item[idx.SK].(*types.AttributeValueMemberS)
		return sk == nil || sk.Value != hi
	})
	if err != nil {
		return message.Page{}, fmt.Errorf("list messages: %w", err)
	}
	for _, av := range items {
		m, _, err := decodeMessage(av)
		if err != nil {
			return message.Page{}, fmt.Errorf("list messages: %w", err)
		}
		page.Messages = append(page.Messages, m)
	}
	if len(page.Messages) > limit {
		page.Messages = page.Messages[:limit]
		page.Next = f.NextCursor(tenantID, message.PositionOf(page.Messages[limit-1]))
	}
	return page, nil
}

// queryUntil runs the query page after page until it has n items that keep accepts, or the range ends. DynamoDB
// applies Limit before the filter, so it starts with pages of n and doubles them while the filter leaves them short.
func queryUntil(ctx context.Context, c Client, in *dynamodb.QueryInput, n int, keep func(map[string]types.AttributeValue) bool) ([]map[string]types.AttributeValue, error) {
	in = &dynamodb.QueryInput{TableName: in.TableName, IndexName: in.IndexName, ScanIndexForward: in.ScanIndexForward,
		KeyConditionExpression: in.KeyConditionExpression, FilterExpression: in.FilterExpression,
		ExpressionAttributeNames: maps.Clone(in.ExpressionAttributeNames), ExpressionAttributeValues: maps.Clone(in.ExpressionAttributeValues)}
	size := int32(min(n, maxQueryPage))
	var out []map[string]types.AttributeValue
	for {
		in.Limit = aws.Int32(size)
		res, err := c.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, item := range res.Items {
			if !keep(item) {
				continue
			}
			out = append(out, item)
			if len(out) == n {
				return out, nil
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
		size = min(size*2, maxQueryPage)
	}
}
