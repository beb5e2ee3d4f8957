package stack_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
	"github.com/waqtor/waqtor/shared/queue"
)

// subnetIDs returns the logical IDs of the VPC's subnets that do (public) or do not map public IPs on launch.
func subnetIDs(t *testing.T, tmpl assertions.Template, public bool) []any {
	t.Helper()
	var ids []string
	for id, r := range resources(t, tmpl, "AWS::EC2::Subnet") {
		if props(r)["MapPublicIpOnLaunch"] == public {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var refs []any
	for _, id := range ids {
		refs = append(refs, ref(id))
	}
	return refs
}

func sortedRefs(v any) []any {
	l := slices.Clone(list(v))
	sort.Slice(l, func(i, j int) bool { return fmtJSON(l[i]) < fmtJSON(l[j]) })
	return l
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The network costs no NAT gateway: two AZs, the host's subnets are public (an internet gateway route, public
// IPs), the database's are isolated (no route out at all).
func TestNetwork(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "one VPC", func() { tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPC"), jsii.Number(1)) })
	check(t, "no NAT gateway", func() { tmpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(0)) })
	check(t, "two gateway endpoints", func() { tmpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(2)) })
	public, isolated := subnetIDs(t, tmpl, true), subnetIDs(t, tmpl, false)
	if len(public) != 2 || len(isolated) != 2 {
		t.Fatalf("subnets: %d public, %d isolated; want 2 and 2 (two AZs)", len(public), len(isolated))
	}
	igw := singleID(t, tmpl, "AWS::EC2::InternetGateway")
	// Only public subnets' route tables route anywhere, and only to the internet gateway.
	routeTables := map[string]any{}
	for _, r := range resources(t, tmpl, "AWS::EC2::SubnetRouteTableAssociation") {
		p := props(r)
		routeTables[fmtJSON(p["RouteTableId"])] = p["SubnetId"]
	}
	routes := resources(t, tmpl, "AWS::EC2::Route")
	if len(routes) != 2 {
		t.Errorf("routes: got %d, want 2 (the default route of each public subnet)", len(routes))
	}
	for id, r := range routes {
		p := props(r)
		subnet := routeTables[fmtJSON(p["RouteTableId"])]
		if !slices.ContainsFunc(public, func(s any) bool { return reflect.DeepEqual(s, subnet) }) ||
			!reflect.DeepEqual(p["GatewayId"], ref(igw)) || p["DestinationCidrBlock"] != "0.0.0.0/0" {
			t.Errorf("route %s: %v in the table of subnet %v; want only 0.0.0.0/0 to the internet gateway from a public subnet", id, p, subnet)
		}
	}
}

func TestSessionHost(t *testing.T) {
	tmpl := defaultTemplate(t)
	check(t, "one cluster", func() { tmpl.ResourceCountIs(jsii.String("AWS::ECS::Cluster"), jsii.Number(1)) })
	check(t, "one service", func() { tmpl.ResourceCountIs(jsii.String("AWS::ECS::Service"), jsii.Number(1)) })
	taskID, task := only(t, tmpl, "AWS::ECS::TaskDefinition", "Family", prefixed("session-host"))
	for key, want := range map[string]any{
		"Cpu":                     "256",
		"Memory":                  "512",
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []any{"FARGATE"},
		"RuntimePlatform":         map[string]any{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
	} {
		if got := task[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff("task "+key, got, want))
		}
	}

	containers := list(task["ContainerDefinitions"])
	if len(containers) != 1 {
		t.Fatalf("containers: got %d, want 1", len(containers))
	}
	c := containers[0].(map[string]any)
	logID, logs := only(t, tmpl, "AWS::Logs::LogGroup", "LogGroupName", "/ecs/"+prefixed("session-host"))
	if logs["RetentionInDays"] != 30.0 {
		t.Errorf("host log retention: got %v, want 30 days", logs["RetentionInDays"])
	}
	for key, want := range map[string]any{
		"Name":        "session-host",
		"Essential":   true,
		"StopTimeout": 120.0,
		"HealthCheck": map[string]any{"Command": []any{"CMD", "/session-host", "healthcheck"},
			"Interval": 30.0, "Timeout": 5.0, "Retries": 3.0, "StartPeriod": 60.0},
		"LogConfiguration": map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
			"awslogs-group": ref(logID), "awslogs-stream-prefix": "session-host", "awslogs-region": ref("AWS::Region")}},
	} {
		if got := c[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff("container "+key, got, want))
		}
	}
	if image := fmtJSON(c["Image"]); !strings.Contains(image, "cdk-hnb659fds-container-assets") {
		t.Errorf("image %s: want the CDK container asset", image)
	}
	env := map[string]any{}
	for _, e := range list(c["Environment"]) {
		e := e.(map[string]any)
		env[e["Name"].(string)] = e["Value"]
	}
	wantEnv := map[string]any{
		"WAQTOR_TABLE":            ref(singleID(t, tmpl, "AWS::DynamoDB::Table")),
		"WAQTOR_EVENT_BUS":        ref(singleID(t, tmpl, "AWS::Events::EventBus")),
		"WAQTOR_QUEUE_PREFIX":     stack.DefaultPrefix,
		"WAQTOR_PREMIUM_GATING":   "on", // the AWS default
		"WAQTOR_DASHBOARD_ORIGIN": originsEnv(t, tmpl, env["WAQTOR_DASHBOARD_ORIGIN"]),
		"WAQTOR_ADDR":             ":8080",
		"WAQTOR_SHUTDOWN_TIMEOUT": "1m40s",
		"WAQTOR_LOG_FORMAT":       "json",
		"WAQTOR_MEDIA_BUCKET":     ref(mediaBucketID(t, tmpl)),
	}
	if !reflect.DeepEqual(env, wantEnv) {
		t.Error(diff("host environment", env, wantEnv))
	}
	// What ECS2 is about: no secret value and no reference to one in the environment. The device database's
	// credentials come as ECS secrets, each a field of the database's secret, which ECS reads when the task
	// starts (with the execution role, TestLeastPrivilege).
	for name, v := range env {
		if js := fmtJSON(v); regexp.MustCompile(`PASSWORD|SECRET|TOKEN`).MatchString(name) ||
			strings.Contains(strings.ToLower(js), "secretsmanager") || strings.Contains(js, "Secret") {
			t.Errorf("host environment %s=%v: a secret or a reference to one; pass it as an ECS secret", name, fmtJSON(v))
		}
	}
	dbSecret := ref(singleID(t, tmpl, "AWS::SecretsManager::SecretTargetAttachment"))
	field := func(f string) any { return map[string]any{"Fn::Join": []any{"", []any{dbSecret, ":" + f + "::"}}} }
	secrets := map[string]any{}
	for _, e := range list(c["Secrets"]) {
		e := e.(map[string]any)
		secrets[e["Name"].(string)] = e["ValueFrom"]
	}
	wantSecrets := map[string]any{
		"WAQTOR_DEVICE_DB_HOST":     field("host"),
		"WAQTOR_DEVICE_DB_PORT":     field("port"),
		"WAQTOR_DEVICE_DB_NAME":     field("dbname"),
		"WAQTOR_DEVICE_DB_USER":     field("username"),
		"WAQTOR_DEVICE_DB_PASSWORD": field("password"),
	}
	if !reflect.DeepEqual(secrets, wantSecrets) {
		t.Error(diff("host secrets", secrets, wantSecrets))
	}

	_, svc := only(t, tmpl, "AWS::ECS::Service", "ServiceName", prefixed("session-host"))
	deploy, _ := svc["DeploymentConfiguration"].(map[string]any)
	for key, want := range map[string]any{
		"DesiredCount":         1.0,
		"LaunchType":           "FARGATE",
		"TaskDefinition":       ref(taskID),
		"Cluster":              ref(singleID(t, tmpl, "AWS::ECS::Cluster")),
		"EnableExecuteCommand": false,
	} {
		if got := svc[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff("service "+key, got, want))
		}
	}
	// A deployment starts the new task next to the old one and stops the old one once the new one is healthy
	// (the sessions' leases keep the two from connecting the same session): no time without a host.
	if deploy["MinimumHealthyPercent"] != 100.0 || deploy["MaximumPercent"] != 200.0 {
		t.Errorf("deployment %v: want MinimumHealthyPercent 100 and MaximumPercent 200", deploy)
	}
	if got, want := deploy["DeploymentCircuitBreaker"], map[string]any{"Enable": true, "Rollback": true}; !reflect.DeepEqual(got, want) {
		t.Error(diff("circuit breaker", got, want))
	}
	hostSG := getAtt(securityGroupID(t, tmpl, prefixed("session-host")), "GroupId")
	vpcConfig, _ := svc["NetworkConfiguration"].(map[string]any)["AwsvpcConfiguration"].(map[string]any)
	if got, want := vpcConfig, map[string]any{"AssignPublicIp": "ENABLED", "SecurityGroups": []any{hostSG},
		"Subnets": subnetIDs(t, tmpl, true)}; !reflect.DeepEqual(map[string]any{"AssignPublicIp": got["AssignPublicIp"],
		"SecurityGroups": got["SecurityGroups"], "Subnets": sortedRefs(got["Subnets"])}, want) {
		t.Error(diff("service network", got, want))
	}

	// The host only dials out: its security group lets nothing in.
	for id, r := range resources(t, tmpl, "AWS::EC2::SecurityGroupIngress") {
		if p := props(r); reflect.DeepEqual(p["GroupId"], hostSG) {
			t.Errorf("ingress %s into the host: %v", id, p)
		}
	}
	_, sg := only(t, tmpl, "AWS::EC2::SecurityGroup", "GroupName", prefixed("session-host"))
	if sg["SecurityGroupIngress"] != nil {
		t.Errorf("host security group ingress %v, want none", sg["SecurityGroupIngress"])
	}
}

