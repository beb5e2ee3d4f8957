// Package awsfunction wires WaQtor's parts onto AWS services (DynamoDB, EventBridge, SQS, Secrets Manager) from the
// configuration, for the Lambda functions and for the session host in AWS mode. Mains call one function here.
package awsfunction

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ebsdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/kms"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/runtime/app"
	s3store "github.com/waqtor/waqtor/shared/s3"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Runtime holds the AWS clients and adapters of one process.
type Runtime struct {
	Config    config.Config
	AWS       aws.Config
	DynamoDB  *dynamodb.Client
	Stores    app.Stores
	Publisher event.Publisher
	Log       *slog.Logger
	// Secrets seals webhook secrets and header values at rest with KMS (WAQTOR_SECRETS_KMS_KEY); nil without it.
	Secrets webhook.Sealer
}

// New loads the AWS SDK configuration (region, credentials, AWS_ENDPOINT_URL_* overrides) and builds the adapters.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*Runtime, error) {
	if !cfg.AWS() {
		return nil, errors.New("awsfunction: WAQTOR_TABLE is not set")
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	ddb := dynamodb.NewFromConfig(ac)
	pub, err := eventbridge.New(ebsdk.NewFromConfig(ac), eventbridge.Config{BusName: cfg.EventBus, Logger: log})
	if err != nil {
		return nil, err
	}
	rt := &Runtime{
		Config:   cfg,
		AWS:      ac,
		DynamoDB: ddb,
		Stores: app.Stores{
			Tenants:       dynamo.NewTenantStore(ddb, cfg.Table),
			Keys:          dynamo.NewKeyStore(ddb, cfg.Table),
			Idempotency:   dynamo.NewIdempotencyStore(ddb, cfg.Table),
			Activity:      dynamo.NewActivityStore(ddb, cfg.Table),
			Notifications: dynamo.NewNotificationStore(ddb, cfg.Table),
			Sessions:      dynamo.NewSessionStore(ddb, cfg.Table),
			Messages:      dynamo.NewMessageStore(ddb, cfg.Table),
			LoginAttempts: dynamo.NewLoginAttemptStore(ddb, cfg.Table),
			Branding:      dynamo.NewBrandingStore(ddb, cfg.Table),
		},
		Publisher: pub,
		Log:       log,
	}
	if cfg.SecretsKMSKey != "" {
		if rt.Secrets, err = kms.NewSealer(kmssdk.NewFromConfig(ac), cfg.SecretsKMSKey); err != nil {
			return nil, err
		}
	} else {
		log.WarnContext(ctx, "WAQTOR_SECRETS_KMS_KEY is not set: webhook secrets and header values are stored unencrypted")
	}
	rt.Stores.Webhooks = rt.webhookStore()
	if cfg.MediaBucket != "" {
		ms, err := s3store.NewMediaStore(s3sdk.NewFromConfig(ac, func(o *s3sdk.Options) { o.UsePathStyle = usePathStyle() }), cfg.MediaBucket)
		if err != nil {
			return nil, err
		}
		rt.Stores.Media = ms
	}
	return rt, nil
}

// webhookStore is the table's webhook store, sealing secrets with rt.Secrets when there is a KMS key.
func (rt *Runtime) webhookStore() webhook.Store {
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

// usePathStyle addresses S3 by path (http://host/bucket/key) when an endpoint override points at an emulator,
// which has no per-bucket host names.
func usePathStyle() bool {
	return os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
}

// TokenSecret is WAQTOR_TOKEN_SECRET, or the secret string of WAQTOR_TOKEN_SECRET_ARN read once at cold start.
func (rt *Runtime) TokenSecret(ctx context.Context) ([]byte, error) {
	if rt.Config.TokenSecret != "" {
		return []byte(rt.Config.TokenSecret), nil
	}
	if rt.Config.TokenSecretARN == "" {
		return nil, errors.New("WAQTOR_TOKEN_SECRET_ARN (or WAQTOR_TOKEN_SECRET) is required to serve the API on AWS")
	}
	out, err := secretsmanager.NewFromConfig(rt.AWS).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(rt.Config.TokenSecretARN)})
	if err != nil {
		return nil, fmt.Errorf("read token secret: %w", err)
	}
	s := strings.TrimSpace(aws.ToString(out.SecretString))
	if len(s) < 32 {
		return nil, errors.New("token secret: the secret string must be at least 32 characters")
	}
	return []byte(s), nil
}

