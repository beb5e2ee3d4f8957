// Package stack is the AWS runtime of WaQtor as one CDK stack: the DynamoDB table, the EventBridge bus with one
// rule per route of routing.Table, one SQS queue per spec of queue.Catalog, the Lambda functions, the token
// signing secret, the media bucket, the HTTP API, the web dashboard (S3 behind CloudFront, with its config.json), the session host (one ECS Fargate task in a VPC, with its
// device store on RDS Postgres), and the operations side: an SNS topic every alarm notifies and a CloudWatch
// dashboard. New validates everything before it creates a single construct, so a stack is either complete or not
// created at all. AddChecks applies cdk-nag's AwsSolutions rules; every finding the stack does not fix is
// suppressed in code next to the construct, with its reason (docs/deployment.md lists them).
package stack

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// Defaults of Props.
const (
	DefaultPrefix       = "waqtor-"
	DefaultLogRetention = awslogs.RetentionDays_ONE_MONTH
	// DefaultHostCPU and DefaultHostMemoryMiB size the session host task: a quarter vCPU and 512 MiB, which
	// hold a few dozen WhatsApp sessions.
	DefaultHostCPU       = 256
	DefaultHostMemoryMiB = 512
)

// Props configures the stack. Every field has a default once the function bootstraps and the dashboard are built
// (`make lambdas dashboard`; `make synth` does both).
type Props struct {
	awscdk.StackProps
	// Prefix starts every physical name (table, bus, rules, queues, functions, alarms, log groups), so several
	// deployments can share an account. Letters, digits and "-", at most 32 characters. Default "waqtor-".
	Prefix string
	// LambdaAsset returns the directory holding the bootstrap of the named function.
	// Default RepoLambdaAsset: build/lambda/<name> under the repository root, where `make lambdas` writes it.
	LambdaAsset func(name string) string
	// DashboardOrigins are more origins CORS allows on the HTTP API (scheme://host[:port] each), after the
	// CloudFront distribution's that serves the dashboard (always allowed); all are passed to every function as
	// WAQTOR_DASHBOARD_ORIGIN (comma-separated). Default none: only the distribution's.
	DashboardOrigins []string
	// DashboardAsset is the dashboard's build (it holds index.html), deployed to the dashboard bucket.
	// Default RepoDashboardAsset: dashboard/dist under the repository root, where `make dashboard` writes it.
	DashboardAsset string
	// AlarmEmail, when set, subscribes this address to the alarm topic (SNS asks it to confirm). Without it the
	// topic has no subscriber until one is added (see the ops runbook in docs/deployment.md).
	AlarmEmail string
	// DeviceDBMultiAZ runs the device database as a Multi-AZ instance (a standby in the second AZ, about twice the
	// cost). Default off: the session host itself is one task in one AZ.
	DeviceDBMultiAZ bool
	// LogRetention applies to every log group of the stack. Default one month.
	LogRetention awslogs.RetentionDays
	// HostImageDir is the build context of the session host image (it holds go.mod, shared/, docs/ and
	// session-host/Dockerfile; .dockerignore there keeps the rest out). Default RepoRoot. `cdk synth` only
	// stages it; `cdk deploy` builds it with Docker.
	HostImageDir string
	// HostCPU (CPU units, 1024 = 1 vCPU) and HostMemoryMiB size the session host task, within Fargate's
	// combinations. Default 256 and 512.
	HostCPU       int
	HostMemoryMiB int
	// DeviceDBDeletable turns off the deletion protection of the device database (for throwaway stacks). Either
	// way deleting the stack snapshots the database first.
	DeviceDBDeletable bool
	// PremiumGatingOff turns premium gating off for this deployment. The AWS default is on (a hosted service sells
	// the premium features): every function and the host get WAQTOR_PREMIUM_GATING=on unless this is set.
	PremiumGatingOff bool
	// Routes replaces routing.Table and Queues replaces queue.Catalog; nil means the real ones. Only tests set
	// them, to exercise shapes the real catalog does not have yet (FIFO queues, broken catalogs).
	Routes []routing.Route
	Queues []queue.Spec
	// Consumers replaces consumers.Registry() (nil: the real one); only tests set it. The functions' event source
	// mappings and the session host's queues are derived from it.
	Consumers []consumers.Consumer
}

