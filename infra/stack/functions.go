package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// function declares one Lambda function: functions/<Name>/main.go, built by `make lambdas` into
// <LambdaAsset(Name)>/bootstrap. Its role gets exactly the access listed here, plus writing its own log group.
type function struct {
	Name        string
	Description string
	Timeout     time.Duration
	MemoryMB    int
	// TableReadWrite grants item reads and writes on the Main table (tableItemActions) and queries on its indexes.
	TableReadWrite bool
	// DescribeTable grants dynamodb:DescribeTable on the Main table (the API's readiness check).
	DescribeTable bool
	// PutEvents grants events:PutEvents on the bus.
	PutEvents bool
	// ReadTokenSecret grants reading the dashboard token signing secret.
	ReadTokenSecret bool
	// MediaReadWrite grants reading, writing and deleting media files in the media bucket.
	MediaReadWrite bool
	// Consumes names the queue whose messages invoke the function (an SQS event source mapping with partial
	// batch failures). Its visibility timeout must be at least visibilityPerTimeout times Timeout.
	Consumes string
	// MaxConcurrency caps the concurrent invocations the event source mapping makes (0: no cap; else 2 to 1000).
	MaxConcurrency int
	// Sends names the queues the function sends messages to (sqs:SendMessage on exactly these).
	Sends []string
}

// functions is every Lambda function of the stack. A new function is one entry here plus its functions/<name>.
var functions = []function{
	{
		Name:        apiFunction,
		Description: "the REST API behind the HTTP API",
		// The API waits up to session.DefaultWait for the session host's answer (pairing codes, number lookups),
		// and API Gateway gives up after apiGatewayTimeout: validateFunctions keeps the timeout between the two.
		Timeout:         session.DefaultWait + apiTimeoutMargin,
		MemoryMB:        256,
		TableReadWrite:  true,
		DescribeTable:   true,
		PutEvents:       true,
		ReadTokenSecret: true,
		MediaReadWrite:  true,
		// Replays of webhook deliveries go straight to the deliverer's queue; sends and session commands go to the
		// session host's queues.
		Sends: []string{"webhook-deliveries", "session-sends.fifo", "session-control.fifo"},
	},
	{
		Name:        "audit",
		Description: "writes account changes from the audit queue to the tenant's activity log",
		// One item write per record, at most consumerBatchSize records: well within 5 s, and 6 x 5 s fits the
		// audit queue's 30 s visibility timeout.
		Timeout:        5 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
		Consumes:       "audit",
	},
	{
		Name:        "webhook-router",
		Description: "creates one webhook delivery per subscribed endpoint for every event of the webhooks route",
		// One query and one transactional write per event; 6 x 10 s fits the router queue's 60 s visibility.
		Timeout:        10 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
		Consumes:       "webhook-router",
		Sends:          []string{"webhook-deliveries"},
	},
	{
		Name:           "webhook-deliver",
		Description:    "signs and sends webhook deliveries, records every attempt and schedules the retries",
		Timeout:        60 * time.Second,
		MemoryMB:       256,
		TableReadWrite: true,
		Consumes:       "webhook-deliveries",
		// Each invocation enforces an endpoint's MaxConcurrency among its own records (webhook.Limiter); with at
		// most 10 invocations at once, an endpoint has at most 10 times its limit in flight (best effort).
		MaxConcurrency: 10,
	},
}

// Timeouts that must fit each other; validateFunctions enforces them and TestTimeoutsFit reads them back from
// the template.
const (
	// apiGatewayTimeout is the HTTP API's integration timeout, set explicitly to the most CDK accepts (29 s; API
	// Gateway's own limit for HTTP APIs is 30 s): after it the client gets a 503 whatever the function does.
	apiGatewayTimeout = 29 * time.Second
	// apiTimeoutMargin is what the API function needs on top of its longest wait (session.DefaultWait) to read
	// the answer and respond.
	apiTimeoutMargin = 5 * time.Second
	// visibilityPerTimeout is AWS's guidance for a queue an SQS event source reads: a visibility timeout of at
	// least six times the function's timeout, so retries of throttled or failed batches do not redeliver
	// messages still being processed.
	visibilityPerTimeout = 6
)

// Event source mapping of every queue consumer.
const (
	consumerBatchSize      = 10
	consumerBatchingWindow = time.Second
	maxFunctionName        = 64
)

// Environment of every function; the functions read their config from these.
const (
	envTable           = "WAQTOR_TABLE"
	envEventBus        = "WAQTOR_EVENT_BUS"
	envQueuePrefix     = "WAQTOR_QUEUE_PREFIX"
	envTokenSecretARN  = "WAQTOR_TOKEN_SECRET_ARN"
	envDashboardOrigin = "WAQTOR_DASHBOARD_ORIGIN"
)

