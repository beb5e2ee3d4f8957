// Package awsfunction is the AWS wiring every AWS process shares (the SDK configuration from the environment,
// DynamoDB, SQS, the webhook store sealing with the KMS sealer once loaded) and the whole main of a consumer function: Consume runs the function's
// entry of the consumer registry (shared/consumers), with the dependencies its main names (Dep). It links neither
// the REST API nor S3, KMS, EventBridge or Secrets Manager: the consumer functions that need KMS or EventBridge get
// them from shared/runtime/awssealed and shared/runtime/awsevents, the API function and the session host from
// shared/runtime/awsapp, on top of this.
package awsfunction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Runtime holds the AWS clients and adapters of one process.
type Runtime struct {
	Config   config.Config
	AWS      aws.Config
	DynamoDB *dynamodb.Client
	Log      *slog.Logger
	// Secrets seals webhook secrets and header values at rest with KMS (WAQTOR_SECRETS_KMS_KEY), once
	// awssealed.Load set it; nil without a key.
	Secrets webhook.Sealer
}

// New loads the AWS SDK configuration (region, credentials, AWS_ENDPOINT_URL_* overrides) and builds the clients.
// It builds no KMS sealer: what stores webhooks loads it (awssealed.Load; awsapp does), so a function that does not
// (audit, the live feed's) links no KMS.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Runtime, error) {
	if !cfg.AWS() {
		return nil, errors.New("awsfunction: WAQTOR_TABLE is not set")
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return &Runtime{Config: cfg, AWS: ac, DynamoDB: dynamodb.NewFromConfig(ac), Log: log}, nil
}

// WebhookStore is the table's webhook store, sealing secrets with rt.Secrets when set (awssealed.Load).
func (rt *Runtime) WebhookStore() webhook.Store {
	s := dynamo.NewWebhookStore(rt.DynamoDB, rt.Config.Table)
	if rt.Secrets == nil {
		return s
	}
	return webhook.SealedStore(s, rt.Secrets)
}

// ResealSecrets seals with the current KMS key every webhook secret and header value stored in plain text or under
// another key (webhook.Reseal) and says how many endpoints it rewrote.
func (rt *Runtime) ResealSecrets(ctx context.Context) (int, error) {
	if rt.Secrets == nil {
		return 0, errors.New("no KMS sealer (WAQTOR_SECRETS_KMS_KEY, awssealed.Load): nothing to seal with")
	}
	return webhook.Reseal(ctx, dynamo.NewWebhookStore(rt.DynamoDB, rt.Config.Table), rt.Secrets)
}

// SQS returns an SQS client from the runtime's AWS configuration.
func (rt *Runtime) SQS() *sqssdk.Client { return sqssdk.NewFromConfig(rt.AWS) }

// Consumer is the Lambda handler of a consumer function's entry of the registry (shared/consumers), built from
// deps (one Dep for each of c.Needs; Now, Version and Log are always set): an SQS event source handler with
// partial batch failures, for bus events (awslambda.SQSHandler) or plain messages (awslambda.SQSMessageHandler,
// which sets a retried message's visibility itself). It fails naming each of c.Needs that deps leave empty.
func (rt *Runtime) Consumer(ctx context.Context, c consumers.Consumer, deps ...Dep) (any, error) {
	if c.On.Function == "" {
		return nil, fmt.Errorf("awsfunction: the consumer of %q runs on %s, not on a Lambda function", c.Queue, c.On)
	}
	d := consumers.Deps{Now: time.Now, Version: app.Version, Log: rt.Log}
	for _, dep := range deps {
		if err := dep(ctx, rt, &d); err != nil {
			return nil, err
		}
	}
	h, err := c.Build(d)
	if err != nil {
		return nil, fmt.Errorf("function %s: %w", c.On.Function, err)
	}
	if h.Events != nil {
		return awslambda.SQSHandler(h.Events, rt.Log), nil
	}
	return awslambda.SQSMessageHandler(h.Messages, rt.SQS(), rt.Log), nil
}

// Consume is the whole main of a consumer function: it runs the function's registry entry c, built from deps, the
// constructors of exactly what c.Needs (e.g. awsfunction.Consume(consumers.Audit, awsfunction.ActivityStore)).
// The main names its own entry and dependencies, so Go's linker leaves out every other consumer's handler and
// every dependency it does not build (TestConsumerFunctionsLinkOnlyWhatTheyUse, shared/archtest); a missing one
// fails the cold start, naming it.
func Consume(c consumers.Consumer, deps ...Dep) {
	Lambda(func(ctx context.Context, rt *Runtime) (any, error) { return rt.Consumer(ctx, c, deps...) })
}
