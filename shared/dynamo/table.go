// Package dynamo implements WaQtor's store ports on Amazon DynamoDB: the AWS runtime's counterpart of package
// sqlite. Every store shares ONE table (single-table design) with a string partition key "pk", a string sort key
// "sk" and the TTL attribute "ttl" (epoch seconds). Each tenant's records live in the partition "TENANT#<id>";
// the two cross-tenant lookups (login by email, authentication by key hash) have their own lookup items that
// also enforce uniqueness. Business rules stay in the domain packages; the stores only store.
//
// Item layout (pk / sk -> attributes):
//
//	TENANT#<tid> / TENANT           tenant: id, name, plan, createdAt
//	TENANT#<tid> / USER#<uid>       user: id, tenantId, email, name, role, passwordHash, disabled, createdAt, updatedAt, version
//	EMAIL#<email> / EMAIL           email lookup and uniqueness: tenantId, userId
//	TENANT#<tid> / APIKEY#<kid>     API key: id, tenantId, name, hint, hash, scopes, createdBy, role, createdAt,
//	                                expiresAt?, lastUsed?, revokedAt?, version
//	KEYHASH#<hash> / KEYHASH        key hash lookup and uniqueness: tenantId, keyId
//	TENANT#<tid> / IDEM#<caller>#<key> idempotency record of one caller (API key or user ID): tenantId, caller, key,
//	                                method, path, bodyHash, done, status, contentType, body, createdAt, expiresAt, ttl
//	TENANT#<tid> / ACT#<eventId>    activity entry: id, tenantId, type, actorId, time, data, ttl
//	COUNT#TENANTS / COUNT           number of tenants: n (updated in the CreateTenant transaction)
//	LOGIN#<hash> / LOGIN            failed sign-ins to one email (hash: tenant.LoginKey): key, failures, locks,
//	                                lockedUntil, lastFailure, expiresAt, ttl, version
//	ACCESSCODE#<hash> / ACCESSCODE  premium access code (hash: plan.CodeHash of the code): id, tenantId, feature,
//	                                createdAt, expiresAt, redeemedAt?, redeemedBy?, ttl (expiresAt + 30 days)
//	TENANT#<tid> / FEATURE#<f>      feature unlocked by an access code (plan.Grant): tenantId, feature, grantedAt, codeId
//	TICKET#<hash> / TICKET          live feed connect ticket (hash: SHA-256 of the secret): tenantId, hash, principal
//	                                (JSON), expiresAt, ttl; taken by a conditional DeleteItem returning the old item
//	TENANT#<tid> / WSCONN#<cid>     live feed connection on API Gateway (ConnectionStore): id, tenantId, principal
//	                                (JSON), subs (JSON), connectedAt, expiresAt, tokens, refilled, dropped, limitedAt,
//	                                version, ttl
//	WSCONN#<cid> / WSCONN           connection lookup: tenantId, ttl
//	TENANT#<tid> / FEEDID#<eid>     live feed window entry: at, pushed, ttl
//	TENANT#<tid> / FEED#<at>#<eid>  live feed window frame: id, type, topic, sessionId, campaignId, userId,
//	                                coalesceKey, frame (binary), at, ttl
//	TENANT#<tid> / WEBHOOK#<wid>    webhook endpoint: id, tenantId, url, description, events, sessions, ignoreGroups,
//	                                ignoreBroadcast, ignoreStatus, headers, enabled, disabledReason,
//	                                secrets [{value, createdAt, expiresAt?}], policy {schedule, timeoutMs,
//	                                retryClientErrors, maxConcurrency, disableAfterHours}, failingSince, createdAt,
//	                                updatedAt, seq (only CreateDelivery moves it), version (only UpdateWebhook moves it)
//	TENANT#<tid> / DLV#<did>        webhook delivery: id, tenantId, webhookId, eventId, event, sessionId, body (binary),
//	                                seq, status, attempts, nextAt, lastCode, lastError, createdAt, updatedAt,
//	                                expiresAt, ttl, version (written with the endpoint's seq in one transaction)
//	TENANT#<tid> / ATT#<did>#<n>    delivery attempt, n zero-padded to 6 digits: tenantId, deliveryId, n, at,
//	                                statusCode, durationMs, response, error, expiresAt, ttl
//	TENANT#<tid> / NTF#<nid>        notification: id, tenantId, userId (absent: tenant-wide), type, title, message,
//	                                icon, link, read, createdAt, expiresAt, ttl
//	TENANT#<tid> / SESSION#<sid>    WhatsApp session: id, tenantId, name, default, status, reason, until, account
//	                                {phone, lid, deviceJid, pushName, platform, businessName}, qr, qrExpiresAt,
//	                                pairingCode, createdAt, updatedAt, version; gsi1pk "SESSIONS", gsi1sk "<tid>#<sid>"
//	TENANT#<tid> / SESSIONSET       the tenant's session set: defaultId (absent: no session), version (moved by every
//	                                session create and delete, in the same transaction)
//	TENANT#<tid> / REPLY#<rid>      session host reply: body (binary), expiresAt, ttl
//	TENANT#<tid> / LEASE#<sid>      session lease (LeaseStore): tenantId, sessionId, holder ("" once released), token,
//	                                expiresAt; conditional writes only, no ttl
//	TENANT#<tid> / MSG#<id>#<sid>   message: id, tenantId, sessionId, direction, chatId, chat, sender, pushName,
//	                                isGroup, type, body, media {kind, mime, fileName, size, key, url}, content
//	                                (binary JSON), replyTo, campaignId, status, error, timeline [{status, at, error}],
//	                                timestamp, updatedAt, version, ttl (timestamp + 90 days);
//	                                gsi1pk "MSGS#<tid>", gsi2pk "MSGS#<tid>#SES#<sid>", gsi3pk "MSGS#<tid>#CHAT#<chatId>",
//	                                each with the sort key "<timestamp>#<id>#<sid>"
//
// Global secondary indexes (all attributes projected, see GlobalIndexes): gsi1 (gsi1pk/gsi1sk) holds a tenant's
// messages by time and every session (partition "SESSIONS"); gsi2 one session's messages; gsi3 one chat's.
//
// Every item also has "entity" naming its kind. Times are strings in UTC with exactly nine fractional digits
// (RFC 3339), so they compare correctly as strings in condition expressions. TTL deletion is lazy in DynamoDB
// (an expired item may be read for hours), so the stores check expiry by value and never by absence.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Client is the part of *dynamodb.Client the stores use. Declared here so tests can wrap a real client to inject
// failures (a transaction conflict, say).
type Client interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	// Scan is for maintenance only (WebhookStore.EachWebhook), never a request path.
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

