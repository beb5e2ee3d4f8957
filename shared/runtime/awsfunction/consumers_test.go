package awsfunction_test

import (
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
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
	"github.com/waqtor/waqtor/shared/runtime/awsevents"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
)

// Every consumer function of the registry builds its handler from the dependencies its main passes (Consume), on
// the emulators: a main that forgets one fails here, as its cold start would. The audit function's handler then records an event in the table, as its Lambda does.
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
	// Each consumer function's main, as written: its entry and the dependencies it passes (Consume's arguments).
	entries := map[string]consumers.Consumer{"Audit": consumers.Audit, "WebhookRouter": consumers.WebhookRouter,
		"WebhookDeliver": consumers.WebhookDeliver, "Notifications": consumers.Notifications, "RealtimePush": consumers.RealtimePush}
	deps := map[string]awsfunction.Dep{"awsfunction.ActivityStore": awsfunction.ActivityStore,
		"awssealed.WebhookStore": awssealed.WebhookStore, "awsfunction.Queue": awsfunction.Queue, "awsfunction.WebhookSender": awsfunction.WebhookSender,
		"awsevents.EventBridge": awsevents.EventBridge, "awsevents.NotificationCenter": awsevents.NotificationCenter,
		"awsfunction.LiveFeed": awsfunction.LiveFeed}
	n := 0
	for _, c := range consumers.Registry() {
		if c.On.Function == "" {
			continue
		}
		n++
		entry, args := consumeCall(t, "../../../functions/"+c.On.Function+"/main.go")
		if e, ok := entries[entry]; !ok || e.Queue != c.Queue {
			t.Errorf("functions/%s runs consumers.%s, want the entry of %q", c.On.Function, entry, c.Queue)
			continue
		}
		var ds []awsfunction.Dep
		for _, a := range args {
			d, ok := deps[a]
			if !ok {
				t.Fatalf("functions/%s passes %s, unknown to this test", c.On.Function, a)
			}
			ds = append(ds, d)
		}
		if h, err := rt.Consumer(ctx, c, ds...); err != nil || h == nil {
			t.Errorf("function %s: %v", c.On.Function, err)
		}
	}
	if n == 0 {
		t.Fatal("the registry runs no consumer on a Lambda")
	}
	if _, err := rt.Consumer(ctx, consumers.SessionSends); err == nil {
		t.Error("Consumer(SessionSends) built a Lambda consumer; the session host runs it")
	}
	// A main that forgets a dependency fails its cold start naming it.
	if _, err := rt.Consumer(ctx, consumers.WebhookRouter, awsfunction.Queue); !errors.Is(err, consumers.ErrMissingDep) ||
		!strings.Contains(err.Error(), "[Webhooks]") {
		t.Errorf("webhook-router without its webhook store: %v, want ErrMissingDep naming Webhooks", err)
	}

	h, err := rt.Consumer(ctx, consumers.Audit, awsfunction.ActivityStore)
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

// consumeCall reads a consumer function's main: the entry (consumers.X) and the dependencies (awsfunction.Y,
// awssealed.Y, ...) of its awsfunction.Consume call.
func consumeCall(t *testing.T, path string) (entry string, deps []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || selector(call.Fun) != "awsfunction.Consume" || len(call.Args) == 0 {
			return true
		}
		entry, _ = strings.CutPrefix(selector(call.Args[0]), "consumers.")
		for _, a := range call.Args[1:] {
			deps = append(deps, selector(a))
		}
		return false
	})
	if entry == "" {
		t.Fatalf("%s: no awsfunction.Consume(consumers.<entry>, ...) call", path)
	}
	return entry, deps
}

func selector(e ast.Expr) string {
	if s, ok := e.(*ast.SelectorExpr); ok {
		if id, ok := s.X.(*ast.Ident); ok {
			return id.Name + "." + s.Sel.Name
		}
	}
	return ""
}