func securityGroupID(t *testing.T, tmpl assertions.Template, name string) string {
	t.Helper()
	id, _ := only(t, tmpl, "AWS::EC2::SecurityGroup", "GroupName", name)
	return id
}

func TestDeviceDB(t *testing.T) {
	tmpl := defaultTemplate(t)
	dbID := singleID(t, tmpl, "AWS::RDS::DBInstance")
	db := props(resources(t, tmpl, "AWS::RDS::DBInstance")[dbID])
	dbSG := getAtt(securityGroupID(t, tmpl, prefixed("device-db")), "GroupId")
	for key, want := range map[string]any{
		"Engine":               "postgres",
		"EngineVersion":        "17",
		"DBInstanceClass":      "db.t4g.micro",
		"DBInstanceIdentifier": prefixed("devices"),
		"DBName":               "waqtor",
		"MasterUsername":       "waqtor",
		"StorageEncrypted":     true,
		"StorageType":          "gp3",
		"AllocatedStorage":     "20",
		"PubliclyAccessible":   false,
		"MultiAZ":              false,
		"DeletionProtection":   true,
		"VPCSecurityGroups":    []any{dbSG},
	} {
		if got := db[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff("database "+key, got, want))
		}
	}
	check(t, "snapshot on delete", func() {
		tmpl.HasResource(jsii.String("AWS::RDS::DBInstance"), map[string]any{"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot"})
	})
	// The password is generated into a secret attached to the instance, and the instance reads it from there.
	secretID, secret := "", map[string]any{}
	for id, r := range resources(t, tmpl, "AWS::SecretsManager::Secret") {
		if id != tokenSecretID(t, tmpl) {
			secretID, secret = id, props(r)
		}
	}
	gen, _ := secret["GenerateSecretString"].(map[string]any)
	if gen["GenerateStringKey"] != "password" || gen["SecretStringTemplate"] != `{"username":"waqtor"}` {
		t.Errorf("device database secret %v: want a generated password for user waqtor", gen)
	}
	if pw := fmtJSON(db["MasterUserPassword"]); !strings.Contains(pw, "resolve:secretsmanager:") || !strings.Contains(pw, secretID) {
		t.Errorf("MasterUserPassword %s: want a dynamic reference to secret %s", pw, secretID)
	}
	_, attach := only(t, tmpl, "AWS::SecretsManager::SecretTargetAttachment", "TargetType", "AWS::RDS::DBInstance")
	if !reflect.DeepEqual(attach["SecretId"], ref(secretID)) || !reflect.DeepEqual(attach["TargetId"], ref(dbID)) {
		t.Errorf("secret attachment %v: want secret %s on instance %s", attach, secretID, dbID)
	}
	// In the isolated subnets, reachable on 5433 from the host's security group and from nothing else.
	groupID := singleID(t, tmpl, "AWS::RDS::DBSubnetGroup")
	group := props(resources(t, tmpl, "AWS::RDS::DBSubnetGroup")[groupID])
	if got, want := sortedRefs(group["SubnetIds"]), subnetIDs(t, tmpl, false); !reflect.DeepEqual(got, want) {
		t.Error(diff("database subnets", got, want))
	}
	if !reflect.DeepEqual(db["DBSubnetGroupName"], ref(groupID)) {
		t.Errorf("DBSubnetGroupName %v, want %s", db["DBSubnetGroupName"], groupID)
	}
	hostSG := getAtt(securityGroupID(t, tmpl, prefixed("session-host")), "GroupId")
	var ingress []map[string]any
	for _, r := range resources(t, tmpl, "AWS::EC2::SecurityGroupIngress") {
		if p := props(r); reflect.DeepEqual(p["GroupId"], dbSG) {
			ingress = append(ingress, p)
		}
	}
	_, sg := only(t, tmpl, "AWS::EC2::SecurityGroup", "GroupName", prefixed("device-db"))
	for _, in := range list(sg["SecurityGroupIngress"]) {
		ingress = append(ingress, in.(map[string]any))
	}
	if len(ingress) != 1 || ingress[0]["IpProtocol"] != "tcp" || ingress[0]["FromPort"] != 5433.0 || ingress[0]["ToPort"] != 5433.0 ||
		!reflect.DeepEqual(ingress[0]["SourceSecurityGroupId"], hostSG) || ingress[0]["CidrIp"] != nil {
		t.Errorf("database ingress %v: want only tcp 5433 from the host's security group", ingress)
	}
	// The database dials nowhere (CDK's placeholder rule that matches no traffic).
	for _, e := range list(sg["SecurityGroupEgress"]) {
		if e := e.(map[string]any); e["CidrIp"] != "255.255.255.255/32" {
			t.Errorf("database egress %v: want none", e)
		}
	}
}

