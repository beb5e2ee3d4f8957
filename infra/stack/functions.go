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

	"github.com/waqtor/waqtor/shared/consumers"
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
	// The queue whose messages invoke the function, if any, is the consumer registry's (shared/consumers): the
	// entry whose On names this function gives the queue, the batch size and the maximum concurrency of its SQS
	// event source mapping (with partial batch failures). The queue's visibility timeout must be at least
	// visibilityPerTimeout times Timeout.
	// Sends names the queues the function sends messages to (sqs:SendMessage on exactly these).
	Sends []string
	// NoBatchingWindow hands records to the function as soon as they arrive, instead of waiting up to
	// consumerBatchingWindow to fill a batch (the live feed's push, where a second matters).
	NoBatchingWindow bool
	// ManageConnections lists the WebSocket Management API methods (POST, DELETE) the function may call on the
	// live feed's stage (execute-api:ManageConnections, ws.go).
	ManageConnections []string
}

// functions is every Lambda function of the stack (the live feed's are in ws.go). A new function is one entry
// here plus its functions/<name>.
var functions = append([]function{
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
	},
	{
		Name:        "webhook-router",
		Description: "creates one webhook delivery per subscribed endpoint for every event of the webhooks route",
		// One query and one transactional write per event; 6 x 10 s fits the router queue's 60 s visibility.
		Timeout:        10 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
		Sends:          []string{"webhook-deliveries"},
	},
	{
		Name:           "webhook-deliver",
		Description:    "signs and sends webhook deliveries, records every attempt and schedules the retries",
		Timeout:        60 * time.Second,
		MemoryMB:       256,
		TableReadWrite: true,
		// webhook.failing and webhook.recovered, for the notification rules; and notification.created, for the
		// notifications of disabled endpoints and failed deliveries it raises through the notification center.
		PutEvents: true,
	},
	{
		Name:        "notifications",
		Description: "turns session events into the tenant's users' notifications (the notification rules) and publishes them",
		// Per event: a few item reads and one write per user, and one PutEvents; 6 x 10 s fits the notifications
		// queue's 60 s visibility. Pending checks come back by ChangeMessageVisibility on the same queue.
		Timeout:        10 * time.Second,
		MemoryMB:       128,
		TableReadWrite: true,
		PutEvents:      true,
	},
}, wsFunctions...)

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

// Event source mapping of every queue consumer (batch size and maximum concurrency are the registry's).
const (
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
	envPremiumGating   = "WAQTOR_PREMIUM_GATING"
)

// consumerOf is the registry entry that runs on the function, if any (validateFunctions allows at most one).
func consumerOf(cs []consumers.Consumer, function string) (consumers.Consumer, bool) {
	for _, c := range cs {
		if c.On.Function == function {
			return c, true
		}
	}
	return consumers.Consumer{}, false
}

