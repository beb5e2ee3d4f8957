package awsfunction_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
	"github.com/waqtor/waqtor/shared/webhook"
)

// The AWS runtime with WAQTOR_SECRETS_KMS_KEY, on the emulators (minidyn, local-kms): its webhook store writes
// ciphertext to the DynamoDB item and reads the values back; ResealSecrets seals an item stored in plain text.
func TestAWSRuntimeSealsWebhookSecrets(t *testing.T) {
	ctx := context.Background()
	ddb := awstest.DynamoDB(t)
	kmsClient, keyARN := awstest.KMS(t)
	table := "waqtor-secrets-test"
	if err := dynamo.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_KMS":      aws.ToString(kmsClient.Options().BaseEndpoint),
		"AWS_REGION":                awstest.Region, "AWS_ACCESS_KEY_ID": awstest.AccessKey, "AWS_SECRET_ACCESS_KEY": awstest.SecretKey,
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"WAQTOR_TABLE": table, "WAQTOR_EVENT_BUS": "bus", "WAQTOR_SECRETS_KMS_KEY": keyARN}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	rt, err := awsfunction.New(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if err := awssealed.Load(ctx, rt); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	w := webhook.Webhook{ID: "wh_1", TenantID: "ten_a", URL: "https://hooks.example/in", Events: []string{"*"},
		Headers: map[string]string{"X-Token": "receiver-token-0123"}, Enabled: true,
		Secrets: []webhook.Secret{{Value: "whsec_plain-secret-0123", CreatedAt: now}}, Policy: webhook.Policy{}.WithDefaults(),
		CreatedAt: now, UpdatedAt: now}
	if err := rt.WebhookStore().CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	raw := func() string {
		t.Helper()
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TENANT#ten_a"}, "sk": &types.AttributeValueMemberS{Value: "WEBHOOK#wh_1"}}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out.Item)
		return string(b)
	}
	sealed := func() {
		t.Helper()
		item := raw()
		if strings.Contains(item, "receiver-token-0123") || strings.Contains(item, "whsec_plain-secret-0123") {
			t.Fatalf("plain text in the item: %s", item)
		}
		if strings.Count(item, "wqs1:kms-") != 2 {
			t.Fatalf("the item does not hold 2 KMS-sealed values: %s", item)
		}
	}
	sealed()
	got, err := rt.WebhookStore().GetWebhook(ctx, "ten_a", "wh_1")
	if err != nil || got.Headers["X-Token"] != "receiver-token-0123" || got.Secrets[0].Value != "whsec_plain-secret-0123" {
		t.Fatalf("read back %+v, %v", got, err)
	}

	// An item stored in plain text (before this version): reseal-secrets seals it.
	if err := dynamo.NewWebhookStore(ddb, table).DeleteWebhook(ctx, "ten_a", "wh_1"); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.NewWebhookStore(ddb, table).CreateWebhook(ctx, w); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw(), "receiver-token-0123") {
		t.Fatal("the plain item is not plain")
	}
	if n, err := rt.ResealSecrets(ctx); err != nil || n != 1 {
		t.Fatalf("ResealSecrets = %d, %v; want 1", n, err)
	}
	sealed()
}