var _ Client = (*dynamodb.Client)(nil)

// Key attribute names. The CDK stack in infra/ creates the same table: keep them in step.
const (
	AttrPK  = "pk"
	AttrSK  = "sk"
	AttrTTL = "ttl"
)

// GlobalIndex is one of the table's global secondary indexes: string keys PK and SK, every attribute projected.
// Items opt in by carrying both attributes (sparse indexes), and several kinds of item share an index by using
// partitions of their own (overloading).
type GlobalIndex struct{ Name, PK, SK string }

// The table's global secondary indexes (the CDK stack in infra/ creates the same ones: keep them in step).
var (
	// GSI1 lists a tenant's messages by time, and every session of every tenant (the session host's ListAll).
	GSI1 = GlobalIndex{Name: "gsi1", PK: "gsi1pk", SK: "gsi1sk"}
	// GSI2 lists one session's messages by time.
	GSI2 = GlobalIndex{Name: "gsi2", PK: "gsi2pk", SK: "gsi2sk"}
	// GSI3 lists one chat's messages by time.
	GSI3 = GlobalIndex{Name: "gsi3", PK: "gsi3pk", SK: "gsi3sk"}
	// GlobalIndexes is every global secondary index of the table.
	GlobalIndexes = []GlobalIndex{GSI1, GSI2, GSI3}
)