// validateFunctions checks names, consumed queues and that every bootstrap is built.
func validateFunctions(prefix string, fns []function, specs map[string]queue.Spec, asset func(string) string) error {
	var errs []error
	for _, f := range fns {
		if len(prefix+f.Name) > maxFunctionName {
			errs = append(errs, fmt.Errorf("%w: function %q: name longer than %d with the prefix", ErrCatalog, f.Name, maxFunctionName))
		}
		if f.Consumes != "" {
			q, ok := specs[f.Consumes]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%w: function %q consumes undeclared queue %q", ErrCatalog, f.Name, f.Consumes))
			case q.VisibilityTimeout < visibilityPerTimeout*f.Timeout:
				errs = append(errs, fmt.Errorf("%w: function %q: the visibility timeout %s of queue %q is less than %d times the timeout %s",
					ErrCatalog, f.Name, q.VisibilityTimeout, f.Consumes, visibilityPerTimeout, f.Timeout))
			}
		}
		if f.Name == apiFunction && (f.Timeout <= session.DefaultWait || f.Timeout >= apiGatewayTimeout) {
			errs = append(errs, fmt.Errorf("%w: function %q: timeout %s must exceed the API's longest wait %s and stay below API Gateway's %s",
				ErrCatalog, f.Name, f.Timeout, session.DefaultWait, apiGatewayTimeout))
		}
		if f.MaxConcurrency != 0 && (f.Consumes == "" || f.MaxConcurrency < 2 || f.MaxConcurrency > 1000) {
			errs = append(errs, fmt.Errorf("%w: function %q: MaxConcurrency %d needs a consumed queue and 2 to 1000",
				ErrCatalog, f.Name, f.MaxConcurrency))
		}
		for _, name := range f.Sends {
			if _, ok := specs[name]; !ok {
				errs = append(errs, fmt.Errorf("%w: function %q sends to undeclared queue %q", ErrCatalog, f.Name, name))
			}
		}
		bootstrap := filepath.Join(asset(f.Name), "bootstrap")
		if fi, err := os.Stat(bootstrap); err != nil || !fi.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("%w: function %q: no file %s (run make lambdas)", ErrMissingBootstrap, f.Name, bootstrap))
		}
	}
	return errors.Join(errs...)
}

// runtimeEnv is the environment of every function and of the session host: where the table, the bus, the queues
// and the media bucket are, and the dashboard origins. Each call returns a new map. The functions add
// WAQTOR_TOKEN_SECRET_ARN (they read the secret with their role); the host does not sign tokens and gets none.
func (b *builder) runtimeEnv() map[string]*string {
	return map[string]*string{
		envTable:           b.mainTable.TableName(),
		envEventBus:        b.eventBus.EventBusName(),
		envQueuePrefix:     jsii.String(b.props.Prefix),
		envDashboardOrigin: awscdk.Fn_Join(jsii.String(","), ptr(b.dashboardOrigins())),
		envMediaBucket:     b.mediaBucket.BucketName(),
	}
}

// addFunctions adds every function of the list with its own role, log group and event source.
func (b *builder) addFunctions() {
	b.functions = make(map[string]awslambda.Function, len(functions))
	b.functionLogs = make(map[string]awslogs.LogGroup, len(functions))
	env := b.runtimeEnv()
	env[envTokenSecretARN] = b.tokenSecret.SecretArn()
	for _, f := range functions {
		physical := b.props.Prefix + f.Name
		logs := awslogs.NewLogGroup(b.stack, constructID("Logs", f.Name), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/lambda/" + physical),
			Retention:     b.props.LogRetention,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
		role := awsiam.NewRole(b.stack, constructID("Role", f.Name), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("runs the " + physical + " function"),
		})
		logs.GrantWrite(role)
		fn := awslambda.NewFunction(b.stack, constructID("Function", f.Name), &awslambda.FunctionProps{
			FunctionName:  jsii.String(physical),
			Description:   jsii.String(f.Description),
			Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:  awslambda.Architecture_ARM_64(),
			Handler:       jsii.String("bootstrap"),
			Code:          awslambda.Code_FromAsset(jsii.String(b.props.LambdaAsset(f.Name)), nil),
			Timeout:       seconds(f.Timeout),
			MemorySize:    jsii.Number(f.MemoryMB),
			Role:          role,
			LogGroup:      logs,
			LoggingFormat: awslambda.LoggingFormat_JSON,
			Environment:   &env,
		})
		if f.TableReadWrite {
			b.grantTable(role, f.DescribeTable)
		}
		if f.PutEvents {
			b.eventBus.GrantPutEventsTo(fn, nil)
		}
		if f.ReadTokenSecret {
			b.tokenSecret.GrantRead(fn, nil)
		}
		if f.MediaReadWrite {
			b.grantMedia(role)
		}
		if f.Consumes != "" {
			esm := &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(consumerBatchSize),
				MaxBatchingWindow:       seconds(consumerBatchingWindow),
				ReportBatchItemFailures: jsii.Bool(true),
			}
			if f.MaxConcurrency > 0 {
				esm.MaxConcurrency = jsii.Number(f.MaxConcurrency)
			}
			fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(b.queues[f.Consumes], esm))
		}
		for _, name := range f.Sends {
			b.queues[name].GrantSendMessages(fn)
		}
		b.functions[f.Name] = fn
		b.functionLogs[f.Name] = logs
	}
}
