package dynamo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/idempotency"
	"github.com/waqtor/waqtor/shared/storetest"
	"github.com/waqtor/waqtor/shared/tenant"
)

var ctx = context.Background()

// newTable creates a fresh table on the emulator behind client and returns its name.
func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	name := "waqtor-" + strings.ToLower(id.New("t"))
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return name
}

func TestStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.Run(t, func(t *testing.T) storetest.Stores {
		table := newTable(t, client)
		return storetest.Stores{Tenants: dynamo.NewTenantStore(client, table), Keys: dynamo.NewKeyStore(client, table),
			Idempotency: dynamo.NewIdempotencyStore(client, table), Activity: dynamo.NewActivityStore(client, table)}
	})
}

func TestLoginAttemptStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunLoginAttempts(t, func(t *testing.T) storetest.LoginStores {
		table := newTable(t, client)
		return storetest.LoginStores{Tenants: dynamo.NewTenantStore(client, table),
			Attempts: dynamo.NewLoginAttemptStore(client, table), Notifications: dynamo.NewNotificationStore(client, table)}
	})
}

func TestPlanStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunPlan(t, func(t *testing.T) storetest.PlanStores {
		table := newTable(t, client)
		return storetest.PlanStores{Tenants: dynamo.NewTenantStore(client, table), Plans: dynamo.NewPlanStore(client, table),
			Attempts: dynamo.NewLoginAttemptStore(client, table)}
	})
}

func TestReportContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunReport(t, func(t *testing.T) storetest.ReportStores {
		table := newTable(t, client)
		return storetest.ReportStores{Messages: dynamo.NewMessageStore(client, table), Webhooks: dynamo.NewWebhookStore(client, table)}
	})
}

// fixture is one fresh table with a tenant and its owner.
type fixture struct {
	client  *dynamodb.Client
	table   string
	tenants *dynamo.TenantStore
	keys    *dynamo.KeyStore
	ten     tenant.Tenant
	owner   tenant.User
}

var now = time.Date(2026, 11, 25, 10, 30, 15, 123456789, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	client := awstest.DynamoDB(t)
	f := &fixture{client: client, table: newTable(t, client)}
	f.tenants, f.keys = dynamo.NewTenantStore(client, f.table), dynamo.NewKeyStore(client, f.table)
	f.ten = tenant.Tenant{ID: id.New("ten"), Name: "Acme", Plan: "free", CreatedAt: now}
	f.owner = newUser(f.ten.ID, "owner@a.example")
	if err := f.tenants.CreateTenant(ctx, f.ten, f.owner); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return f
}

func newUser(tenantID, email string) tenant.User {
	return tenant.User{ID: id.New("usr"), TenantID: tenantID, Email: email, Name: "N", Role: auth.Owner,
		PasswordHash: "h", CreatedAt: now, UpdatedAt: now}
}

func (f *fixture) newKey(t *testing.T) apikey.Key {
	t.Helper()
	plain := apikey.Generate()
	k := apikey.Key{ID: id.New("key"), TenantID: f.ten.ID, Name: "k", Hint: plain[:12], Hash: apikey.Hash(plain),
		Scopes: []auth.Scope{auth.ScopeMessagesSend}, CreatedBy: f.owner.ID, Role: auth.Owner, CreatedAt: now}
	if err := f.keys.CreateKey(ctx, k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return k
}

// scan returns every item of the table as pk|sk -> item.
func (f *fixture) scan(t *testing.T) map[string]map[string]types.AttributeValue {
	t.Helper()
	out, err := f.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(f.table)})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	items := map[string]map[string]types.AttributeValue{}
	for _, it := range out.Items {
		items[s(it["pk"])+"|"+s(it["sk"])] = it
	}
	return items
}