// CreateTable creates the single table (on-demand billing, pk/sk, the GlobalIndexes, TTL on "ttl") and waits until
// it is active. It is for tests and for running on AWS without the CDK stack; an existing table with the same key
// schema and indexes is accepted, so calling it at every start is safe.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) error {
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for _, g := range GlobalIndexes {
		attrs = append(attrs,
			types.AttributeDefinition{AttributeName: aws.String(g.PK), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(g.SK), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.Name),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(g.PK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(g.SK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: attrs,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: gsis,
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
	})
	desc, err := waiter.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 5*time.Minute)
	if err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if !hasKeySchema(desc.Table.KeySchema) {
		return fmt.Errorf("table %s exists with another key schema (want %s HASH, %s RANGE)", name, AttrPK, AttrSK)
	}
	if missing := missingIndexes(desc.Table.GlobalSecondaryIndexes); len(missing) > 0 {
		return fmt.Errorf("table %s lacks the global secondary indexes %v (deploy the stack in infra/ or recreate the table)", name, missing)
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe TTL of %s: %w", name, err)
	}
	if d := ttl.TimeToLiveDescription; d != nil && d.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		if aws.ToString(d.AttributeName) != AttrTTL {
			return fmt.Errorf("table %s has TTL on %q, want %q", name, aws.ToString(d.AttributeName), AttrTTL)
		}
		return nil
	}
	if _, err := client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)},
	}); err != nil {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// missingIndexes returns the names of the GlobalIndexes the table does not have with their key schema.
func missingIndexes(have []types.GlobalSecondaryIndexDescription) []string {
	var missing []string
	for _, g := range GlobalIndexes {
		ok := slices.ContainsFunc(have, func(d types.GlobalSecondaryIndexDescription) bool {
			if aws.ToString(d.IndexName) != g.Name || len(d.KeySchema) != 2 {
				return false
			}
			return aws.ToString(d.KeySchema[0].AttributeName) == g.PK && d.KeySchema[0].KeyType == types.KeyTypeHash &&
				aws.ToString(d.KeySchema[1].AttributeName) == g.SK && d.KeySchema[1].KeyType == types.KeyTypeRange
		})
		if !ok {
			missing = append(missing, g.Name)
		}
	}
	return missing
}

func hasKeySchema(ks []types.KeySchemaElement) bool {
	if len(ks) != 2 {
		return false
	}
	want := map[string]types.KeyType{AttrPK: types.KeyTypeHash, AttrSK: types.KeyTypeRange}
	for _, k := range ks {
		if want[aws.ToString(k.AttributeName)] != k.KeyType {
			return false
		}
	}
	return true
}

// Item keys. Tenant-owned records share the tenant's partition; lookup items have a partition of their own.
const (
	skTenant   = "TENANT"
	skEmail    = "EMAIL"
	skKeyHash  = "KEYHASH"
	skCount    = "COUNT"
	pkTenants  = "COUNT#TENANTS"
	userPrefix = "USER#"
	keyPrefix  = "APIKEY#"
	idemPrefix = "IDEM#"
	actPrefix  = "ACT#"
)

func tenantPK(tenantID string) string { return "TENANT#" + tenantID }
func emailPK(email string) string     { return "EMAIL#" + email }
func keyHashPK(hash string) string    { return "KEYHASH#" + hash }

// key returns the primary key of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

func str(s string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// timeFormat is RFC 3339 with exactly nine fractional digits: fixed width, so stored times sort and compare as
// strings (lastUsed < :at, expiresAt < :now).
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return fmtTime(*t)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := parseTime(s)
	return &t, err
}

// isConditionFailed reports whether err is a failed condition of a single-item write.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// txReasons returns the cancellation reason codes of a cancelled transaction, one per item in request order, or
// nil if err is not a cancelled transaction.
func txReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	codes := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

// txFailed reports whether item i of a cancelled transaction failed its condition.
func txFailed(reasons []string, i int) bool {
	return i < len(reasons) && reasons[i] == "ConditionalCheckFailed"
}

// isTxConflict reports whether a transaction lost a race with another transaction or write on one of its items;
// DynamoDB cancels it as a whole and the caller may simply run it again.
func isTxConflict(err error) bool {
	var conflict *types.TransactionConflictException
	if errors.As(err, &conflict) {
		return true
	}
	for _, code := range txReasons(err) {
		if code == "TransactionConflict" {
			return true
		}
	}
	return false
}

// maxAttempts bounds the optimistic-concurrency loops (Update* and conflicting transactions).
const maxAttempts = 8

// backoff sleeps before attempt n (n ≥ 1) of a retried write: jittered and growing, so contending writers spread out.
func backoff(ctx context.Context, n int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(n, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transact runs a write transaction, again if it loses a race with another transaction.
func transact(ctx context.Context, c Client, items []types.TransactWriteItem) error {
	var err error
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return err
			}
		}
		_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if !isTxConflict(err) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrContention, err)
}