// The host image is a CDK asset staged at synth (no Docker needed) from the repository root through
// .dockerignore: the Go build's inputs, for linux/arm64, and nothing else.
func TestHostImageAsset(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	if _, err := stack.New(app, "Image", stack.Props{LambdaAsset: fixtureAsset, DashboardOrigins: testOrigins, DashboardAsset: fixtureDashboard()}); err != nil {
		t.Fatal(err)
	}
	dir := *app.Synth(nil).Directory()
	b, err := os.ReadFile(filepath.Join(dir, "Image.assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		DockerImages map[string]struct {
			Source struct{ Directory, DockerFile, Platform string }
		}
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.DockerImages) != 1 {
		t.Fatalf("docker image assets: got %d, want 1", len(manifest.DockerImages))
	}
	for _, img := range manifest.DockerImages {
		if img.Source.DockerFile != "session-host/Dockerfile" || img.Source.Platform != "linux/arm64" {
			t.Errorf("image source %+v: want session-host/Dockerfile for linux/arm64", img.Source)
		}
		staged := filepath.Join(dir, img.Source.Directory)
		for _, want := range []string{"go.mod", "go.sum", "session-host/Dockerfile", "session-host/main.go", "docs/openapi.yaml",
			"shared/config/config.go"} {
			if _, err := os.Stat(filepath.Join(staged, want)); err != nil {
				t.Errorf("staged image context lacks %s: %v", want, err)
			}
		}
		top, _ := os.ReadDir(staged)
		var names []string
		for _, e := range top {
			names = append(names, e.Name())
		}
		if want := []string{".dockerignore", "docs", "go.mod", "go.sum", "session-host", "shared"}; !reflect.DeepEqual(names, want) {
			t.Error(diff("staged image context", names, want))
		}
		filepath.WalkDir(staged, func(path string, d os.DirEntry, err error) error {
			if err == nil && (strings.HasSuffix(path, "_test.go") || d.Name() == "testdata") {
				t.Errorf("staged image context holds %s", strings.TrimPrefix(path, staged))
			}
			return err
		})
	}
}

