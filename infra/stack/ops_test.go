package stack_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// TestNagAwsSolutions: cdk-nag's AwsSolutions rules (stack.AddChecks) find nothing in the default stack that is
// not suppressed in code with a reason. A new finding fails `make test` here, naming the rule and construct.
func TestNagAwsSolutions(t *testing.T) {
	defaultTemplate(t)
	a := assertions.Annotations_FromStack(defaultStack)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-"))
	// Each assertion panics with every finding (construct path, rule and message); check reports it.
	check(t, "cdk-nag errors", func() { a.HasNoError(jsii.String("*"), nag) })
	check(t, "cdk-nag warnings", func() { a.HasNoWarning(jsii.String("*"), nag) })
}

// TestTimeoutsFit: the API function outlasts the API's longest wait for the session host (session.DefaultWait)
// and stops before API Gateway's integration timeout (29 s, set explicitly; the HTTP API limit is 30 s); every queue an SQS event source reads
// hides a message at least six times the function's timeout.
func TestTimeoutsFit(t *testing.T) {
	tmpl := defaultTemplate(t)
	_, api := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed("api"))
	_, integration := only(t, tmpl, "AWS::ApiGatewayV2::Integration", "PayloadFormatVersion", "2.0")
	apiTimeout := time.Duration(api["Timeout"].(float64)) * time.Second
	gateway := time.Duration(integration["TimeoutInMillis"].(float64)) * time.Millisecond
	// API Gateway's HTTP API limit is 30 s; CDK accepts at most 29 s.
	if gateway <= 0 || gateway > 30*time.Second {
		t.Errorf("integration timeout %s, want set, at most API Gateway's 30s", gateway)
	}
	if apiTimeout <= session.DefaultWait || apiTimeout >= gateway {
		t.Errorf("api function timeout %s: want above the API's longest wait %s and below the integration timeout %s",
			apiTimeout, session.DefaultWait, gateway)
	}
	fns := resources(t, tmpl, "AWS::Lambda::Function")
	queues := resources(t, tmpl, "AWS::SQS::Queue")
	mappings := resources(t, tmpl, "AWS::Lambda::EventSourceMapping")
	if len(mappings) == 0 {
		t.Fatal("no event source mapping")
	}
	for id, m := range mappings {
		p := props(m)
		fn := props(fns[p["FunctionName"].(map[string]any)["Ref"].(string)])
		q := props(queues[list(p["EventSourceArn"].(map[string]any)["Fn::GetAtt"])[0].(string)])
		if vt, timeout := q["VisibilityTimeout"].(float64), fn["Timeout"].(float64); vt < 6*timeout {
			t.Errorf("mapping %s: queue %s hides a message %vs, function %s times out after %vs: want at least 6x",
				id, q["QueueName"], vt, fn["FunctionName"], timeout)
		}
	}
}

// alarmTopic is the logical ID of the alarm topic.
func alarmTopic(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	id, _ := only(t, tmpl, "AWS::SNS::Topic", "TopicName", prefixed("alarms"))
	return id
}