func s(av types.AttributeValue) string {
	if v, ok := av.(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return fmt.Sprintf("<%T>", av)
}

func n(t *testing.T, av types.AttributeValue) int64 {
	t.Helper()
	v, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("attribute %T is not a number", av)
	}
	i, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// TestItemLayout pins the keys of every kind of item: the CDK table, other tools and the documentation rely on them.
func TestItemLayout(t *testing.T) {
	f := newFixture(t)
	k := f.newKey(t)
	idem := dynamo.NewIdempotencyStore(f.client, f.table)
	expires := now.Add(idempotency.TTL)
	if _, _, err := idem.Begin(ctx, idempotency.Record{Scope: idempotency.Scope{TenantID: f.ten.ID, Caller: k.ID, Key: "req-1"}, CreatedAt: now, ExpiresAt: expires}); err != nil {
		t.Fatal(err)
	}
	acts := dynamo.NewActivityStore(f.client, f.table)
	evt := event.NewID()
	if err := acts.Record(ctx, activity.Entry{ID: evt, TenantID: f.ten.ID, Type: event.APIKeyCreated, Time: now, Data: json.RawMessage(`{}`)}, expires); err != nil {
		t.Fatal(err)
	}
	tp := "TENANT#" + f.ten.ID
	want := map[string]string{ // pk|sk -> entity
		tp + "|TENANT":                   "tenant",
		tp + "|USER#" + f.owner.ID:       "user",
		"EMAIL#owner@a.example|EMAIL":    "email",
		tp + "|APIKEY#" + k.ID:           "apikey",
		"KEYHASH#" + k.Hash + "|KEYHASH": "keyhash",
		tp + "|IDEM#" + k.ID + "#req-1":  "idempotency",
		tp + "|ACT#" + evt:               "activity",
		"COUNT#TENANTS|COUNT":            "count",
	}
	items := f.scan(t)
	if len(items) != len(want) {
		t.Errorf("table has %d items, want %d: %v", len(items), len(want), items)
	}
	for pksk, entity := range want {
		it, ok := items[pksk]
		if !ok {
			t.Errorf("no item %s", pksk)
			continue
		}
		if got := s(it["entity"]); got != entity {
			t.Errorf("%s: entity %q, want %q", pksk, got, entity)
		}
	}
	// The TTL attribute holds epoch seconds, so DynamoDB expires these items.
	for _, pksk := range []string{tp + "|IDEM#" + k.ID + "#req-1", tp + "|ACT#" + evt} {
		if got := n(t, items[pksk]["ttl"]); got != expires.Unix() {
			t.Errorf("%s: ttl %d, want %d", pksk, got, expires.Unix())
		}
	}
	// Times keep nanoseconds and sort as strings.
	if got := s(items[tp+"|TENANT"]["createdAt"]); got != "2026-11-25T10:30:15.123456789Z" {
		t.Errorf("createdAt stored as %q", got)
	}
	email := items["EMAIL#owner@a.example|EMAIL"]
	if s(email["tenantId"]) != f.ten.ID || s(email["userId"]) != f.owner.ID {
		t.Errorf("email item = %v", email)
	}
}

// A CreateTenant or CreateUser that fails writes nothing: no tenant, no user, no email item, no count.
func TestFailedCreatesWriteNothing(t *testing.T) {
	f := newFixture(t)
	before := f.scan(t)

	dup := tenant.Tenant{ID: id.New("ten"), Name: "Dup", Plan: "free", CreatedAt: now}
	if err := f.tenants.CreateTenant(ctx, dup, newUser(dup.ID, "owner@a.example")); !errors.Is(err, tenant.ErrEmailTaken) {
		t.Fatalf("CreateTenant(taken email) = %v", err)
	}
	if err := f.tenants.CreateUser(ctx, newUser(id.New("ten"), "new@a.example")); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("CreateUser(missing tenant) = %v", err)
	}
	if err := f.tenants.CreateUser(ctx, newUser(f.ten.ID, "owner@a.example")); !errors.Is(err, tenant.ErrEmailTaken) {
		t.Fatalf("CreateUser(taken email) = %v", err)
	}
	sameItems(t, before, f.scan(t))
	k := f.newKey(t)
	before = f.scan(t)
	orphan := k
	orphan.ID, orphan.TenantID, orphan.Hash = id.New("key"), id.New("ten"), apikey.Hash("other")
	if err := f.keys.CreateKey(ctx, orphan); !errors.Is(err, tenant.ErrTenantNotFound) {
		t.Fatalf("CreateKey(missing tenant) = %v", err)
	}
	dupKey := k
	dupKey.ID = id.New("key")
	if err := f.keys.CreateKey(ctx, dupKey); !errors.Is(err, apikey.ErrDuplicate) {
		t.Fatalf("CreateKey(duplicate hash) = %v", err)
	}

	sameItems(t, before, f.scan(t))
	if c, err := f.tenants.CountTenants(ctx); err != nil || c != 1 {
		t.Fatalf("CountTenants = %d, %v; want 1", c, err)
	}
	// The email of the failed user is still free.
	if err := f.tenants.CreateUser(ctx, newUser(f.ten.ID, "new@a.example")); err != nil {
		t.Fatalf("CreateUser(new@) after the failed one: %v", err)
	}
}