var (
	prefixPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s,]+@[^@\s,]+\.[^@\s,]+$`)
)

func (p Props) withDefaults() Props {
	if p.Prefix == "" {
		p.Prefix = DefaultPrefix
	}
	if p.LambdaAsset == nil {
		p.LambdaAsset = RepoLambdaAsset
	}
	if p.DashboardAsset == "" {
		p.DashboardAsset = RepoDashboardAsset()
	}
	if p.LogRetention == "" {
		p.LogRetention = DefaultLogRetention
	}
	if p.HostImageDir == "" {
		p.HostImageDir = RepoRoot()
	}
	if p.HostCPU == 0 {
		p.HostCPU = DefaultHostCPU
	}
	if p.HostMemoryMiB == 0 {
		p.HostMemoryMiB = DefaultHostMemoryMiB
	}
	if p.Routes == nil {
		p.Routes = routing.Table
	}
	if p.Queues == nil {
		p.Queues = queue.Catalog
	}
	if p.Consumers == nil {
		p.Consumers = consumers.Registry()
	}
	return p
}

// validate reports every problem at once.
func (p Props) validate() error {
	var errs []error
	if !prefixPattern.MatchString(p.Prefix) {
		errs = append(errs, fmt.Errorf("%w: prefix %q: want 1 to 32 letters, digits or -", ErrInvalidProps, p.Prefix))
	}
	errs = append(errs, validateSite(p))
	for _, o := range p.DashboardOrigins {
		if err := validateOrigin(o); err != nil {
			errs = append(errs, err)
		}
	}
	if p.AlarmEmail != "" && !emailPattern.MatchString(p.AlarmEmail) {
		errs = append(errs, fmt.Errorf("%w: alarm email %q: want one address", ErrInvalidProps, p.AlarmEmail))
	}
	specs, err := validateQueues(p.Prefix, p.Queues)
	errs = append(errs, err)
	errs = append(errs, validateRoutes(p.Prefix, p.Routes, specs))
	errs = append(errs, validateFunctions(p.Prefix, functions, p.Consumers, specs, p.LambdaAsset))
	errs = append(errs, validateHost(p))
	for _, name := range hostConsumes(p.Consumers) {
		if s, ok := specs[name]; !ok || !s.FIFO {
			errs = append(errs, fmt.Errorf("%w: the session host consumes %q, which is not a FIFO queue of the catalog", ErrCatalog, name))
		}
	}
	return errors.Join(errs...)
}

func validateOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil {
		return fmt.Errorf("%w: dashboard origin %q: %w", ErrInvalidProps, origin, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: dashboard origin %q: want scheme://host[:port]", ErrInvalidProps, origin)
	}
	return nil
}

// RepoLambdaAsset is the default Props.LambdaAsset: build/lambda/<name> under RepoRoot, where `make lambdas`
// writes each bootstrap.
func RepoLambdaAsset(name string) string {
	return filepath.Join(RepoRoot(), "build", "lambda", name)
}

// RepoDashboardAsset is the default Props.DashboardAsset: dashboard/dist under RepoRoot, where `make dashboard`
// writes the build.
func RepoDashboardAsset() string {
	return filepath.Join(RepoRoot(), "dashboard", "dist")
}

// RepoRoot is the repository root: the nearest directory above the working directory holding go.mod, or else
// the working directory itself (".").
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return "."
		}
	}
}

// New validates props and, when they are sound, adds the WaQtor stack to scope. On error nothing is added.
func New(scope constructs.Construct, id string, props Props) (awscdk.Stack, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, err
	}
	sp := p.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("WaQtor AWS runtime: table, event bus and routes, queues, functions, HTTP API, session host")
	}
	s := awscdk.NewStack(scope, jsii.String(id), &sp)
	// S3 server access logs are delivered under the log bucket's policy, not an ACL: the log bucket keeps ACLs
	// disabled (BucketOwnerEnforced) like every bucket of the stack.
	s.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)

	b := &builder{stack: s, props: p}
	b.addAlarmTopic()
	b.addTable()
	b.addBus()
	b.addSecret()
	b.addSecretsKey()
	b.addMediaBucket()
	b.addSite()
	b.addQueues()
	b.addRules()
	b.addWebSocketAPI()
	b.addFunctions()
	b.addWebSocketRoutes()
	b.grantSecretsKey()
	b.addHTTPAPI()
	b.deploySite()
	b.addNetwork()
	b.addDeviceDB()
	b.addSessionHost()
	b.addAlarms()
	b.addDashboard()
	awscdk.NewCfnOutput(s, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: b.mainTable.TableName()})
	awscdk.NewCfnOutput(s, jsii.String("EventBusName"), &awscdk.CfnOutputProps{Value: b.eventBus.EventBusName()})
	return s, nil
}