// queryAll runs a query to its last page.
func queryAll(ctx context.Context, c Client, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for {
		out, err := c.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// queryPrefix returns every item of the partition whose sort key starts with prefix (consistent read).
func queryPrefix(ctx context.Context, c Client, table, pk, prefix string) ([]map[string]types.AttributeValue, error) {
	return queryAll(ctx, c, &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		ConsistentRead:            aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(prefix)},
	})
}

// getItem reads one item with a consistent read; nil if it does not exist.
func getItem(ctx context.Context, c Client, table, pk, sk string) (map[string]types.AttributeValue, error) {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// updateVersioned reads a record with its version, applies change, and writes encode(record, version+1) on the
// condition that the stored version did not move in between; on a lost race it starts over, so change may run
// more than once. After maxAttempts lost races it gives up with ErrContention.
func updateVersioned[T any](ctx context.Context, c Client, table, what string,
	get func() (T, int64, error), change func(*T) error, encode func(T, int64) any) (T, error) {
	var zero T
	for n := range maxAttempts {
		if n > 0 {
			if err := backoff(ctx, n); err != nil {
				return zero, err
			}
		}
		v, version, err := get()
		if err != nil {
			return zero, err
		}
		if err := change(&v); err != nil {
			return zero, err
		}
		av, err := attributevalue.MarshalMap(encode(v, version+1))
		if err != nil {
			return zero, fmt.Errorf("encode %s: %w", what, err)
		}
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: av,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)}})
		if err == nil {
			return v, nil
		}
		if !isConditionFailed(err) {
			return zero, fmt.Errorf("update %s: %w", what, err)
		}
	}
	return zero, ErrContention
}

// getDecoded reads one item and decodes it with its version; a missing item is notFound.
func getDecoded[T any](ctx context.Context, c Client, table, pk, sk, what string, notFound error,
	decode func(map[string]types.AttributeValue) (T, int64, error)) (T, int64, error) {
	var zero T
	av, err := getItem(ctx, c, table, pk, sk)
	if err != nil {
		return zero, 0, fmt.Errorf("get %s: %w", what, err)
	}
	if av == nil {
		return zero, 0, notFound
	}
	return decode(av)
}

// getLookup reads a lookup item (email -> user, key hash -> key) into out; a missing item is notFound.
func getLookup(ctx context.Context, c Client, table, pk, sk, what string, notFound error, out any) error {
	av, err := getItem(ctx, c, table, pk, sk)
	if err != nil {
		return fmt.Errorf("find %s: %w", what, err)
	}
	if av == nil {
		return notFound
	}
	if err := attributevalue.UnmarshalMap(av, out); err != nil {
		return fmt.Errorf("decode %s lookup item: %w", what, err)
	}
	return nil
}

// listDecoded reads every item of the partition whose sort key starts with prefix, decodes them and sorts them.
func listDecoded[T any](ctx context.Context, c Client, table, pk, prefix, what string,
	decode func(map[string]types.AttributeValue) (T, int64, error), order func(a, b T) int) ([]T, error) {
	items, err := queryPrefix(ctx, c, table, pk, prefix)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	out := make([]T, 0, len(items))
	for _, av := range items {
		v, _, err := decode(av)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, order)
	return out, nil
}
