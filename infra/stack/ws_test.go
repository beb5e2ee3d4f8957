package stack_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/waqtor/waqtor/shared/realtime"
)

// wsAPIID is the logical ID of the WebSocket API.
func wsAPIID(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	id, _ := only(t, tmpl, "AWS::ApiGatewayV2::Api", "ProtocolType", "WEBSOCKET")
	return id
}

// wsURL is the stage URL every function gets as WAQTOR_WS_URL.
func wsURL(t *testing.T, tmpl assertions.Template) any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(wsAPIID(t, tmpl), "ApiEndpoint"), "/live"}}}
}

// The WebSocket API: $connect, $disconnect and $default, each a Lambda proxy integration of its function (which
// API Gateway alone may invoke, from this API); the stage is deployed, throttled and logged with the stack's
// retention; the realtime rule sends the live feed's event types to the queue ws-push consumes.
func TestWebSocketAPI(t *testing.T) {
	tmpl := defaultTemplate(t)
	apiID := wsAPIID(t, tmpl)
	_, api := only(t, tmpl, "AWS::ApiGatewayV2::Api", "ProtocolType", "WEBSOCKET")
	if api["Name"] != prefixed("ws") {
		t.Errorf("WebSocket API name %v", api["Name"])
	}
	integrations := resources(t, tmpl, "AWS::ApiGatewayV2::Integration")
	routes := map[string]string{}
	for _, r := range resources(t, tmpl, "AWS::ApiGatewayV2::Route") {
		p := props(r)
		if !reflect.DeepEqual(p["ApiId"], ref(apiID)) {
			continue
		}
		key, _ := p["RouteKey"].(string)
		target, _ := p["Target"].(map[string]any)
		join := list(target["Fn::Join"])
		if len(join) != 2 {
			t.Errorf("route %s: target %v", key, p["Target"])
			continue
		}
		integrationID := list(join[1])[1].(map[string]any)["Ref"].(string)
		ip := props(integrations[integrationID])
		if ip["IntegrationType"] != "AWS_PROXY" || !reflect.DeepEqual(ip["ApiId"], ref(apiID)) {
			t.Errorf("route %s: integration %v", key, ip)
		}
		uri := list(list(ip["IntegrationUri"].(map[string]any)["Fn::Join"])[1])
		for id, fn := range resources(t, tmpl, "AWS::Lambda::Function") {
			if slices.ContainsFunc(uri, func(v any) bool { return reflect.DeepEqual(v, getAtt(id, "Arn")) }) {
				routes[key] = props(fn)["FunctionName"].(string)
			}
		}
	}
	want := map[string]string{"$connect": prefixed("ws-connect"), "$disconnect": prefixed("ws-disconnect"), "$default": prefixed("ws-default")}
	if !reflect.DeepEqual(routes, want) {
		t.Error(diff("routes", routes, want))
	}
	for key, fn := range want {
		fnID, _ := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", fn)
		found := false
		for _, r := range resources(t, tmpl, "AWS::Lambda::Permission") {
			p := props(r)
			if reflect.DeepEqual(p["FunctionName"], getAtt(fnID, "Arn")) && p["Principal"] == "apigateway.amazonaws.com" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: API Gateway may not invoke %s", key, fn)
		}
	}

	_, stage := only(t, tmpl, "AWS::ApiGatewayV2::Stage", "StageName", "live")
	if !reflect.DeepEqual(stage["ApiId"], ref(apiID)) || stage["AutoDeploy"] != true {
		t.Errorf("stage: %v", stage)
	}
	if d, _ := stage["DefaultRouteSettings"].(map[string]any); d["ThrottlingRateLimit"] != 100.0 || d["ThrottlingBurstLimit"] != 200.0 {
		t.Errorf("stage throttling %v, want 100/s burst 200", stage["DefaultRouteSettings"])
	}
	logID, logs := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/aws/apigateway/"+prefixed("ws"))
	if als, _ := stage["AccessLogSettings"].(map[string]any); !reflect.DeepEqual(als["DestinationArn"], getAtt(logID, "Arn")) {
		t.Errorf("stage access logs %v", stage["AccessLogSettings"])
	}
	if logs["RetentionInDays"] != 30.0 {
		t.Errorf("access log retention %v", logs["RetentionInDays"])
	}

	ids := queueIDs(t, tmpl, prefixed(""))
	_, rule := only(t, tmpl, "AWS::Events::Rule", "Name", prefixed("realtime"))
	var types []any
	for _, typ := range realtime.Types() {
		types = append(types, typ)
	}
	if got, want := rule["EventPattern"], map[string]any{"detail-type": types}; !reflect.DeepEqual(got, want) {
		t.Error(diff("realtime rule pattern", got, want))
	}
	if target := list(rule["Targets"])[0].(map[string]any); !reflect.DeepEqual(target["Arn"], getAtt(ids["realtime-push"], "Arn")) {
		t.Errorf("realtime rule target %v, want the realtime-push queue", target["Arn"])
	}
}

// Least privilege of the live feed's functions: the table (items and index queries), their own logs, ws-push its
// queue, and execute-api:ManageConnections on this API's live stage only, for the methods each needs (ws-default
// POST and DELETE, ws-push POST); ws-connect and ws-disconnect none.
func TestWebSocketLeastPrivilege(t *testing.T) {
	tmpl := defaultTemplate(t)
	tableArn := getAtt(singleID(t, tmpl, "AWS::DynamoDB::Table"), "Arn")
	var tableIndexes []any
	for _, g := range []string{"gsi1", "gsi2", "gsi3"} {
		tableIndexes = append(tableIndexes, map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/" + g}}})
	}
	itemActions := []string{"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
		"dynamodb:Query", "dynamodb:UpdateItem"}
	table := grant{"dynamodb:", tableArn, itemActions, nil}
	indexes := grant{"dynamodb:", tableIndexes, []string{"dynamodb:Query"}, nil}
	apiID := wsAPIID(t, tmpl)
	connections := func(methods ...string) grant {
		var arns []any
		for _, m := range methods {
			arns = append(arns, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
				":execute-api:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":",
				ref(apiID), "/live/" + m + "/@connections/*"}}})
		}
		return grant{"execute-api:", arns, []string{"execute-api:ManageConnections"}, nil}
	}
	ids := queueIDs(t, tmpl, prefixed(""))
	for fn, grants := range map[string][]grant{
		"ws-connect":    {table, indexes},
		"ws-disconnect": {table, indexes},
		"ws-default":    {table, indexes, connections("POST", "DELETE")},
		"ws-push":       {table, indexes, consume(ids["realtime-push"]), connections("POST")},
	} {
		t.Run(fn, func(t *testing.T) {
			_, f := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(fn))
			roleID := list(f["Role"].(map[string]any)["Fn::GetAtt"])[0].(string)
			logID, _ := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/aws/lambda/"+prefixed(fn))
			checkGrants(t, tmpl, roleID, fn, append(grants, grant{"logs:", getAtt(logID, "Arn"), []string{"logs:CreateLogStream", "logs:PutLogEvents"}, nil}))
		})
	}
}
