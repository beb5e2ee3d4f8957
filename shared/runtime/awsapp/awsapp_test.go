package awsapp_test

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
)

// The AWS runtime, as the API function and the session host configure it, on the emulators (minidyn, the S3 fake,
// local KMS), builds every store of app.Stores: a store added there without its AWS adapter fails here. Its live
// feed tickets are on the table.
func TestAWSRuntimeBuildsEveryStore(t *testing.T) {
	ctx := context.Background()
	ddb := awstest.DynamoDB(t)
	kmsClient, keyARN := awstest.KMS(t)
	s3 := awstest.NewS3(t, "waqtor-media-test")
	table := "waqtor-stores-test"
	if err := dynamo.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_KMS":      aws.ToString(kmsClient.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_S3":       s3.URL, "AWS_CA_BUNDLE": s3.CABundle,
		"AWS_REGION": awstest.Region, "AWS_ACCESS_KEY_ID": awstest.AccessKey, "AWS_SECRET_ACCESS_KEY": awstest.SecretKey,
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	env := map[string]string{"WAQTOR_TABLE": table, "WAQTOR_EVENT_BUS": "bus", "WAQTOR_SECRETS_KMS_KEY": keyARN,
		"WAQTOR_MEDIA_BUCKET": "waqtor-media-test"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := awsapp.New(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	if m := a.Stores.Missing(); len(m) > 0 {
		t.Fatalf("the AWS runtime leaves app.Stores %v nil", m)
	}
	// The webhook store seals under the KMS key (awsfunction.New builds no sealer; awsapp loads it).
	if a.Secrets == nil {
		t.Fatal("the AWS app has no KMS sealer: webhook secrets would be stored unencrypted")
	}

	tickets := realtime.NewTickets(a.Stores.Tickets)
	p := auth.Principal{TenantID: "ten_a", UserID: "usr_1", Role: auth.Owner, Scopes: []auth.Scope{auth.ScopeAll}}
	secret, _, err := tickets.Issue(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tickets.Redeem(ctx, secret)
	if err != nil || got.TenantID != "ten_a" || got.UserID != "usr_1" {
		t.Fatalf("Redeem = %+v, %v", got, err)
	}
}