// sameItems fails unless the table holds exactly the item keys it held before.
func sameItems(t *testing.T, before, after map[string]map[string]types.AttributeValue) {
	t.Helper()
	if len(after) != len(before) {
		t.Fatalf("failed creates left items behind:\nbefore %v\nafter  %v", before, after)
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Fatalf("item %s disappeared", k)
		}
	}
}

// An update that loses a race with another write starts over from the new state: no update is lost. The racing
// write runs inside fn, between the read and the write of the update, so the race happens every time.
func TestUpdateLosesNoUpdate(t *testing.T) {
	type result struct {
		name     string
		lastUsed *time.Time
	}
	updateKey := func(f *fixture, k apikey.Key, race func() error) (result, result, int, error) {
		calls := 0
		got, err := f.keys.UpdateKey(ctx, k.TenantID, k.ID, func(key *apikey.Key) error {
			if calls++; calls == 1 {
				if err := race(); err != nil {
					return err
				}
			}
			key.Name += "+outer"
			return nil
		})
		stored, _ := f.keys.GetKey(ctx, k.TenantID, k.ID)
		return result{got.Name, got.LastUsed}, result{stored.Name, stored.LastUsed}, calls, err
	}
	used := now.Add(time.Minute)
	tests := []struct {
		name string
		run  func(f *fixture, k apikey.Key) (got, stored result, calls int, err error)
		want result
	}{
		{"UpdateKey races UpdateKey", func(f *fixture, k apikey.Key) (result, result, int, error) {
			return updateKey(f, k, func() error {
				_, err := f.keys.UpdateKey(ctx, k.TenantID, k.ID, func(k *apikey.Key) error { k.Name += "+inner"; return nil })
				return err
			})
		}, result{name: "k+inner+outer"}},
		{"UpdateKey races TouchKey", func(f *fixture, k apikey.Key) (result, result, int, error) {
			return updateKey(f, k, func() error { return f.keys.TouchKey(ctx, k.TenantID, k.ID, used) })
		}, result{name: "k+outer", lastUsed: &used}},
		{"UpdateUser races UpdateUser", func(f *fixture, _ apikey.Key) (result, result, int, error) {
			calls := 0
			got, err := f.tenants.UpdateUser(ctx, f.ten.ID, f.owner.ID, func(u *tenant.User) error {
				if calls++; calls == 1 {
					if _, err := f.tenants.UpdateUser(ctx, f.ten.ID, f.owner.ID, func(u *tenant.User) error {
						u.Name += "+inner"
						return nil
					}); err != nil {
						return err
					}
				}
				u.Name += "+outer"
				return nil
			})
			stored, _ := f.tenants.GetUser(ctx, f.ten.ID, f.owner.ID)
			return result{name: got.Name}, result{name: stored.Name}, calls, err
		}, result{name: "N+inner+outer"}},
	}
	same := func(a, b result) bool {
		return a.name == b.name && (a.lastUsed == nil) == (b.lastUsed == nil) && (a.lastUsed == nil || a.lastUsed.Equal(*b.lastUsed))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			got, stored, calls, err := tt.run(f, f.newKey(t))
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if calls != 2 {
				t.Fatalf("fn ran %d times, want 2 (the first write must fail its version check)", calls)
			}
			if !same(got, tt.want) || !same(stored, tt.want) {
				t.Fatalf("returned %+v, stored %+v; want %+v", got, stored, tt.want)
			}
		})
	}
}

