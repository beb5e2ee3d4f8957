// Package awsapp is the app on AWS: every store of app.Stores on DynamoDB and S3, events to EventBridge, the REST API
// with its token secret from Secrets Manager, and the first start (Bootstrap). The API function and the session host
// use it; the consumer functions use only shared/runtime/awsfunction, so they link neither the API nor S3.
package awsapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ebsdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
	"github.com/waqtor/waqtor/shared/runtime/restapi"
	s3store "github.com/waqtor/waqtor/shared/s3"
	"github.com/waqtor/waqtor/shared/setup"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/tenant"
)

// App is the AWS runtime with every store and the event publisher.
type App struct {
	*awsfunction.Runtime
	Stores    app.Stores
	Publisher event.Publisher
}

// New builds the AWS runtime (awsfunction.New), its stores (NewStores) and the EventBridge publisher.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	rt, err := awsfunction.New(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return From(rt)
}

// From adds the KMS sealer of webhook secrets (awssealed.Load), the stores (NewStores) and the EventBridge
// publisher to an AWS runtime.
func From(rt *awsfunction.Runtime) (*App, error) {
	if err := awssealed.Load(context.Background(), rt); err != nil {
		return nil, err
	}
	pub, err := eventbridge.New(ebsdk.NewFromConfig(rt.AWS), eventbridge.Config{BusName: rt.Config.EventBus, Logger: rt.Log})
	if err != nil {
		return nil, err
	}
	st, err := NewStores(rt)
	if err != nil {
		return nil, err
	}
	return &App{Runtime: rt, Stores: st, Publisher: pub}, nil
}

// NewStores is the AWS runtime's app.Stores: every store on the table, webhook secrets sealed with KMS when there is
// a key, media in the WAQTOR_MEDIA_BUCKET bucket (Media is nil without one: the API then answers media requests
// with an error, and the session host refuses to start).
func NewStores(rt *awsfunction.Runtime) (app.Stores, error) {
	ddb, table := rt.DynamoDB, rt.Config.Table
	st := app.Stores{
		Tenants:       dynamo.NewTenantStore(ddb, table),
		Keys:          dynamo.NewKeyStore(ddb, table),
		Idempotency:   dynamo.NewIdempotencyStore(ddb, table),
		Activity:      dynamo.NewActivityStore(ddb, table),
		Webhooks:      rt.WebhookStore(),
		Notifications: dynamo.NewNotificationStore(ddb, table),
		Sessions:      dynamo.NewSessionStore(ddb, table),
		Messages:      dynamo.NewMessageStore(ddb, table),
		LoginAttempts: dynamo.NewLoginAttemptStore(ddb, table),
		Tickets:       dynamo.NewTicketStore(ddb, table),
		Plans:         dynamo.NewPlanStore(ddb, table),
		// Notification preferences: items of the notification store.
		NotificationPreferences: dynamo.NewNotificationStore(ddb, table),
		Branding:                dynamo.NewBrandingStore(ddb, table),
	}
	if rt.Config.MediaBucket != "" {
		ms, err := s3store.NewMediaStore(s3sdk.NewFromConfig(rt.AWS, func(o *s3sdk.Options) { o.UsePathStyle = usePathStyle() }), rt.Config.MediaBucket)
		if err != nil {
			return app.Stores{}, err
		}
		st.Media = ms
	}
	return st, nil
}

// usePathStyle addresses S3 by path (http://host/bucket/key) when an endpoint override points at an emulator,
// which has no per-bucket host names.
func usePathStyle() bool {
	return os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
}

// TokenSecret is WAQTOR_TOKEN_SECRET, or the secret string of WAQTOR_TOKEN_SECRET_ARN read once at cold start.
func (a *App) TokenSecret(ctx context.Context) ([]byte, error) {
	if a.Config.TokenSecret != "" {
		return []byte(a.Config.TokenSecret), nil
	}
	if a.Config.TokenSecretARN == "" {
		return nil, errors.New("WAQTOR_TOKEN_SECRET_ARN (or WAQTOR_TOKEN_SECRET) is required to serve the API on AWS")
	}
	out, err := secretsmanager.NewFromConfig(a.AWS).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(a.Config.TokenSecretARN)})
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
func (a *App) API(ctx context.Context) (http.Handler, error) {
	secret, err := a.TokenSecret(ctx)
	if err != nil {
		return nil, err
	}
	q, err := sqs.NewQueue(a.SQS(), a.Config.QueuePrefix, queue.Catalog...)
	if err != nil {
		return nil, err
	}
	out := app.Outbound{Queue: q, Sender: egress.NewClient(a.Config.WebhookGuard(), app.Version)}
	svc, err := app.NewServices(a.Stores, a.Publisher, out, secret, a.Config, a.Log)
	if err != nil {
		return nil, err
	}
	ready := func(ctx context.Context) error {
		_, err := a.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(a.Config.Table)})
		return err
	}
	return restapi.New(a.Stores, svc, a.Config, a.Log, prometheus.NewRegistry(), ready, nil), nil
}

// Bootstrap creates the first tenant, its owner and an owner API key in the AWS runtime's table if it has no
// tenant yet, and prints the credentials once to w (the operator's terminal). Run it once after `cdk deploy`:
// `WAQTOR_TABLE=… WAQTOR_EVENT_BUS=… go run ./session-host bootstrap`.
func Bootstrap(ctx context.Context, cfg config.Config, log *slog.Logger, w io.Writer) error {
	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	res, err := setup.FirstStart(ctx, tenant.NewService(a.Stores.Tenants, a.Publisher, log),
		apikey.NewService(a.Stores.Keys, a.Stores.Tenants, a.Publisher, log), setup.Input{TenantName: cfg.BootstrapTenant,
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

// Plans is the plan service over the deployment's table, for the operator's commands on AWS (`access-code issue`,
// `plan set`; the operator endpoints do the same over HTTP).
func (a *App) Plans() *plan.Service {
	return plan.NewService(a.Stores.Plans, a.Stores.Tenants, nil, a.Config.PremiumGating)
}
