package awstest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/waqtor/waqtor/shared/awstest"
)

var ctx = context.Background()

func createTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable(%s): %v", name, err)
	}
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestDynamoDBTables(t *testing.T) {
	c := awstest.DynamoDB(t)
	for _, name := range []string{"c", "a", "b"} {
		createTable(t, c, name)
	}
	// The waiter sees ACTIVE at once (raw minidyn leaves the status empty and the waiter spins for its deadline).
	start := time.Now()
	if err := dynamodb.NewTableExistsWaiter(c).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("a")}, 10*time.Second); err != nil {
		t.Fatalf("TableExists waiter: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("TableExists waiter took %v", d)
	}

	// ListTables, paged.
	var names []string
	in := &dynamodb.ListTablesInput{Limit: aws.Int32(2)}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("ListTables does not end")
		}
		out, err := c.ListTables(ctx, in)
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		names = append(names, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		in.ExclusiveStartTableName = out.LastEvaluatedTableName
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Fatalf("ListTables = %v, want [a b c]", names)
	}

	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("b")}); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || !slices.Equal(out.TableNames, []string{"a", "c"}) {
		t.Fatalf("ListTables after delete = %v, %v", out.TableNames, err)
	}
	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("b")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeTable(deleted) = %v, want ResourceNotFoundException", err)
	}
}

func TestDynamoDBTimeToLive(t *testing.T) {
	c := awstest.DynamoDB(t)
	createTable(t, c, "t")
	describe := func() *types.TimeToLiveDescription {
		t.Helper()
		out, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("t")})
		if err != nil {
			t.Fatalf("DescribeTimeToLive: %v", err)
		}
		return out.TimeToLiveDescription
	}
	update := func(enabled bool) error {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("t"),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("ttl"), Enabled: aws.Bool(enabled)}})
		return err
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("TTL of a new table = %+v, want disabled", d)
	}
	if err := update(true); err != nil {
		t.Fatalf("enable TTL: %v", err)
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "ttl" {
		t.Fatalf("TTL = %+v, want enabled on ttl", d)
	}
	if err := update(true); errorCode(err) != "ValidationException" {
		t.Fatalf("enable TTL twice = %v, want ValidationException", err)
	}
	if err := update(false); err != nil {
		t.Fatalf("disable TTL: %v", err)
	}
	if d := describe(); d.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
		t.Fatalf("TTL after disabling = %+v", d)
	}
	_, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("missing")})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeTimeToLive(missing table) = %v, want ResourceNotFoundException", err)
	}
}

func TestDynamoDBUnknownOperation(t *testing.T) {
	c := awstest.DynamoDB(t)
	_, err := c.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "t"`)})
	if got := errorCode(err); got != "UnknownOperationException" {
		t.Fatalf("ExecuteStatement = %v (code %q), want UnknownOperationException", err, got)
	}
}

// Items round-trip through the shim, and emulators are independent of each other.
func TestDynamoDBItems(t *testing.T) {
	a, b := awstest.DynamoDB(t), awstest.DynamoDB(t)
	createTable(t, a, "t")
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}, "n": &types.AttributeValueMemberN{Value: "7"}}
	if _, err := a.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	out, err := a.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": item["pk"]}})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if n, ok := out.Item["n"].(*types.AttributeValueMemberN); !ok || n.Value != "7" {
		t.Fatalf("GetItem = %v", out.Item)
	}
	_, err = b.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": item["pk"]}})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("GetItem on another emulator = %v, want ResourceNotFoundException", err)
	}
}