// Concurrent updates of one key each apply exactly once, or fail with ErrContention and apply not at all.
func TestConcurrentUpdateKey(t *testing.T) {
	f := newFixture(t)
	k := f.newKey(t)
	const workers, each = 4, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := 0
	for range workers {
		wg.Go(func() {
			for range each {
				_, err := f.keys.UpdateKey(ctx, k.TenantID, k.ID, func(k *apikey.Key) error { k.Name += "x"; return nil })
				mu.Lock()
				switch {
				case err == nil:
					applied++
				case !errors.Is(err, dynamo.ErrContention):
					t.Errorf("UpdateKey: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got, err := f.keys.GetKey(ctx, k.TenantID, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if applied == 0 || len(got.Name) != len("k")+applied {
		t.Fatalf("%d updates succeeded but the name is %q", applied, got.Name)
	}
}

// An update racing a delete must not bring the user back.
func TestUpdateUserDoesNotResurrect(t *testing.T) {
	f := newFixture(t)
	u := newUser(f.ten.ID, "member@a.example")
	if err := f.tenants.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	_, err := f.tenants.UpdateUser(ctx, f.ten.ID, u.ID, func(v *tenant.User) error {
		if err := f.tenants.DeleteUser(ctx, f.ten.ID, u.ID); err != nil {
			return err
		}
		v.Name = "late"
		return nil
	})
	if !errors.Is(err, tenant.ErrUserNotFound) {
		t.Fatalf("UpdateUser of a user deleted meanwhile = %v, want ErrUserNotFound", err)
	}
	if _, err := f.tenants.GetUser(ctx, f.ten.ID, u.ID); !errors.Is(err, tenant.ErrUserNotFound) {
		t.Fatalf("deleted user is back: %v", err)
	}
	if _, ok := f.scan(t)["EMAIL#member@a.example|EMAIL"]; ok {
		t.Fatal("the deleted user's email item remains")
	}
}

// conflictOnce fails the first transaction with a TransactionConflict, as DynamoDB does when another transaction
// holds one of the items.
type conflictOnce struct {
	dynamo.Client
	conflicts int
}

func (c *conflictOnce) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if c.conflicts == 0 {
		c.conflicts++
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[len(reasons)-1].Code = aws.String("TransactionConflict")
		return nil, &types.TransactionCanceledException{Message: aws.String("conflict"), CancellationReasons: reasons}
	}
	return c.Client.TransactWriteItems(ctx, in, opts...)
}

func TestTransactionConflictIsRetried(t *testing.T) {
	f := newFixture(t)
	c := &conflictOnce{Client: f.client}
	store := dynamo.NewTenantStore(c, f.table)
	ten := tenant.Tenant{ID: id.New("ten"), Name: "B", Plan: "free", CreatedAt: now}
	if err := store.CreateTenant(ctx, ten, newUser(ten.ID, "owner@b.example")); err != nil {
		t.Fatalf("CreateTenant after a conflict: %v", err)
	}
	if c.conflicts != 1 {
		t.Fatalf("conflicts injected = %d, want 1", c.conflicts)
	}
	if got, err := store.CountTenants(ctx); err != nil || got != 2 {
		t.Fatalf("CountTenants = %d, %v; want 2 (counted once)", got, err)
	}
}

// DynamoDB deletes expired items lazily, so they are still in the table: the stores must judge expiry by value.
func TestExpiredButNotDeleted(t *testing.T) {
	client := awstest.DynamoDB(t)
	table := newTable(t, client)
	clock := now
	acts := dynamo.NewActivityStore(client, table)
	acts.Now = func() time.Time { return clock }
	var live []string
	for i := range 8 {
		e := activity.Entry{ID: event.NewID(), TenantID: "ten_a", Type: event.UserCreated, Time: now, Data: json.RawMessage(`{}`)}
		expires := now.Add(time.Hour)
		if i%2 == 1 {
			expires = now.Add(-time.Hour) // already expired, still stored
		} else {
			live = append(live, e.ID)
		}
		if err := acts.Record(ctx, e, expires); err != nil {
			t.Fatal(err)
		}
	}
	// Newest first: live[3], live[2], then live[1], live[0]; every expired entry in between is skipped.
	page, err := acts.List(ctx, "ten_a", "", 2)
	if err != nil || len(page) != 2 || page[0].ID != live[3] || page[1].ID != live[2] {
		t.Fatalf("List page 1 = %v, %v; want live[3], live[2]", page, err)
	}
	page, err = acts.List(ctx, "ten_a", page[1].ID, 2)
	if err != nil || len(page) != 2 || page[0].ID != live[1] || page[1].ID != live[0] {
		t.Fatalf("List page 2 = %v, %v; want live[1], live[0]", page, err)
	}
	if page, err = acts.List(ctx, "ten_a", live[0], 5); err != nil || len(page) != 0 {
		t.Fatalf("List after the oldest = %v, %v; want empty", page, err)
	}

	idem := dynamo.NewIdempotencyStore(client, table)
	idem.Now = func() time.Time { return clock }
	rec := idempotency.Record{Scope: idemScope, Fingerprint: idempotency.Fingerprint{BodyHash: "first"}, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if _, created, err := idem.Begin(ctx, rec); err != nil || !created {
		t.Fatalf("Begin = %v, %v", created, err)
	}
	rec.BodyHash = "second"
	if got, created, err := idem.Begin(ctx, rec); err != nil || created || got.BodyHash != "first" {
		t.Fatalf("Begin(live) = %+v, %v, %v; want the first record", got, created, err)
	}
	clock = now.Add(time.Minute) // expiresAt == now: expired, as in the SQLite store
	rec.ExpiresAt = clock.Add(time.Minute)
	if got, created, err := idem.Begin(ctx, rec); err != nil || !created || got.BodyHash != "second" {
		t.Fatalf("Begin(expired, not deleted) = %+v, %v, %v; want created", got, created, err)
	}
}

// hookedClient runs a hook before the store's next GetItem, and can fill in the item on a failed PutItem
// condition the way DynamoDB does for ReturnValuesOnConditionCheckFailure (minidyn does not).
type hookedClient struct {
	dynamo.Client
	beforeGet     func()
	returnOld     bool
	gets, oldSent int
}

func (c *hookedClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets++
	if h := c.beforeGet; h != nil {
		c.beforeGet = nil
		h()
	}
	return c.Client.GetItem(ctx, in, opts...)
}

func (c *hookedClient) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := c.Client.PutItem(ctx, in, opts...)
	var ccf *types.ConditionalCheckFailedException
	if c.returnOld && errors.As(err, &ccf) && in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
		old, gerr := c.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: in.TableName, ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{"pk": in.Item["pk"], "sk": in.Item["sk"]}})
		if gerr != nil {
			return nil, gerr
		}
		ccf.Item = old.Item
		c.oldSent++
	}
	return out, err
}

// Begin's condition fails on a live record; what happens until Begin has read that record must not fool it.
func TestBeginRaces(t *testing.T) {
	live := now.Add(time.Hour)
	tests := []struct {
		name        string
		returnOld   bool
		meanwhile   func(s *dynamo.IdempotencyStore) error
		wantCreated bool
		wantHash    string
		wantGets    int
	}{
		{"the failure carries the item", true, nil, false, "first", 0},
		{"the item is read back", false, nil, false, "first", 1},
		{"released before the read", false, func(s *dynamo.IdempotencyStore) error {
			return s.Release(ctx, idemScope)
		}, true, "second", 1},
		{"released and begun with an expired record before the read", false, func(s *dynamo.IdempotencyStore) error {
			if err := s.Release(ctx, idemScope); err != nil {
				return err
			}
			_, _, err := s.Begin(ctx, idempotency.Record{Scope: idemScope, Fingerprint: idempotency.Fingerprint{BodyHash: "stale"}, CreatedAt: now, ExpiresAt: now.Add(-time.Hour)})
			return err
		}, true, "second", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := awstest.DynamoDB(t)
			table := newTable(t, client)
			plain := dynamo.NewIdempotencyStore(client, table)
			plain.Now = func() time.Time { return now }
			if _, _, err := plain.Begin(ctx, idempotency.Record{Scope: idemScope, Fingerprint: idempotency.Fingerprint{BodyHash: "first"}, CreatedAt: now, ExpiresAt: live}); err != nil {
				t.Fatal(err)
			}
			hooked := &hookedClient{Client: client, returnOld: tt.returnOld}
			if tt.meanwhile != nil {
				hooked.beforeGet = func() {
					if err := tt.meanwhile(plain); err != nil {
						t.Errorf("meanwhile: %v", err)
					}
				}
			}
			s := dynamo.NewIdempotencyStore(hooked, table)
			s.Now = plain.Now
			got, created, err := s.Begin(ctx, idempotency.Record{Scope: idemScope, Fingerprint: idempotency.Fingerprint{BodyHash: "second"}, CreatedAt: now, ExpiresAt: live})
			if err != nil || created != tt.wantCreated || got.BodyHash != tt.wantHash || !got.ExpiresAt.Equal(live) {
				t.Fatalf("Begin = %+v, %v, %v; want created=%v hash %q", got, created, err, tt.wantCreated, tt.wantHash)
			}
			if hooked.gets != tt.wantGets {
				t.Fatalf("Begin read the record %d times, want %d", hooked.gets, tt.wantGets)
			}
			if tt.returnOld && hooked.oldSent != 1 {
				t.Fatalf("the failure carried the item %d times, want 1", hooked.oldSent)
			}
		})
	}
}

