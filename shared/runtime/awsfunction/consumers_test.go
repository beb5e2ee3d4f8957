package awsfunction_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

// Every consumer function of the registry builds its handler from the AWS runtime's dependencies (ConsumerDeps), on
// the emulators: a consumer that needs a dependency awsfunction does not provide fails here, as its cold start
// would. The audit function's handler then records an event in the table, as its Lambda does.
func TestEveryConsumerFunctionBuilds(t *testing.T) {
	ctx := context.Background()
	ddb := awstest.DynamoDB(t)
	table := "waqtor-consumers-test"
	if err := dynamo.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_REGION":                awstest.Region, "AWS_ACCESS_KEY_ID": awstest.AccessKey, "AWS_SECRET_ACCESS_KEY": awstest.SecretKey,
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	// The stack gives every function the WebSocket API's URL (ws-push builds its gateway from it).
	env := map[string]string{"WAQTOR_TABLE": table, "WAQTOR_EVENT_BUS": "bus", "WAQTOR_WS_URL": "wss://abc123.execute-api." + awstest.Region + ".amazonaws.com/live"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	rt, err := awsfunction.New(ctx, cfg, logging.Discard())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range consumers.Registry {
		if c.On.Function == "" {
			continue
		}
		n++
		if h, err := rt.Consumer(c.On.Function); err != nil || h == nil {
			t.Errorf("function %s: %v", c.On.Function, err)
		}
	}
	if n == 0 {
		t.Fatal("the registry runs no consumer on a Lambda")
	}
	if _, err := rt.Consumer("api"); err == nil {
		t.Error("Consumer(api) built a consumer; the API function has none")
	}

	h, err := rt.Consumer("audit")
	if err != nil {
		t.Fatal(err)
	}
	audit, ok := h.(func(context.Context, events.SQSEvent) (events.SQSEventResponse, error))
	if !ok {
		t.Fatalf("the audit handler is a %T, want an SQS event handler", h)
	}
	e, err := event.New("waqtor.api", event.APIKeyCreated, "ten_a", time.Now().UTC(), map[string]string{"actorId": "usr_1"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(e.Bus("123456789012", awstest.Region))
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: string(body)}}})
	if err != nil || len(res.BatchItemFailures) != 0 {
		t.Fatalf("audit: %+v, %v", res, err)
	}
	got, err := dynamo.NewActivityStore(ddb, table).List(ctx, "ten_a", "", 10)
	if err != nil || len(got) != 1 || got[0].ID != e.ID || got[0].ActorID != "usr_1" {
		t.Fatalf("activity %+v, %v; want the event %s", got, err, e.ID)
	}
}