// TestAlarms: every alarm notifies the alarm topic when it fires and when it recovers, and the alarms cover every
// dead-letter queue, every function's errors and throttles, the API's 5xx rate, the session host not running,
// and the device database's storage and CPU.
func TestAlarms(t *testing.T) {
	tmpl := defaultTemplate(t)
	topic := ref(alarmTopic(t, tmpl))
	names := map[string]bool{}
	for id, r := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		p := props(r)
		names[p["AlarmName"].(string)] = true
		for _, key := range []string{"AlarmActions", "OKActions"} {
			if got := list(p[key]); len(got) != 1 || fmtJSON(got[0]) != fmtJSON(topic) {
				t.Errorf("alarm %s %s: %v, want the alarm topic", id, key, got)
			}
		}
		if p["AlarmDescription"] == nil {
			t.Errorf("alarm %s: no description (the runbook's first line)", id)
		}
	}
	var want []string
	for _, s := range queue.Catalog {
		if s.DeadLetter != "" && !slices.Contains(want, prefixed(s.DeadLetter+"-not-empty")) {
			want = append(want, prefixed(s.DeadLetter+"-not-empty"))
		}
	}
	for _, f := range wantFunctions {
		want = append(want, prefixed(f.name+"-errors"), prefixed(f.name+"-throttles"))
	}
	want = append(want, prefixed("api-5xx"), prefixed("session-host-down"), prefixed("device-db-storage"), prefixed("device-db-cpu"))
	for _, w := range want {
		if !names[w] {
			t.Errorf("no alarm %s", w)
		}
	}
	if len(names) != len(want) {
		t.Errorf("alarms %v, want exactly %v", names, want)
	}
	// The host alarm reads Container Insights, which the cluster must have.
	check(t, "container insights", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enabled"}},
		})
	})
	check(t, "topic output", func() { tmpl.HasOutput(jsii.String("AlarmTopicArn"), map[string]any{"Value": topic}) })
}

// TestAlarmEmail: Props.AlarmEmail subscribes that address to the alarm topic; without it nobody is subscribed.
func TestAlarmEmail(t *testing.T) {
	check(t, "no subscription by default", func() {
		defaultTemplate(t).ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(0))
	})
	tmpl := synth(t, stack.Props{LambdaAsset: fixtureAsset, AlarmEmail: "ops@example.com", DeviceDBMultiAZ: true})
	check(t, "email subscription", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": ref(alarmTopic(t, tmpl)),
		})
	})
	check(t, "multi-AZ database", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), map[string]any{"MultiAZ": true})
	})
}

// TestWebhookLogMetrics: the dashboard's webhook figures come from the deliverer's log lines; each message the
// metric filters match is still logged by shared/webhook.
func TestWebhookLogMetrics(t *testing.T) {
	tmpl := defaultTemplate(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "shared", "webhook", "deliver.go"))
	if err != nil {
		t.Fatal(err)
	}
	filters := resources(t, tmpl, "AWS::Logs::MetricFilter")
	n := 0
	for id, r := range filters {
		p := props(r)
		pattern := p["FilterPattern"].(string)
		const prefix = `{ $.msg = "`
		if !strings.HasPrefix(pattern, prefix) || !strings.HasSuffix(pattern, `" }`) {
			t.Errorf("filter %s: pattern %q, want a match on msg", id, pattern)
			continue
		}
		msg := strings.TrimSuffix(strings.TrimPrefix(pattern, prefix), `" }`)
		if strings.HasPrefix(msg, "webhook: ") {
			n++
			if !strings.Contains(string(src), `"`+msg+`"`) {
				t.Errorf("filter %s matches %q, which shared/webhook/deliver.go no longer logs", id, msg)
			}
		}
	}
	if n == 0 {
		t.Error("no webhook metric filter")
	}
	check(t, "dashboard", func() { tmpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1)) })
}

// TestNetworkHardening: the VPC's default security group is emptied, every flow is logged, and the host reaches
// S3 and DynamoDB through gateway endpoints on its subnets' route tables.
func TestNetworkHardening(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "default security group restricted", func() {
		tmpl.ResourceCountIs(jsii.String("Custom::VpcRestrictDefaultSG"), jsii.Number(1))
	})
	check(t, "flow log of all traffic", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]any{
			"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
		})
	})
	public := subnetIDs(t, tmpl, true)
	tables := map[string]bool{}
	for _, r := range resources(t, tmpl, "AWS::EC2::SubnetRouteTableAssociation") {
		p := props(r)
		if slices.ContainsFunc(public, func(s any) bool { return fmtJSON(s) == fmtJSON(p["SubnetId"]) }) {
			tables[fmtJSON(p["RouteTableId"])] = true
		}
	}
	services := map[string]bool{}
	for id, r := range resources(t, tmpl, "AWS::EC2::VPCEndpoint") {
		p := props(r)
		if p["VpcEndpointType"] != "Gateway" {
			t.Errorf("endpoint %s: type %v, want Gateway (free)", id, p["VpcEndpointType"])
		}
		got := map[string]bool{}
		for _, rt := range list(p["RouteTableIds"]) {
			got[fmtJSON(rt)] = true
		}
		if fmtJSON(got) != fmtJSON(tables) {
			t.Errorf("endpoint %s: route tables %v, want the host subnets' %v", id, got, tables)
		}
		s := fmtJSON(p["ServiceName"])
		services[map[bool]string{true: "s3", false: "dynamodb"}[strings.Contains(s, ".s3")]] = true
	}
	if !services["s3"] || !services["dynamodb"] {
		t.Errorf("gateway endpoints for %v, want s3 and dynamodb", services)
	}
}