// validateFunctions checks names, the consumers the registry runs on functions (each on a declared function, one
// per function, on a declared queue whose visibility fits the function's timeout, with a batch size and maximum
// concurrency SQS event sources accept) and that every bootstrap is built.
func validateFunctions(prefix string, fns []function, cs []consumers.Consumer, specs map[string]queue.Spec, asset func(string) string) error {
	var errs []error
	declared := map[string]function{}
	for _, f := range fns {
		declared[f.Name] = f
	}
	perFunction := map[string]int{}
	for _, c := range cs {
		if c.On.Host {
			continue
		}
		perFunction[c.On.Function]++
		f, ok := declared[c.On.Function]
		if !ok {
			errs = append(errs, fmt.Errorf("%w: the consumer of %q runs on function %q, which the stack does not declare", ErrCatalog, c.Queue, c.On.Function))
			continue
		}
		q, ok := specs[c.Queue]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%w: function %q consumes undeclared queue %q", ErrCatalog, f.Name, c.Queue))
		case q.VisibilityTimeout < visibilityPerTimeout*f.Timeout:
			errs = append(errs, fmt.Errorf("%w: function %q: the visibility timeout %s of queue %q is less than %d times the timeout %s",
				ErrCatalog, f.Name, q.VisibilityTimeout, c.Queue, visibilityPerTimeout, f.Timeout))
		}
		if c.BatchSize < 1 || c.BatchSize > queue.MaxBatch {
			errs = append(errs, fmt.Errorf("%w: function %q: batch size %d out of 1..%d", ErrCatalog, f.Name, c.BatchSize, queue.MaxBatch))
		}
		if c.AWSConcurrency != 0 && (c.AWSConcurrency < 2 || c.AWSConcurrency > 1000) {
			errs = append(errs, fmt.Errorf("%w: function %q: maximum concurrency %d: 0 (no cap) or 2 to 1000",
				ErrCatalog, f.Name, c.AWSConcurrency))
		}
	}
	for name, n := range perFunction {
		if n > 1 {
			errs = append(errs, fmt.Errorf("%w: function %q runs %d consumers of the registry, want one", ErrCatalog, name, n))
		}
	}
	for _, f := range fns {
		if len(prefix+f.Name) > maxFunctionName {
			errs = append(errs, fmt.Errorf("%w: function %q: name longer than %d with the prefix", ErrCatalog, f.Name, maxFunctionName))
		}
		if f.Name == apiFunction && (f.Timeout <= session.DefaultWait || f.Timeout >= apiGatewayTimeout) {
			errs = append(errs, fmt.Errorf("%w: function %q: timeout %s must exceed the API's longest wait %s and stay below API Gateway's %s",
				ErrCatalog, f.Name, f.Timeout, session.DefaultWait, apiGatewayTimeout))
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
// and the media bucket are, the dashboard origins, and premium gating (on by default). Each call returns a new map. The functions add
// WAQTOR_TOKEN_SECRET_ARN (they read the secret with their role); the host does not sign tokens and gets none.
func (b *builder) runtimeEnv() map[string]*string {
	return map[string]*string{
		envTable:           b.mainTable.TableName(),
		envEventBus:        b.eventBus.EventBusName(),
		envQueuePrefix:     jsii.String(b.props.Prefix),
		envDashboardOrigin: awscdk.Fn_Join(jsii.String(","), ptr(b.dashboardOrigins())),
		envMediaBucket:     b.mediaBucket.BucketName(),
		envPremiumGating:   jsii.String(premiumGating(b.props.PremiumGatingOff)),
	}
}

// premiumGating is WAQTOR_PREMIUM_GATING of the deployment: on unless Props.PremiumGatingOff.
func premiumGating(off bool) string {
	if off {
		return "off"
	}
	return "on"
}

// addFunctions adds every function of the list with its own role, log group and event source.
func (b *builder) addFunctions() {
	b.functions = make(map[string]awslambda.Function, len(functions))
	b.functionLogs = make(map[string]awslogs.LogGroup, len(functions))
	env := b.runtimeEnv()
	env[envTokenSecretARN] = b.tokenSecret.SecretArn()
	env[envWSURL] = b.wsURL
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
		if c, ok := consumerOf(b.props.Consumers, f.Name); ok {
			esm := &awslambdaeventsources.SqsEventSourceProps{
				BatchSize:               jsii.Number(c.BatchSize),
				MaxBatchingWindow:       seconds(consumerBatchingWindow),
				ReportBatchItemFailures: jsii.Bool(true),
			}
			if f.NoBatchingWindow {
				esm.MaxBatchingWindow = nil
			}
			if c.AWSConcurrency > 0 {
				esm.MaxConcurrency = jsii.Number(c.AWSConcurrency)
			}
			fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(b.queues[c.Queue], esm))
		}
		for _, name := range f.Sends {
			b.queues[name].GrantSendMessages(fn)
		}
		b.functions[f.Name] = fn
		b.functionLogs[f.Name] = logs
	}
}
