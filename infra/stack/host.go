package stack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
)

// The session host: one ECS Fargate task holding every WhatsApp socket, with its device store on RDS Postgres.
const (
	hostName = "session-host"
	// hostDockerfile is the image's Dockerfile, relative to the build context (Props.HostImageDir).
	hostDockerfile = "session-host/Dockerfile"
	// hostPort is where the host serves HTTP inside the task (its /healthz); nothing outside the task reaches it.
	hostPort = 8080
	// hostStopTimeout is how long ECS waits after SIGTERM before SIGKILL: the Fargate maximum, so the host can
	// finish a send (whatsmeow waits up to 75 s for the server ack) and close its sockets.
	hostStopTimeout = 2 * time.Minute
	// hostShutdownTimeout is the host's own drain budget (WAQTOR_SHUTDOWN_TIMEOUT), inside hostStopTimeout.
	hostShutdownTimeout = 100 * time.Second

	deviceDBName     = "waqtor"
	deviceDBUser     = "waqtor"
	deviceDBPort     = 5433 // not Postgres's default 5432 (AwsSolutions-RDS11); the host gets it from the secret
	deviceDBStorage  = 20   // GiB, the gp3 minimum
	deviceDBMaxStore = 100  // GiB, storage autoscaling ceiling
	deviceDBBackups  = 7 * 24 * time.Hour
)

// hostConsumes are the queues the session host consumes: the registry's entries On consumers.SessionHost.
func hostConsumes(cs []consumers.Consumer) []string {
	var out []string
	for _, c := range cs {
		if c.On.Host {
			out = append(out, c.Queue)
		}
	}
	return out
}

// Environment the host gets on top of the functions' (runtimeEnv).
const (
	envAddr            = "WAQTOR_ADDR"
	envShutdownTimeout = "WAQTOR_SHUTDOWN_TIMEOUT"
	envLogFormat       = "WAQTOR_LOG_FORMAT"
)

// fargateSizes are the CPU units Fargate offers, with the memory sizes (MiB) each allows (up to 4 vCPU).
var fargateSizes = map[int][]int{
	256:  {512, 1024, 2048},
	512:  {1024, 2048, 3072, 4096},
	1024: {2048, 3072, 4096, 5120, 6144, 7168, 8192},
	2048: {4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384},
	4096: {8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384, 17408, 18432, 19456, 20480,
		21504, 22528, 23552, 24576, 25600, 26624, 27648, 28672, 29696, 30720},
}

// validateHost checks the image's build context and the task size.
func validateHost(p Props) error {
	var errs []error
	if fi, err := os.Stat(filepath.Join(p.HostImageDir, hostDockerfile)); err != nil || !fi.Mode().IsRegular() {
		errs = append(errs, fmt.Errorf("%w: no file %s in %s", ErrMissingDockerfile, hostDockerfile, p.HostImageDir))
	}
	mems, ok := fargateSizes[p.HostCPU]
	if !ok {
		errs = append(errs, fmt.Errorf("%w: HostCPU %d: want 256, 512, 1024, 2048 or 4096", ErrInvalidProps, p.HostCPU))
	} else if !slices.Contains(mems, p.HostMemoryMiB) {
		errs = append(errs, fmt.Errorf("%w: HostMemoryMiB %d: Fargate allows %v with %d CPU units", ErrInvalidProps,
			p.HostMemoryMiB, mems, p.HostCPU))
	}
	return errors.Join(errs...)
}