// Sizing, deletion protection and the host's queues are settings.
func TestHostSettings(t *testing.T) {
	tmpl := synth(t, stack.Props{LambdaAsset: fixtureAsset, HostCPU: 1024, HostMemoryMiB: 3072, DeviceDBDeletable: true})
	_, task := only(t, tmpl, "AWS::ECS::TaskDefinition", "Family", prefixed("session-host"))
	if task["Cpu"] != "1024" || task["Memory"] != "3072" {
		t.Errorf("task size %v CPU, %v MiB; want 1024 and 3072", task["Cpu"], task["Memory"])
	}
	_, db := only(t, tmpl, "AWS::RDS::DBInstance", "DBInstanceIdentifier", prefixed("devices"))
	if db["DeletionProtection"] != false {
		t.Errorf("DeletionProtection %v with DeviceDBDeletable, want false", db["DeletionProtection"])
	}

	empty := t.TempDir()
	without := func(name string) []queue.Spec {
		return slices.DeleteFunc(slices.Clone(queue.Catalog), func(s queue.Spec) bool {
			return s.Name == name || s.DeadLetter == name
		})
	}
	tests := []struct {
		name  string
		props stack.Props
		want  error
	}{
		{"no Dockerfile", stack.Props{HostImageDir: empty}, stack.ErrMissingDockerfile},
		{"CPU Fargate has not", stack.Props{HostCPU: 300}, stack.ErrInvalidProps},
		{"memory the CPU does not allow", stack.Props{HostCPU: 256, HostMemoryMiB: 4096}, stack.ErrInvalidProps},
		{"sends queue missing", stack.Props{Queues: without("session-sends.fifo")}, stack.ErrCatalog},
		{"control queue missing", stack.Props{Queues: without("session-control.fifo")}, stack.ErrCatalog},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.props.LambdaAsset = fixtureAsset
			_, err := stack.New(awscdk.NewApp(nil), "Refused", tt.props)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New: got %v, want %v", err, tt.want)
			}
		})
	}
}