func TestCreateTable(t *testing.T) {
	client := awstest.DynamoDB(t)
	if err := dynamo.CreateTable(ctx, client, "waqtor"); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	// Again: an existing table with the right schema is fine.
	if err := dynamo.CreateTable(ctx, client, "waqtor"); err != nil {
		t.Fatalf("CreateTable again: %v", err)
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("waqtor")})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "ttl" {
		t.Fatalf("TTL = %+v, want enabled on ttl", d)
	}
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waqtor")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.Table.BillingModeSummary != nil && desc.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("billing mode %v", desc.Table.BillingModeSummary.BillingMode)
	}

	// A table of the same name with another key schema is refused.
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("other"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTable(ctx, client, "other"); err == nil || !strings.Contains(err.Error(), "key schema") {
		t.Fatalf("CreateTable over a foreign table = %v, want a key schema error", err)
	}

	// A table with the keys but without the global secondary indexes is refused too.
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("old"),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTable(ctx, client, "old"); err == nil || !strings.Contains(err.Error(), "[gsi1 gsi2 gsi3]") {
		t.Fatalf("CreateTable over a table without indexes = %v, want the missing indexes named", err)
	}
	if len(desc.Table.GlobalSecondaryIndexes) != len(dynamo.GlobalIndexes) {
		t.Fatalf("table has %d global secondary indexes, want %d", len(desc.Table.GlobalSecondaryIndexes), len(dynamo.GlobalIndexes))
	}
}

// idemScope is the record scope of the idempotency store tests.
var idemScope = idempotency.Scope{TenantID: "ten_a", Caller: "key_1", Key: "k"}
