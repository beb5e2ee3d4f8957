package dynamo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/webhook"
)

// WebhookStore is webhook.Store on DynamoDB: endpoints, deliveries and attempts in the tenant's partition (see the
// layout in table.go). Deliveries and attempts carry ttl = their expiry; until DynamoDB deletes them, the store
// compares expiresAt with Now and treats expired ones as absent.
//
// The endpoint item holds two counters that never block each other: "seq", which only CreateDelivery moves, and
// "version", which only UpdateWebhook moves, so frequent deliveries do not make endpoint updates retry.
type WebhookStore struct {
	c     Client
	table string
	// Now is the clock that decides whether a delivery or an attempt has expired.
	Now func() time.Time
}

var _ webhook.Store = (*WebhookStore)(nil)

// NewWebhookStore returns the webhook store over the single table.
func NewWebhookStore(c Client, table string) *WebhookStore {
	return &WebhookStore{c: c, table: table, Now: time.Now}
}

// Sort-key prefixes of the webhook items.
const (
	webhookPrefix  = "WEBHOOK#"
	deliveryPrefix = "DLV#"
	attemptPrefix  = "ATT#"
)

// attemptSK is the sort key of attempt n of a delivery: the "#" after the ID keeps one delivery's attempts apart
// from those of a delivery whose ID extends it, and the zero-padded n sorts them.
func attemptSK(deliveryID string, n int) string {
	return fmt.Sprintf("%s%s#%06d", attemptPrefix, deliveryID, n)
}

type secretAttr struct {
	Value     string `dynamodbav:"value"`
	CreatedAt string `dynamodbav:"createdAt"`
	ExpiresAt string `dynamodbav:"expiresAt,omitempty"`
}

type policyAttr struct {
	Schedule          string `dynamodbav:"schedule"`
	TimeoutMS         int    `dynamodbav:"timeoutMs"`
	RetryClientErrors bool   `dynamodbav:"retryClientErrors"`
	MaxConcurrency    int    `dynamodbav:"maxConcurrency"`
	DisableAfterHours int    `dynamodbav:"disableAfterHours"`
}