// API builds the REST API handler over the AWS adapters.
func (rt *Runtime) API(ctx context.Context) (http.Handler, error) {
	secret, err := rt.TokenSecret(ctx)
	if err != nil {
		return nil, err
	}
	q, err := sqs.NewQueue(rt.SQS(), rt.Config.QueuePrefix, queue.Catalog...)
	if err != nil {
		return nil, err
	}
	out := app.Outbound{Queue: q, Sender: webhook.NewClient(rt.Config.WebhookGuard(), app.Version)}
	svc, err := app.NewServices(rt.Stores, rt.Publisher, out, secret, rt.Config, rt.Log)
	if err != nil {
		return nil, err
	}
	ready := func(ctx context.Context) error {
		_, err := rt.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(rt.Config.Table)})
		return err
	}
	return app.NewAPI(rt.Stores, svc, rt.Config, rt.Log, prometheus.NewRegistry(), ready, nil), nil
}

// Audit is the consumer of the "audit" route's queue.
func (rt *Runtime) Audit() event.Handler { return activity.Handler(rt.Stores.Activity) }

// SQS returns an SQS client from the runtime's AWS configuration.
func (rt *Runtime) SQS() *sqssdk.Client { return sqssdk.NewFromConfig(rt.AWS) }

// WebhookRouter is the consumer of the "webhooks" route's queue: webhook.Fanout over the table, sending one job
// per delivery to the webhook-deliveries queue (WAQTOR_QUEUE_PREFIX + name).
func (rt *Runtime) WebhookRouter(client *sqssdk.Client) (event.Handler, error) {
	q, err := sqs.NewQueue(client, rt.Config.QueuePrefix)
	if err != nil {
		return nil, err
	}
	return webhook.Fanout(rt.webhookStore(), q, time.Now), nil
}

// WebhookDeliverer is the consumer of the webhook-deliveries queue: a webhook.Deliverer over the table, sending
// through the SSRF-guarded client (WAQTOR_WEBHOOK_ALLOW lets chosen private destinations through). Its Limiter is
// per Lambda instance (see webhook.Semaphores).
func (rt *Runtime) WebhookDeliverer() *webhook.Deliverer {
	return &webhook.Deliverer{
		Store:    rt.webhookStore(),
		Sender:   webhook.NewClient(rt.Config.WebhookGuard(), app.Version),
		Notifier: notification.StoreNotifier{Store: dynamo.NewNotificationStore(rt.DynamoDB, rt.Config.Table)},
		Limiter:  webhook.NewSemaphores(),
		Version:  app.Version,
		Log:      rt.Log,
	}
}

// Bootstrap creates the first tenant, its owner and an owner API key in the AWS runtime's table if it has no
// tenant yet, and prints the credentials once to w (the operator's terminal). Run it once after `cdk deploy`:
// `WAQTOR_TABLE=… WAQTOR_EVENT_BUS=… go run ./session-host bootstrap`.
func Bootstrap(ctx context.Context, cfg config.Config, log *slog.Logger, w io.Writer) error {
	rt, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	res, err := setup.FirstStart(ctx, tenant.NewService(rt.Stores.Tenants, rt.Publisher, log),
		apikey.NewService(rt.Stores.Keys, rt.Stores.Tenants, rt.Publisher, log), setup.Input{TenantName: cfg.BootstrapTenant,
			Email: cfg.BootstrapEmail, Password: cfg.BootstrapPassword, APIKey: cfg.BootstrapAPIKey})
	if err != nil {
		return err
	}
	if !res.Created {
		fmt.Fprintln(w, "The table already has a tenant; nothing was created.")
		return nil
	}
	res.Print(w)
	return nil
}