// addNetwork adds the VPC: two AZs, a public subnet each for the host (which only dials out, through the
// internet gateway with a public IP: no NAT gateway to pay for) and an isolated subnet each for the database
// (no route out at all). Gateway endpoints (free) carry the host's S3 and DynamoDB traffic inside AWS's network;
// the default security group has no rules (a CDK custom resource removes them); flow logs record every
// connection in a log group.
func (b *builder) addNetwork() {
	flowLogs := awslogs.NewLogGroup(b.stack, jsii.String("LogsFlow"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/vpc/" + b.props.Prefix + "network"),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	hostSubnets := &[]*awsec2.SubnetSelection{{SubnetType: awsec2.SubnetType_PUBLIC}}
	b.vpc = awsec2.NewVpc(b.stack, jsii.String("Network"), &awsec2.VpcProps{
		VpcName:     jsii.String(b.props.Prefix + "network"),
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("host"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("db"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
			"S3":       {Service: awsec2.GatewayVpcEndpointAwsService_S3(), Subnets: hostSubnets},
			"DynamoDB": {Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB(), Subnets: hostSubnets},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	})
	b.hostSecurityGroup = awsec2.NewSecurityGroup(b.stack, jsii.String("HostSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:               b.vpc,
		Description:       jsii.String("WaQtor session host: outbound only (WhatsApp, AWS APIs, the device database)"),
		AllowAllOutbound:  jsii.Bool(true),
		SecurityGroupName: jsii.String(b.props.Prefix + hostName),
	})
}

// addDeviceDB adds the Postgres instance of the device store: the smallest Graviton instance, encrypted storage,
// a generated master password in Secrets Manager, reachable only from the host's security group.
func (b *builder) addDeviceDB() {
	sg := awsec2.NewSecurityGroup(b.stack, jsii.String("DeviceDBSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:               b.vpc,
		Description:       jsii.String("WaQtor device database: Postgres from the session host only"),
		AllowAllOutbound:  jsii.Bool(false),
		SecurityGroupName: jsii.String(b.props.Prefix + "device-db"),
	})
	sg.AddIngressRule(b.hostSecurityGroup, awsec2.Port_Tcp(jsii.Number(deviceDBPort)),
		jsii.String("Postgres from the session host"), jsii.Bool(false))
	b.deviceDB = awsrds.NewDatabaseInstance(b.stack, jsii.String("DeviceDB"), &awsrds.DatabaseInstanceProps{
		InstanceIdentifier: jsii.String(b.props.Prefix + "devices"),
		Engine: awsrds.DatabaseInstanceEngine_Postgres(&awsrds.PostgresInstanceEngineProps{
			Version: awsrds.PostgresEngineVersion_VER_17(),
		}),
		InstanceType:            awsec2.InstanceType_Of(awsec2.InstanceClass_BURSTABLE4_GRAVITON, awsec2.InstanceSize_MICRO),
		Vpc:                     b.vpc,
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		SecurityGroups:          &[]awsec2.ISecurityGroup{sg},
		Port:                    jsii.Number(deviceDBPort),
		DatabaseName:            jsii.String(deviceDBName),
		Credentials:             awsrds.Credentials_FromGeneratedSecret(jsii.String(deviceDBUser), nil),
		AllocatedStorage:        jsii.Number(deviceDBStorage),
		MaxAllocatedStorage:     jsii.Number(deviceDBMaxStore),
		StorageType:             awsrds.StorageType_GP3,
		StorageEncrypted:        jsii.Bool(true),
		MultiAz:                 jsii.Bool(b.props.DeviceDBMultiAZ),
		PubliclyAccessible:      jsii.Bool(false),
		BackupRetention:         seconds(deviceDBBackups),
		AutoMinorVersionUpgrade: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(!b.props.DeviceDBDeletable),
		RemovalPolicy:           awscdk.RemovalPolicy_SNAPSHOT,
	})
	if !b.props.DeviceDBMultiAZ {
		suppress(b.deviceDB, "RDS3", "Multi-AZ is opt-in (Props.DeviceDBMultiAZ, context waqtor:deviceDbMultiAz) for cost: "+
			"the session host is one task in one AZ, and the database has daily snapshots and point-in-time restore")
	}
	suppress(b.deviceDB.Node().FindChild(jsii.String("Secret")), "SMG4", "no automatic rotation: the session host reads the credentials once at start "+
		"and the database's isolated subnets have no route to Secrets Manager for a rotation Lambda; rotate by hand "+
		"and restart the host (runbook in docs/deployment.md)")
}

// addSessionHost adds the ECS cluster and the session host service: one ARM64 Fargate task (two for a while during
// a deployment, kept apart by the sessions' leases), image built from session-host/Dockerfile.
func (b *builder) addSessionHost() {
	physical := b.props.Prefix + hostName
	cluster := awsecs.NewCluster(b.stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		ClusterName:         jsii.String(b.props.Prefix + "cluster"),
		Vpc:                 b.vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	b.cluster = cluster
	logs := awslogs.NewLogGroup(b.stack, jsii.String("LogsSessionHost"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/ecs/" + physical),
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	b.hostLogs = logs
	role := awsiam.NewRole(b.stack, jsii.String("RoleSessionHost"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil),
		Description: jsii.String("runs the " + physical + " task"),
	})
	task := awsecs.NewFargateTaskDefinition(b.stack, jsii.String("SessionHostTask"), &awsecs.FargateTaskDefinitionProps{
		Family:         jsii.String(physical),
		Cpu:            jsii.Number(b.props.HostCPU),
		MemoryLimitMiB: jsii.Number(b.props.HostMemoryMiB),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       awsecs.CpuArchitecture_ARM64(),
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
		TaskRole: role,
	})
	env := b.runtimeEnv()
	env[envAddr] = jsii.String(fmt.Sprintf(":%d", hostPort))
	env[envShutdownTimeout] = jsii.String(hostShutdownTimeout.String())
	env[envLogFormat] = jsii.String("json")
	// The device database's credentials: ECS reads the secret's fields with the execution role when the task
	// starts and sets them as the container's WAQTOR_DEVICE_DB_* variables.
	secrets := map[string]awsecs.Secret{}
	for name, field := range config.DeviceDBSecretFields {
		secrets[name] = awsecs.Secret_FromSecretsManager(b.deviceDB.Secret(), jsii.String(field))
	}
	task.AddContainer(jsii.String("SessionHost"), &awsecs.ContainerDefinitionOptions{
		ContainerName: jsii.String(hostName),
		Image: awsecs.ContainerImage_FromAsset(jsii.String(b.props.HostImageDir), &awsecs.AssetImageProps{
			File:       jsii.String(hostDockerfile),
			Platform:   awsecrassets.Platform_LINUX_ARM64(),
			IgnoreMode: awscdk.IgnoreMode_DOCKER,
		}),
		Essential:   jsii.Bool(true),
		Environment: &env,
		Secrets:     &secrets,
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     logs,
			StreamPrefix: jsii.String(hostName),
		}),
		HealthCheck: &awsecs.HealthCheck{
			Command:     jsii.Strings("CMD", "/session-host", "healthcheck"),
			Interval:    seconds(30 * time.Second),
			Timeout:     seconds(5 * time.Second),
			Retries:     jsii.Number(3),
			StartPeriod: seconds(time.Minute),
		},
		StopTimeout: seconds(hostStopTimeout),
	})

	// ECS2 flags a container with any environment at all, secret or not. Every secret value the host needs (the
	// database's credentials) comes as an ECS secret above; what is left are names and settings (TestSessionHost
	// checks both). Moving those to Parameter Store would only satisfy the rule.
	suppress(task, "ECS2", "every secret value (the device database's credentials) reaches the container as an ECS "+
		"secret from Secrets Manager; the environment holds only names and settings (table, bus, queue prefix, bucket, "+
		"origins, listen address, shutdown timeout, log format), and ECS2 flags any environment at all")
	suppress(task, "IAM5", "ecr:GetAuthorizationToken has no resource to name; ECS needs it to pull the host image", "Resource::*")

	b.grantTable(role, false)
	b.eventBus.GrantPutEventsTo(role, nil)
	for _, name := range hostConsumes(b.props.Consumers) {
		b.queues[name].GrantConsumeMessages(role)
	}
	// The sweep re-enqueues sends the API stored but could not enqueue.
	b.queues["session-sends.fifo"].GrantSendMessages(role)
	// Incoming media are stored by the host; outgoing media are read by it.
	b.grantMedia(role)

	b.hostService = awsecs.NewFargateService(b.stack, jsii.String("SessionHost"), &awsecs.FargateServiceProps{
		ServiceName:    jsii.String(physical),
		Cluster:        cluster,
		TaskDefinition: task,
		DesiredCount:   jsii.Number(1),
		// A deployment starts the new task next to the old one, which ECS stops once the new one is healthy. The
		// new host connects no session until the old one released its lease (shared/sessionrunner/lease.go), so
		// WhatsApp is off only between the old host's release and the new host's next try (a sixth of the lease
		// TTL), not for a whole task start; and a new task that never gets healthy is rolled back while the old
		// one still runs. (Min 0 %, max 100 %, the setting before the leases, stopped the old task first.)
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		AssignPublicIp:    jsii.Bool(true),
		VpcSubnets:        &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		SecurityGroups:    &[]awsec2.ISecurityGroup{b.hostSecurityGroup},
		PlatformVersion:   awsecs.FargatePlatformVersion_LATEST,
		// No ECS Exec: it would grant ssmmessages:* on resource *.
		EnableExecuteCommand: jsii.Bool(false),
	})

	awscdk.NewCfnOutput(b.stack, jsii.String("DeviceDBSecretArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("the device database's credentials (Secrets Manager)"),
		Value:       b.deviceDB.Secret().SecretArn(),
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("SessionHostLogGroup"), &awscdk.CfnOutputProps{
		Value: logs.LogGroupName(),
	})
}
