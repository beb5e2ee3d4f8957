package stack

import (
	"encoding/json"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
)

// apiFunction serves every route of the HTTP API.
const apiFunction = "api"

// Throttling of the default stage, for the whole API (requests per second, and burst).
const (
	apiRateLimit  = 100
	apiBurstLimit = 200
	corsMaxAge    = time.Hour
)

// corsHeaders are the request headers the dashboard sends.
var corsHeaders = []string{"Content-Type", "Authorization", "X-API-Key", "Idempotency-Key"}

// accessLogFormat is one JSON object per request ($context variables of HTTP APIs).
var accessLogFormat = func() string {
	b, err := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"ip":                 "$context.identity.sourceIp",
		"requestTime":        "$context.requestTime",
		"method":             "$context.httpMethod",
		"path":               "$context.path",
		"routeKey":           "$context.routeKey",
		"status":             "$context.status",
		"protocol":           "$context.protocol",
		"responseLength":     "$context.responseLength",
		"latencyMs":          "$context.responseLatency",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integrationErrorMessage",
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// addHTTPAPI adds the HTTP API: every path and method go to the api function (payload format 2.0, integration
// timeout apiGatewayTimeout), CORS allows the dashboard origins only (the distribution's, then Props'), the $default stage deploys automatically, is
// throttled and logs every request.
func (b *builder) addHTTPAPI() {
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"),
		b.functions[apiFunction], &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
			Timeout:              seconds(apiGatewayTimeout),
		})
	api := awsapigatewayv2.NewHttpApi(b.stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:            jsii.String(b.props.Prefix + "api"),
		Description:        jsii.String("WaQtor REST API"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: ptr(b.dashboardOrigins()),
			AllowHeaders: jsii.Strings(corsHeaders...),
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST,
				awsapigatewayv2.CorsHttpMethod_PUT, awsapigatewayv2.CorsHttpMethod_PATCH,
				awsapigatewayv2.CorsHttpMethod_DELETE, awsapigatewayv2.CorsHttpMethod_OPTIONS,
			},
			MaxAge: seconds(corsMaxAge),
		},
	})
	for _, path := range []string{"/", "/{proxy+}"} {
		for _, route := range *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
			Integration: integration,
		}) {
			suppress(route, "APIG4", "authentication is inside the api function: every route of shared/httpapi/routes.go "+
				"declares who may call it (API key, dashboard token, or public such as /healthz and login), and a "+
				"Gateway authorizer could not express the per-route scopes")
		}
	}
	b.httpAPI = api

	accessLogs := awslogs.NewLogGroup(b.stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + b.props.Prefix + "api"),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(apiRateLimit),
			BurstLimit: jsii.Number(apiBurstLimit),
		},
	})
	// The L2 stage takes access log settings only as a jsii interface; the L1 property says the same plainly.
	stage.Node().DefaultChild().(awsapigatewayv2.CfnStage).SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})

	b.apiURL = stage.Url()
	awscdk.NewCfnOutput(b.stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("base URL of the REST API"),
		Value:       b.apiURL,
	})
}
