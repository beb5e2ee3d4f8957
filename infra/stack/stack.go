// Package stack is the AWS runtime of WaQtor as one CDK stack: the DynamoDB table, the EventBridge bus with one
// rule per route of routing.Table, one SQS queue per spec of queue.Catalog, the Lambda functions, the token
// signing secret, the media bucket, the HTTP API, and the session host (one ECS Fargate task in a VPC, with its
// device store on RDS Postgres). New validates everything before it creates a single construct, so a stack is
// either complete or not created at all.
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

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// Defaults of Props.
const (
	DefaultPrefix          = "waqtor-"
	DefaultDashboardOrigin = "http://localhost:5173"
	DefaultLogRetention    = awslogs.RetentionDays_ONE_MONTH
	// DefaultHostCPU and DefaultHostMemoryMiB size the session host task: a quarter vCPU and 512 MiB, which
	// hold a few dozen WhatsApp sessions.
	DefaultHostCPU       = 256
	DefaultHostMemoryMiB = 512
)

// Props configures the stack. The zero value is valid once the function bootstraps are built (`make lambdas`).
type Props struct {
	awscdk.StackProps
	// Prefix starts every physical name (table, bus, rules, queues, functions, alarms, log groups), so several
	// deployments can share an account. Letters, digits and "-", at most 32 characters. Default "waqtor-".
	Prefix string
	// LambdaAsset returns the directory holding the bootstrap of the named function.
	// Default RepoLambdaAsset: build/lambda/<name> under the repository root, where `make lambdas` writes it.
	LambdaAsset func(name string) string
	// DashboardOrigin is the only origin CORS allows on the HTTP API (scheme://host[:port]), also passed to every
	// function as WAQTOR_DASHBOARD_ORIGIN. Default "http://localhost:5173" (the dashboard's dev server).
	DashboardOrigin string
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
	// Routes replaces routing.Table and Queues replaces queue.Catalog; nil means the real ones. Only tests set
	// them, to exercise shapes the real catalog does not have yet (FIFO queues, broken catalogs).
	Routes []routing.Route
	Queues []queue.Spec
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,32}$`)

func (p Props) withDefaults() Props {
	if p.Prefix == "" {
		p.Prefix = DefaultPrefix
	}
	if p.LambdaAsset == nil {
		p.LambdaAsset = RepoLambdaAsset
	}
	if p.DashboardOrigin == "" {
		p.DashboardOrigin = DefaultDashboardOrigin
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
	return p
}

// validate reports every problem at once.
func (p Props) validate() error {
	var errs []error
	if !prefixPattern.MatchString(p.Prefix) {
		errs = append(errs, fmt.Errorf("%w: prefix %q: want 1 to 32 letters, digits or -", ErrInvalidProps, p.Prefix))
	}
	if err := validateOrigin(p.DashboardOrigin); err != nil {
		errs = append(errs, err)
	}
	specs, err := validateQueues(p.Prefix, p.Queues)
	errs = append(errs, err)
	errs = append(errs, validateRoutes(p.Prefix, p.Routes, specs))
	errs = append(errs, validateFunctions(p.Prefix, functions, specs, p.LambdaAsset))
	errs = append(errs, validateHost(p))
	for _, name := range hostConsumes {
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

	b := &builder{stack: s, props: p}
	b.addTable()
	b.addBus()
	b.addSecret()
	b.addSecretsKey()
	b.addMediaBucket()
	b.addQueues()
	b.addRules()
	b.addFunctions()
	b.grantSecretsKey()
	b.addHTTPAPI()
	b.addNetwork()
	b.addDeviceDB()
	b.addSessionHost()
	awscdk.NewCfnOutput(s, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: b.mainTable.TableName()})
	awscdk.NewCfnOutput(s, jsii.String("EventBusName"), &awscdk.CfnOutputProps{Value: b.eventBus.EventBusName()})
	return s, nil
}