// TestTableGrantCoversDynamoCalls: every DynamoDB call of the AWS runtime's code (shared/dynamo, shared/runtime/awsfunction, awsapp,
// shared/runtime/awshost) is an action the api role holds on the table, so a new call (a Scan, a batch write) fails here
// instead of with AccessDenied in production. Transactions are authorised per item action (PutItem,
// UpdateItem, DeleteItem, ConditionCheckItem).
func TestTableGrantCoversDynamoCalls(t *testing.T) {
	tmpl := defaultTemplate(t)
	_, api := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed("api"))
	roleID := list(api["Role"].(map[string]any)["Fn::GetAtt"])[0].(string)
	tableArn := fmtJSON(getAtt(singleID(t, tmpl, "AWS::DynamoDB::Table"), "Arn"))
	granted := map[string]bool{}
	for _, r := range resources(t, tmpl, "AWS::IAM::Policy") {
		p := props(r)
		if fmtJSON(list(p["Roles"])) != fmtJSON([]any{ref(roleID)}) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st := st.(map[string]any)
			if res := list(st["Resource"]); len(res) == 1 && fmtJSON(res[0]) == tableArn {
				for _, a := range list(st["Action"]) {
					granted[a.(string)] = true
				}
			}
		}
	}
	client := reflect.TypeOf(&dynamodb.Client{})
	perTransaction := map[string][]string{
		"TransactWriteItems": {"PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem"},
		"TransactGetItems":   {"GetItem"},
	}
	calls := 0
	for _, dir := range []string{"dynamo", "runtime/awsfunction", "runtime/awsapp", "runtime/awshost"} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "shared", dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range file.Decls {
				// dynamo.CreateTable creates the table where no stack does (tests, emulators, trials without CDK).
				if fd, ok := decl.(*ast.FuncDecl); ok && dir == "dynamo" && fd.Name.Name == "CreateTable" {
					continue
				}
				// WebhookStore.EachWebhook scans the table for `session-host reseal-secrets`, which an operator runs with
				// their own credentials (docs/deployment.md, rotate secrets); no function or task role calls it.
				if fd, ok := decl.(*ast.FuncDecl); ok && dir == "dynamo" && fd.Name.Name == "EachWebhook" {
					continue
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok {
						return true
					}
					sel, ok := call.Fun.(*ast.SelectorExpr)
					if !ok || len(call.Args) < 2 {
						return true
					}
					m, ok := client.MethodByName(sel.Sel.Name)
					// A client call: (ctx, *XxxInput, ...optFns).
					if !ok || m.Type.NumIn() < 3 || !strings.HasSuffix(m.Type.In(2).String(), "Input") {
						return true
					}
					calls++
					actions, tx := perTransaction[sel.Sel.Name]
					if !tx {
						actions = []string{sel.Sel.Name}
					}
					for _, a := range actions {
						if !granted["dynamodb:"+a] {
							t.Errorf("%s calls %s, but the api role may not dynamodb:%s on the table", f, sel.Sel.Name, a)
						}
					}
					return true
				})
			}
		}
	}
	if calls == 0 {
		t.Fatal("found no DynamoDB call; the scan would check nothing")
	}
}
