// Package awsfunction is the AWS wiring every AWS process shares (the SDK configuration from the environment,
// DynamoDB, webhook secrets sealed by KMS, SQS) and the whole main of a consumer function: Consume runs the function's
// entry of the consumer registry (shared/consumers). It links neither the REST API nor S3, EventBridge or Secrets
// Manager: the API function and the session host get those from shared/runtime/awsapp, on top of this.
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
	ebsdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/kms"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Runtime holds the AWS clients and adapters of one process.
type Runtime struct {
	Config   config.Config
	AWS      aws.Config
	DynamoDB *dynamodb.Client
	Log      *slog.Logger
	// Secrets seals webhook secrets and header values at rest with KMS (WAQTOR_SECRETS_KMS_KEY); nil without it.
	Secrets webhook.Sealer
}

// New loads the AWS SDK configuration (region, credentials, AWS_ENDPOINT_URL_* overrides) and builds the clients.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Runtime, error) {
	if !cfg.AWS() {
		return nil, errors.New("awsfunction: WAQTOR_TABLE is not set")
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	rt := &Runtime{Config: cfg, AWS: ac, DynamoDB: dynamodb.NewFromConfig(ac), Log: log}
	if cfg.SecretsKMSKey != "" {
		if rt.Secrets, err = kms.NewSealer(kmssdk.NewFromConfig(ac), cfg.SecretsKMSKey); err != nil {
			return nil, err
		}
	} else {
		log.WarnContext(ctx, "WAQTOR_SECRETS_KMS_KEY is not set: webhook secrets and header values are stored unencrypted")
	}
	return rt, nil
}

// WebhookStore is the table's webhook store, sealing secrets with rt.Secrets when there is a KMS key.
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
		return 0, errors.New("WAQTOR_SECRETS_KMS_KEY is not set: nothing to seal with")
	}
	return webhook.Reseal(ctx, dynamo.NewWebhookStore(rt.DynamoDB, rt.Config.Table), rt.Secrets)
}

// SQS returns an SQS client from the runtime's AWS configuration.
func (rt *Runtime) SQS() *sqssdk.Client { return sqssdk.NewFromConfig(rt.AWS) }

// ConsumerDeps is what the consumer functions' handlers are built from (shared/consumers): the table's stores,
// the webhook store sealing with KMS, the queues through client (WAQTOR_QUEUE_PREFIX + name), and the SSRF-guarded
// client for deliveries (WAQTOR_WEBHOOK_ALLOW lets chosen private destinations through). Sessions is the session
// host's alone. A store or client a new consumer needs is added here; TestEveryConsumerFunctionBuilds fails until then.
func (rt *Runtime) ConsumerDeps(client *sqssdk.Client) (consumers.Deps, error) {
	q, err := sqs.NewQueue(client, rt.Config.QueuePrefix)
	if err != nil {
		return consumers.Deps{}, err
	}
	pub, err := eventbridge.New(ebsdk.NewFromConfig(rt.AWS), eventbridge.Config{BusName: rt.Config.EventBus, Logger: rt.Log})
	if err != nil {
		return consumers.Deps{}, err
	}
	notes := dynamo.NewNotificationStore(rt.DynamoDB, rt.Config.Table)
	d := consumers.Deps{
		Activity:      dynamo.NewActivityStore(rt.DynamoDB, rt.Config.Table),
		Webhooks:      rt.WebhookStore(),
		Notifications: notes,
		Events:        pub,
		// The rules read the tenant's users and sessions and write each user's notifications (preferences are
		// items of the notification store).
		NotificationRules: app.NotificationCenter(app.Stores{Tenants: dynamo.NewTenantStore(rt.DynamoDB, rt.Config.Table),
			Sessions: dynamo.NewSessionStore(rt.DynamoDB, rt.Config.Table), Notifications: notes,
			NotificationPreferences: notes}, pub, rt.Log),
		Queue:   q,
		Sender:  egress.NewClient(rt.Config.WebhookGuard(), app.Version),
		Now:     time.Now,
		Version: app.Version,
		Log:     rt.Log,
	}
	if rt.Config.WSURL != "" { // the stack gives every function the WebSocket API's URL; ws-push needs it
		gw, err := rt.WSGateway()
		if err != nil {
			return consumers.Deps{}, err
		}
		d.LiveFeed = gw.Handle
	}
	return d, nil
}

// Consumer is the Lambda handler of the function's consumer (its shared/consumers entry): an SQS event source
// handler with partial batch failures, for bus events (awslambda.SQSHandler) or plain messages
// (awslambda.SQSMessageHandler, which sets a retried message's visibility itself).
func (rt *Runtime) Consumer(function string) (any, error) {
	cs := consumers.On(consumers.Lambda(function))
	if len(cs) != 1 {
		return nil, fmt.Errorf("awsfunction: function %q runs %d consumers of the registry, want one", function, len(cs))
	}
	client := rt.SQS()
	deps, err := rt.ConsumerDeps(client)
	if err != nil {
		return nil, err
	}
	h, err := cs[0].Build(deps)
	if err != nil {
		return nil, err
	}
	if h.Events != nil {
		return awslambda.SQSHandler(h.Events, rt.Log), nil
	}
	return awslambda.SQSMessageHandler(h.Messages, client, rt.Log), nil
}

// Consume is the whole main of a consumer function: it runs the consumer the registry gives function.
func Consume(function string) {
	Lambda(func(_ context.Context, rt *Runtime) (any, error) { return rt.Consumer(function) })
}
