package stack

import (
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
)

// builder adds the constructs of one stack, in dependency order; each step reads what earlier steps made.
type builder struct {
	stack awscdk.Stack
	props Props

	mainTable   awsdynamodb.Table
	eventBus    awsevents.EventBus
	tokenSecret awssecretsmanager.Secret
	secretsKey  awskms.Key
	queues      map[string]awssqs.Queue
	mediaBucket awss3.Bucket
	functions   map[string]awslambda.Function

	functionLogs map[string]awslogs.LogGroup
	httpAPI      awsapigatewayv2.HttpApi
	wsAPI        awsapigatewayv2.WebSocketApi
	wsURL        *string
	apiURL       *string // the HTTP API's $default stage URL, ending in "/"

	accessLogs       awss3.Bucket // the server access logs of the media and dashboard buckets
	siteBucket       awss3.Bucket
	siteDistribution awscloudfront.Distribution
	siteOrigin       *string // https://<the distribution's domain>

	vpc               awsec2.Vpc
	hostSecurityGroup awsec2.SecurityGroup
	deviceDB          awsrds.DatabaseInstance
	cluster           awsecs.Cluster
	hostService       awsecs.FargateService
	hostLogs          awslogs.LogGroup

	alarmTopic awssns.Topic
}

// constructID turns a catalog name ("audit-dlq", "send.fifo") into a construct ID ("AuditDlq", "SendFifo"), so
// the logical IDs in the template stay readable.
func constructID(kind, name string) *string {
	var b strings.Builder
	b.WriteString(kind)
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '.' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return jsii.String(b.String())
}

func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

func ptr[T any](v T) *T { return &v }
