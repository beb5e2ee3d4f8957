package stack

import (
	"encoding/json"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// The live feed on AWS: a WebSocket API whose $connect, $disconnect and $default routes invoke the ws-connect,
// ws-disconnect and ws-default functions, and the ws-push function consuming the "realtime" route's queue.
const (
	wsStage = "live"
	// Throttling of the WebSocket stage (connection attempts and client frames per second, and burst, for the
	// whole API); each connection is also limited to 10 frames a second by ws-default (docs/realtime.md).
	wsRateLimit  = 100
	wsBurstLimit = 200
	envWSURL     = "WAQTOR_WS_URL"
)

// wsFunctions are the live feed's functions (part of functions). ManageConnections lists the Management API
// methods each may call on this API's stage: ws-default answers frames (POST) and closes connections over the
// rate limit (DELETE); ws-push only posts.
var wsFunctions = []function{
	{
		Name:        "ws-connect",
		Description: "the WebSocket API's $connect: redeems the connect ticket and stores the connection",
		// One conditional delete (the ticket) and one transaction (the connection).
		Timeout:        5 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
	},
	{
		Name:           "ws-disconnect",
		Description:    "the WebSocket API's $disconnect: forgets the connection",
		Timeout:        5 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
	},
	{
		Name:              "ws-default",
		Description:       "the WebSocket API's $default: answers subscribe, unsubscribe and ping frames, replays missed frames",
		Timeout:           10 * time.Second,
		MemoryMB:          128,
		TableReadWrite:    true,
		ManageConnections: []string{"POST", "DELETE"},
	},
	{
		Name:        "ws-push",
		Description: "posts every event of the realtime route to the tenant's subscribed WebSocket connections",
		// A window write, one query, then posts 16 at a time; 6 x 10 s fits the queue's 60 s visibility.
		Timeout:           10 * time.Second,
		MemoryMB:          256,
		TableReadWrite:    true,
		NoBatchingWindow:  true,
		ManageConnections: []string{"POST"},
	},
}

// wsRoutes maps each route of the WebSocket API to its function.
var wsRoutes = map[string]string{"$connect": "ws-connect", "$disconnect": "ws-disconnect", "$default": "ws-default"}

// addWebSocketAPI adds the WebSocket API (its routes come in addWebSocketRoutes, once the functions exist) and
// its stage URL, which every function gets as WAQTOR_WS_URL.
func (b *builder) addWebSocketAPI() {
	b.wsAPI = awsapigatewayv2.NewWebSocketApi(b.stack, jsii.String("WebSocketApi"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:     jsii.String(b.props.Prefix + "ws"),
		Description: jsii.String("WaQtor live feed (docs/realtime.md): connect with ?ticket= from POST /api/realtime/ticket"),
	})
	b.wsURL = awscdk.Fn_Join(jsii.String(""), &[]*string{b.wsAPI.ApiEndpoint(), jsii.String("/" + wsStage)})
}

// addWebSocketRoutes adds the routes with their Lambda integrations (each allowed to invoke only its function),
// the throttled, logged stage, and the Management API grants: execute-api:ManageConnections on this API's stage,
// for the methods each function lists, and nothing else.
func (b *builder) addWebSocketRoutes() {
	for _, key := range []string{"$connect", "$disconnect", "$default"} {
		fn := b.functions[wsRoutes[key]]
		route := b.wsAPI.AddRoute(jsii.String(key), &awsapigatewayv2.WebSocketRouteOptions{
			Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(constructID("WsIntegration", wsRoutes[key]), fn, nil),
		})
		suppress(route, "APIG4", "the socket authenticates at $connect with a single-use ticket that ws-connect redeems "+
			"(an authorizer would have to consume the ticket itself); $default and $disconnect only reach a connection "+
			"$connect accepted, and every frame is checked against the connection's stored principal")
	}
	logs := awslogs.NewLogGroup(b.stack, jsii.String("WsAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + b.props.Prefix + "ws"),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := awsapigatewayv2.NewWebSocketStage(b.stack, jsii.String("WebSocketStage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: b.wsAPI,
		StageName:    jsii.String(wsStage),
		AutoDeploy:   jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(wsRateLimit),
			BurstLimit: jsii.Number(wsBurstLimit),
		},
	})
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(wsAccessLogFormat),
	})
	for _, f := range wsFunctions {
		if len(f.ManageConnections) == 0 {
			continue
		}
		arns := make([]*string, len(f.ManageConnections))
		for i, m := range f.ManageConnections {
			arns[i] = b.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("execute-api"), Resource: b.wsAPI.ApiId(),
				ResourceName: jsii.String(wsStage + "/" + m + "/@connections/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
		}
		role := b.functions[f.Name].Role()
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("execute-api:ManageConnections"),
			Resources: &arns,
		}))
		apiID := *b.stack.GetLogicalId(b.wsAPI.Node().DefaultChild().(awscdk.CfnElement))
		appliesTo := make([]string, 0, len(f.ManageConnections))
		for _, m := range f.ManageConnections {
			appliesTo = append(appliesTo, "Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<"+apiID+">/"+wsStage+"/"+m+"/@connections/*")
		}
		suppress(role, "IAM5", "a connection ID is known only at run time: the function may manage any connection of "+
			"this API's "+wsStage+" stage, with these methods only", appliesTo...)
	}
	awscdk.NewCfnOutput(b.stack, jsii.String("WebSocketUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("the live feed's WebSocket URL (WAQTOR_WS_URL; tickets point clients there)"),
		Value:       b.wsURL,
	})
}

// wsAccessLogFormat is one JSON object per connection event and frame ($context variables of WebSocket APIs).
var wsAccessLogFormat = mustJSON(map[string]string{
	"requestId":          "$context.requestId",
	"ip":                 "$context.identity.sourceIp",
	"requestTime":        "$context.requestTime",
	"eventType":          "$context.eventType",
	"routeKey":           "$context.routeKey",
	"connectionId":       "$context.connectionId",
	"status":             "$context.status",
	"integrationLatency": "$context.integrationLatency",
	"integrationError":   "$context.integrationErrorMessage",
})

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