// webhookItem is an endpoint. Empty lists and maps are stored as NULL (minidyn cannot return an empty L or M, and
// cannot REMOVE an attribute) and read back as empty, non-nil ones.
type webhookItem struct {
	PK              string            `dynamodbav:"pk"`
	SK              string            `dynamodbav:"sk"`
	Entity          string            `dynamodbav:"entity"`
	ID              string            `dynamodbav:"id"`
	TenantID        string            `dynamodbav:"tenantId"`
	URL             string            `dynamodbav:"url"`
	Description     string            `dynamodbav:"description"`
	Events          []string          `dynamodbav:"events"`
	Sessions        []string          `dynamodbav:"sessions"`
	IgnoreGroups    bool              `dynamodbav:"ignoreGroups"`
	IgnoreBroadcast bool              `dynamodbav:"ignoreBroadcast"`
	IgnoreStatus    bool              `dynamodbav:"ignoreStatus"`
	Headers         map[string]string `dynamodbav:"headers"`
	Enabled         bool              `dynamodbav:"enabled"`
	DisabledReason  string            `dynamodbav:"disabledReason"`
	Secrets         []secretAttr      `dynamodbav:"secrets"`
	Policy          policyAttr        `dynamodbav:"policy"`
	FailingSince    string            `dynamodbav:"failingSince"` // "" when not failing
	// Seq is the sequence number of the endpoint's last delivery (CreateDelivery's transaction increments it).
	Seq       int64  `dynamodbav:"seq"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	// Version guards UpdateWebhook's read-modify-write.
	Version int64 `dynamodbav:"version"`
}

func webhookToItem(w webhook.Webhook, version int64) webhookItem {
	var secrets []secretAttr
	for _, s := range w.Secrets {
		secrets = append(secrets, secretAttr{Value: s.Value, CreatedAt: fmtTime(s.CreatedAt), ExpiresAt: fmtTimePtr(s.ExpiresAt)})
	}
	p := w.Policy
	return webhookItem{PK: tenantPK(w.TenantID), SK: webhookPrefix + w.ID, Entity: "webhook", ID: w.ID, TenantID: w.TenantID,
		URL: w.URL, Description: w.Description, Events: orNil(w.Events), Sessions: orNil(w.Sessions),
		IgnoreGroups: w.IgnoreGroups, IgnoreBroadcast: w.IgnoreBroadcast, IgnoreStatus: w.IgnoreStatus, Headers: mapOrNil(w.Headers),
		Enabled: w.Enabled, DisabledReason: w.DisabledReason, Secrets: secrets,
		Policy: policyAttr{Schedule: p.Schedule, TimeoutMS: p.TimeoutMS, RetryClientErrors: p.RetryClientErrors,
			MaxConcurrency: p.MaxConcurrency, DisableAfterHours: p.DisableAfterHours},
		FailingSince: fmtTimePtr(w.FailingSince), Seq: w.Seq, CreatedAt: fmtTime(w.CreatedAt), UpdatedAt: fmtTime(w.UpdatedAt),
		Version: version}
}

// orNil and mapOrNil turn empty into nil, which is stored as NULL.
func orNil[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

func mapOrNil[M ~map[K]V, K comparable, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func decodeWebhook(av map[string]types.AttributeValue) (webhook.Webhook, int64, error) {
	var it webhookItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return webhook.Webhook{}, 0, fmt.Errorf("decode webhook: %w", err)
	}
	p := it.Policy
	w := webhook.Webhook{ID: it.ID, TenantID: it.TenantID, URL: it.URL, Description: it.Description,
		Events: nonNil(it.Events), Sessions: nonNil(it.Sessions), IgnoreGroups: it.IgnoreGroups,
		IgnoreBroadcast: it.IgnoreBroadcast, IgnoreStatus: it.IgnoreStatus, Headers: it.Headers, Enabled: it.Enabled,
		DisabledReason: it.DisabledReason, Secrets: make([]webhook.Secret, len(it.Secrets)),
		Policy: webhook.Policy{Schedule: p.Schedule, TimeoutMS: p.TimeoutMS, RetryClientErrors: p.RetryClientErrors,
			MaxConcurrency: p.MaxConcurrency, DisableAfterHours: p.DisableAfterHours},
		Seq: it.Seq}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	errs := make([]error, 0, 3+2*len(it.Secrets))
	var err error
	w.FailingSince, err = parseTimePtr(it.FailingSince)
	errs = append(errs, err)
	w.CreatedAt, err = parseTime(it.CreatedAt)
	errs = append(errs, err)
	w.UpdatedAt, err = parseTime(it.UpdatedAt)
	errs = append(errs, err)
	for i, s := range it.Secrets {
		w.Secrets[i].Value = s.Value
		w.Secrets[i].CreatedAt, err = parseTime(s.CreatedAt)
		errs = append(errs, err)
		w.Secrets[i].ExpiresAt, err = parseTimePtr(s.ExpiresAt)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return webhook.Webhook{}, 0, fmt.Errorf("webhook %s: %w", it.ID, err)
	}
	return w, it.Version, nil
}

// CreateWebhook puts w (with w.Seq, 0 for a new endpoint) unless an endpoint with its ID exists.
func (s *WebhookStore) CreateWebhook(ctx context.Context, w webhook.Webhook) error {
	av, err := attributevalue.MarshalMap(webhookToItem(w, 1))
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	_, err = s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return fmt.Errorf("create webhook: webhook %s exists", w.ID)
	}
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

func (s *WebhookStore) getWebhook(ctx context.Context, tenantID, id string) (webhook.Webhook, int64, error) {
	av, err := getItem(ctx, s.c, s.table, tenantPK(tenantID), webhookPrefix+id)
	if err != nil {
		return webhook.Webhook{}, 0, fmt.Errorf("get webhook: %w", err)
	}
	if av == nil {
		return webhook.Webhook{}, 0, webhook.ErrNotFound
	}
	return decodeWebhook(av)
}

func (s *WebhookStore) GetWebhook(ctx context.Context, tenantID, id string) (webhook.Webhook, error) {
	w, _, err := s.getWebhook(ctx, tenantID, id)
	return w, err
}

// ListWebhooks returns the tenant's endpoints oldest first.
func (s *WebhookStore) ListWebhooks(ctx context.Context, tenantID string) ([]webhook.Webhook, error) {
	items, err := queryPrefix(ctx, s.c, s.table, tenantPK(tenantID), webhookPrefix)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out := make([]webhook.Webhook, 0, len(items))
	for _, av := range items {
		w, _, err := decodeWebhook(av)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b webhook.Webhook) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// EachWebhook scans the table for endpoint items (entity "webhook"), a page at a time, and calls fn with each.
func (s *WebhookStore) EachWebhook(ctx context.Context, fn func(webhook.Webhook) error) error {
	in := &dynamodb.ScanInput{TableName: aws.String(s.table), FilterExpression: aws.String("entity = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: "webhook"}}}
	for {
		out, err := s.c.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("scan webhooks: %w", err)
		}
		for _, av := range out.Items {
			w, _, err := decodeWebhook(av)
			if err != nil {
				return fmt.Errorf("scan webhooks: %w", err)
			}
			if err := fn(w); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// webhookFixed are the attributes UpdateWebhook never writes: the key, the identity and seq (CreateDelivery's).
var webhookFixed = []string{AttrPK, AttrSK, "entity", "id", "tenantId", "createdAt", "seq", "version"}

// UpdateWebhook reads the endpoint, applies fn and writes every attribute but the fixed ones in one UpdateItem on
// the condition that the version did not change in between; on a lost race it starts over, so fn may run more
// than once. It does not write seq, so it neither conflicts with CreateDelivery nor moves the sequence back.
func (s *WebhookStore) UpdateWebhook(ctx context.Context, tenantID, id string, fn func(*webhook.Webhook) error) (webhook.Webhook, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return webhook.Webhook{}, err
			}
		}
		w, version, err := s.getWebhook(ctx, tenantID, id)
		if err != nil {
			return webhook.Webhook{}, err
		}
		orig := w
		if err := fn(&w); err != nil {
			return webhook.Webhook{}, err
		}
		if w.ID != orig.ID || w.TenantID != orig.TenantID {
			return webhook.Webhook{}, moved("webhook")
		}
		av, err := attributevalue.MarshalMap(webhookToItem(w, version+1))
		if err != nil {
			return webhook.Webhook{}, fmt.Errorf("encode webhook: %w", err)
		}
		names := map[string]string{"#version": "version"}
		values := map[string]types.AttributeValue{":version": av["version"], ":old": num(version)}
		set := []string{"#version = :version"}
		for name, v := range av {
			if slices.Contains(webhookFixed, name) {
				continue
			}
			names["#"+name], values[":"+name] = name, v
			set = append(set, "#"+name+" = :"+name)
		}
		slices.Sort(set)
		update := "SET " + strings.Join(set, ", ")
		out, err := s.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       key(tenantPK(tenantID), webhookPrefix+id),
			UpdateExpression:          aws.String(update),
			ConditionExpression:       aws.String("#version = :old"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: values,
			ReturnValues:              types.ReturnValueAllNew,
		})
		if isConditionFailed(err) {
			continue
		}
		if err != nil {
			return webhook.Webhook{}, fmt.Errorf("update webhook: %w", err)
		}
		updated, _, err := decodeWebhook(out.Attributes)
		return updated, err
	}
	return webhook.Webhook{}, ErrContention
}

// DeleteWebhook deletes the endpoint; its deliveries stay in the log until they expire.
func (s *WebhookStore) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	_, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table),
		Key: key(tenantPK(tenantID), webhookPrefix+id), ConditionExpression: aws.String("attribute_exists(pk)")})
	if isConditionFailed(err) {
		return webhook.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

type deliveryItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	ID        string `dynamodbav:"id"`
	TenantID  string `dynamodbav:"tenantId"`
	WebhookID string `dynamodbav:"webhookId"`
	EventID   string `dynamodbav:"eventId"`
	Event     string `dynamodbav:"event"`
	SessionID string `dynamodbav:"sessionId"`
	// Body is binary, so the bytes come back exactly as they were sent; an empty one is NULL.
	Body       []byte `dynamodbav:"body"`
	Seq        int64  `dynamodbav:"seq"`
	Status     string `dynamodbav:"status"`
	Attempts   int    `dynamodbav:"attempts"`
	CycleStart int    `dynamodbav:"cycleStart"`
	NextAt     string `dynamodbav:"nextAt"` // "" for none
	LastCode   int    `dynamodbav:"lastCode"`
	LastError  string `dynamodbav:"lastError"`
	CreatedAt  string `dynamodbav:"createdAt"`
	UpdatedAt  string `dynamodbav:"updatedAt"`
	ExpiresAt  string `dynamodbav:"expiresAt"`
	TTL        int64  `dynamodbav:"ttl"`
	// Version guards UpdateDelivery's read-modify-write.
	Version int64 `dynamodbav:"version"`
}

func deliveryToItem(d webhook.Delivery, version int64) deliveryItem {
	return deliveryItem{PK: tenantPK(d.TenantID), SK: deliveryPrefix + d.ID, Entity: "delivery", ID: d.ID, TenantID: d.TenantID,
		WebhookID: d.WebhookID, EventID: d.EventID, Event: d.Event, SessionID: d.SessionID, Body: orNil(d.Body), Seq: d.Seq,
		Status: d.Status, Attempts: d.Attempts, CycleStart: d.CycleStart, NextAt: fmtTimePtr(d.NextAt), LastCode: d.LastCode, LastError: d.LastError,
		CreatedAt: fmtTime(d.CreatedAt), UpdatedAt: fmtTime(d.UpdatedAt), ExpiresAt: fmtTime(d.ExpiresAt),
		TTL: d.ExpiresAt.Unix(), Version: version}
}

func decodeDelivery(av map[string]types.AttributeValue) (webhook.Delivery, int64, error) {
	var it deliveryItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return webhook.Delivery{}, 0, fmt.Errorf("decode delivery: %w", err)
	}
	d := webhook.Delivery{ID: it.ID, TenantID: it.TenantID, WebhookID: it.WebhookID, EventID: it.EventID, Event: it.Event,
		SessionID: it.SessionID, Body: json.RawMessage(nonNilBytes(it.Body)), Seq: it.Seq, Status: it.Status, Attempts: it.Attempts,
		CycleStart: it.CycleStart, LastCode: it.LastCode, LastError: it.LastError}
	var errs [4]error
	d.NextAt, errs[0] = parseTimePtr(it.NextAt)
	d.CreatedAt, errs[1] = parseTime(it.CreatedAt)
	d.UpdatedAt, errs[2] = parseTime(it.UpdatedAt)
	d.ExpiresAt, errs[3] = parseTime(it.ExpiresAt)
	if err := errors.Join(errs[:]...); err != nil {
		return webhook.Delivery{}, 0, fmt.Errorf("delivery %s: %w", it.ID, err)
	}
	return d, it.Version, nil
}

// liveDelivery decodes a delivery item; an absent or expired one is ErrDeliveryNotFound.
func (s *WebhookStore) liveDelivery(av map[string]types.AttributeValue) (webhook.Delivery, int64, error) {
	if av == nil {
		return webhook.Delivery{}, 0, webhook.ErrDeliveryNotFound
	}
	d, version, err := decodeDelivery(av)
	if err != nil {
		return webhook.Delivery{}, 0, err
	}
	if !d.ExpiresAt.After(s.Now()) {
		return webhook.Delivery{}, 0, webhook.ErrDeliveryNotFound
	}
	return d, version, nil
}

func (s *WebhookStore) getDelivery(ctx context.Context, tenantID, id string) (webhook.Delivery, int64, error) {
	av, err := getItem(ctx, s.c, s.table, tenantPK(tenantID), deliveryPrefix+id)
	if err != nil {
		return webhook.Delivery{}, 0, fmt.Errorf("get delivery: %w", err)
	}
	return s.liveDelivery(av)
}

func (s *WebhookStore) GetDelivery(ctx context.Context, tenantID, id string) (webhook.Delivery, error) {
	d, _, err := s.getDelivery(ctx, tenantID, id)
	return d, err
}

// CreateDelivery reads the endpoint's seq, then in one transaction puts d with seq+1 on the condition that no live
// delivery has its ID, and sets the endpoint's seq to seq+1 on the condition that it still exists with the seq read.
// When another delivery took the number first it starts over (after maxAttempts, ErrContention: nothing was
// written); when the delivery exists it returns it.
func (s *WebhookStore) CreateDelivery(ctx context.Context, d webhook.Delivery) (webhook.Delivery, bool, error) {
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return webhook.Delivery{}, false, err
			}
		}
		w, _, err := s.getWebhook(ctx, d.TenantID, d.WebhookID)
		if errors.Is(err, webhook.ErrNotFound) {
			// A delivery created before the endpoint was deleted is still the answer to its ID.
			if cur, _, derr := s.getDelivery(ctx, d.TenantID, d.ID); derr == nil {
				return cur, false, nil
			}
		}
		if err != nil {
			return webhook.Delivery{}, false, err
		}
		d.Seq = w.Seq + 1
		av, err := attributevalue.MarshalMap(deliveryToItem(d, 1))
		if err != nil {
			return webhook.Delivery{}, false, fmt.Errorf("encode delivery: %w", err)
		}
		put := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av,
			ConditionExpression:                 aws.String("attribute_not_exists(pk) OR #exp <= :now"),
			ExpressionAttributeNames:            map[string]string{"#exp": "expiresAt"},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": str(fmtTime(s.Now()))},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}}
		bump := types.TransactWriteItem{Update: &types.Update{TableName: aws.String(s.table),
			Key:                       key(tenantPK(d.TenantID), webhookPrefix+d.WebhookID),
			UpdateExpression:          aws.String("SET #seq = :next"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND #seq = :seq"),
			ExpressionAttributeNames:  map[string]string{"#seq": "seq"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":seq": num(w.Seq), ":next": num(d.Seq)}}}
		// Order matters for the reasons below: the delivery, then the endpoint.
		err = transact(ctx, s.c, []types.TransactWriteItem{put, bump})
		reasons := txReasons(err)
		switch {
		case err == nil:
			return d, true, nil
		case txFailed(reasons, 0):
			cur, _, err := s.liveDelivery(txItem(err, 0))
			if errors.Is(err, webhook.ErrDeliveryNotFound) {
				cur, _, err = s.getDelivery(ctx, d.TenantID, d.ID)
			}
			if err == nil {
				return cur, false, nil
			}
			if !errors.Is(err, webhook.ErrDeliveryNotFound) {
				return webhook.Delivery{}, false, err
			}
			// It expired or went in between: try again.
		case txFailed(reasons, 1):
			// Another delivery took the number, or the endpoint was deleted: read it again.
		default:
			return webhook.Delivery{}, false, fmt.Errorf("create delivery: %w", err)
		}
	}
	return webhook.Delivery{}, false, ErrContention
}

// txItem returns the item that item i of a cancelled transaction failed its condition on, when DynamoDB sent it
// (ReturnValuesOnConditionCheckFailure); nil otherwise.
func txItem(err error, i int) map[string]types.AttributeValue {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || i >= len(tce.CancellationReasons) || len(tce.CancellationReasons[i].Item) == 0 {
		return nil
	}
	return tce.CancellationReasons[i].Item
}

// UpdateDelivery reads the delivery, applies fn and writes the result on the condition that the delivery did not
// change in between; on a lost race it starts over, so fn may run more than once. It saves what fn leaves (the
// domain keeps the fixed fields: webhook.keepDeliveryFixed), ttl from ExpiresAt; a change of the ID or tenant is
// refused.
func (s *WebhookStore) UpdateDelivery(ctx context.Context, tenantID, id string, fn func(*webhook.Delivery) error) (webhook.Delivery, error) {
	return updateVersioned(ctx, s.c, s.table, "delivery",
		func() (webhook.Delivery, int64, error) { return s.getDelivery(ctx, tenantID, id) },
		func(d *webhook.Delivery) error {
			orig := *d
			if err := fn(d); err != nil {
				return err
			}
			if d.ID != orig.ID || d.TenantID != orig.TenantID {
				return moved("delivery")
			}
			return nil
		},
		func(d webhook.Delivery, version int64) any { return deliveryToItem(d, version) })
}

// ListDeliveries queries the tenant's deliveries newest (highest ID) first and filters them in DynamoDB: From is
// inclusive and To exclusive on CreatedAt. It reads every delivery of the tenant below the cursor until it has
// f.Limit matches, so a selective filter over a long log costs many reads.
func (s *WebhookStore) ListDeliveries(ctx context.Context, tenantID string, f webhook.DeliveryFilter) ([]webhook.Delivery, error) {
	if err := activity.CheckLimit(f.Limit); err != nil {
		return nil, err
	}
	conds := []string{"#exp > :now"}
	names := map[string]string{"#exp": "expiresAt"}
	values := map[string]types.AttributeValue{":now": str(fmtTime(s.Now()))}
	add := func(cond, name, attr string, v types.AttributeValue) {
		conds = append(conds, cond)
		names["#"+attr] = attr
		values[":"+name] = v
	}
	if f.WebhookID != "" {
		add("#webhookId = :webhook", "webhook", "webhookId", str(f.WebhookID))
	}
	if f.Status != "" {
		add("#status = :status", "status", "status", str(f.Status))
	}
	if f.Event != "" {
		add("#event = :event", "event", "event", str(f.Event))
	}
	if !f.From.IsZero() {
		add("#createdAt >= :from", "from", "createdAt", str(fmtTime(f.From)))
	}
	if !f.To.IsZero() {
		add("#createdAt < :to", "to", "createdAt", str(fmtTime(f.To)))
	}
	items, err := queryNewest(ctx, s.c, newestQuery{table: s.table, pk: tenantPK(tenantID), prefix: deliveryPrefix,
		before: f.Before, filter: strings.Join(conds, " AND "), names: names, values: values, limit: f.Limit})
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	out := make([]webhook.Delivery, 0, len(items))
	for _, av := range items {
		d, _, err := decodeDelivery(av)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

type attemptItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Entity     string `dynamodbav:"entity"`
	TenantID   string `dynamodbav:"tenantId"`
	DeliveryID string `dynamodbav:"deliveryId"`
	N          int    `dynamodbav:"n"`
	At         string `dynamodbav:"at"`
	StatusCode int    `dynamodbav:"statusCode"`
	DurationMS int64  `dynamodbav:"durationMs"`
	Response   string `dynamodbav:"response"`
	Error      string `dynamodbav:"error"`
	ExpiresAt  string `dynamodbav:"expiresAt"`
	TTL        int64  `dynamodbav:"ttl"`
}

func encodeAttempt(tenantID string, a webhook.Attempt, expires time.Time) (map[string]types.AttributeValue, error) {
	av, err := attributevalue.MarshalMap(attemptItem{PK: tenantPK(tenantID), SK: attemptSK(a.DeliveryID, a.N), Entity: "attempt",
		TenantID: tenantID, DeliveryID: a.DeliveryID, N: a.N, At: fmtTime(a.At), StatusCode: a.StatusCode,
		DurationMS: a.DurationMS, Response: a.Response, Error: a.Error, ExpiresAt: fmtTime(expires), TTL: expires.Unix()})
	if err != nil {
		return nil, fmt.Errorf("encode attempt: %w", err)
	}
	return av, nil
}

// RecordAttempt reads the delivery, applies fn and, in one transaction, writes the result on the condition that
// the delivery did not change in between and puts the attempt; on a lost race it starts over, so fn may run more
// than once. The delivery changes as in UpdateDelivery.
func (s *WebhookStore) RecordAttempt(ctx context.Context, tenantID string, a webhook.Attempt, expires time.Time,
	fn func(*webhook.Delivery) error) (webhook.Delivery, error) {
	attempt, err := encodeAttempt(tenantID, a, expires)
	if err != nil {
		return webhook.Delivery{}, err
	}
	put := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: attempt}}
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return webhook.Delivery{}, err
			}
		}
		d, version, err := s.getDelivery(ctx, tenantID, a.DeliveryID)
		if err != nil {
			return webhook.Delivery{}, err
		}
		orig := d
		if err := fn(&d); err != nil {
			return webhook.Delivery{}, err
		}
		if d.ID != orig.ID || d.TenantID != orig.TenantID {
			return webhook.Delivery{}, moved("delivery")
		}
		av, err := attributevalue.MarshalMap(deliveryToItem(d, version+1))
		if err != nil {
			return webhook.Delivery{}, fmt.Errorf("encode delivery: %w", err)
		}
		update := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)}}}
		err = transact(ctx, s.c, []types.TransactWriteItem{update, put})
		if err == nil {
			return d, nil
		}
		if !txFailed(txReasons(err), 0) {
			return webhook.Delivery{}, fmt.Errorf("record attempt: %w", err)
		}
	}
	return webhook.Delivery{}, ErrContention
}

// AddAttempt puts the attempt (replacing one with the same N) in a transaction with a check that the delivery
// exists in the tenant and has not expired.
func (s *WebhookStore) AddAttempt(ctx context.Context, tenantID string, a webhook.Attempt, expires time.Time) error {
	av, err := encodeAttempt(tenantID, a, expires)
	if err != nil {
		return err
	}
	check := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table),
		Key:                       key(tenantPK(tenantID), deliveryPrefix+a.DeliveryID),
		ConditionExpression:       aws.String("attribute_exists(pk) AND #exp > :now"),
		ExpressionAttributeNames:  map[string]string{"#exp": "expiresAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(fmtTime(s.Now()))}}}
	put := types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: av}}
	err = transact(ctx, s.c, []types.TransactWriteItem{check, put})
	if txFailed(txReasons(err), 0) {
		return webhook.ErrDeliveryNotFound
	}
	if err != nil {
		return fmt.Errorf("add attempt: %w", err)
	}
	return nil
}

// ListAttempts returns the live attempts of the delivery ordered by N; none for an unknown delivery.
func (s *WebhookStore) ListAttempts(ctx context.Context, tenantID, deliveryID string) ([]webhook.Attempt, error) {
	items, err := queryPrefix(ctx, s.c, s.table, tenantPK(tenantID), attemptPrefix+deliveryID+"#")
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	now := s.Now()
	out := make([]webhook.Attempt, 0, len(items))
	for _, av := range items {
		var it attemptItem
		if err := attributevalue.UnmarshalMap(av, &it); err != nil {
			return nil, fmt.Errorf("decode attempt: %w", err)
		}
		at, err := parseTime(it.At)
		if err != nil {
			return nil, fmt.Errorf("attempt %d of %s: %w", it.N, it.DeliveryID, err)
		}
		expires, err := parseTime(it.ExpiresAt)
		if err != nil {
			return nil, fmt.Errorf("attempt %d of %s: %w", it.N, it.DeliveryID, err)
		}
		if !expires.After(now) {
			continue
		}
		out = append(out, webhook.Attempt{DeliveryID: it.DeliveryID, N: it.N, At: at, StatusCode: it.StatusCode,
			DurationMS: it.DurationMS, Response: it.Response, Error: it.Error})
	}
	slices.SortFunc(out, func(a, b webhook.Attempt) int { return cmp.Compare(a.N, b.N) })
	return out, nil
}
