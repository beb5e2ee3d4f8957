// Command infra is the CDK app of WaQtor's AWS runtime. `cdk synth` and `cdk deploy` run it from the repository
// root (see cdk.json); `make synth` builds the functions and the dashboard first. docs/deployment.md describes the
// settings: context waqtor:stackName, waqtor:prefix, waqtor:dashboardOrigin (origins CORS allows besides the stack's
// CloudFront, comma-separated), waqtor:alarmEmail, waqtor:deviceDbMultiAz, waqtor:deviceDbDeletionProtection and
// waqtor:premiumGating, and env WAQTOR_LAMBDA_ASSETS, a directory of <function>/bootstrap that replaces build/lambda.
// cdk-nag's AwsSolutions rules run on every synthesis: a finding
// fails it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
)

func main() {
	app := awscdk.NewApp(nil)
	props := stack.Props{
		Prefix:     contextString(app, "waqtor:prefix"),
		AlarmEmail: contextString(app, "waqtor:alarmEmail"),
	}
	for _, o := range strings.Split(contextString(app, "waqtor:dashboardOrigin"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			props.DashboardOrigins = append(props.DashboardOrigins, o)
		}
	}
	protected, ok := contextBool(app, "waqtor:deviceDbDeletionProtection", true)
	props.DeviceDBDeletable = !protected
	multiAZ, ok2 := contextBool(app, "waqtor:deviceDbMultiAz", false)
	props.DeviceDBMultiAZ = multiAZ
	gating, ok3 := contextBool(app, "waqtor:premiumGating", true)
	props.PremiumGatingOff = !gating
	if !ok || !ok2 || !ok3 {
		os.Exit(1)
	}
	if dir := os.Getenv("WAQTOR_LAMBDA_ASSETS"); dir != "" {
		props.LambdaAsset = func(name string) string { return filepath.Join(dir, name) }
	}
	name := contextString(app, "waqtor:stackName")
	if name == "" {
		name = "Waqtor"
	}
	stack.AddChecks(app)
	if _, err := stack.New(app, name, props); err != nil {
		jsii.Close()
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	app.Synth(nil)
	jsii.Close()
}

// contextBool is the boolean context value key, def when unset; false (after a message) when it is neither.
func contextBool(app awscdk.App, key string, def bool) (value, ok bool) {
	switch v := app.Node().TryGetContext(jsii.String(key)); v {
	case nil:
		return def, true
	case true, "true":
		return true, true
	case false, "false":
		return false, true
	default:
		fmt.Fprintf(os.Stderr, "infra: %s %v: want true or false\n", key, v)
		return def, false
	}
}

// contextString is the string context value key (cdk.json or -c key=value), "" when unset.
func contextString(app awscdk.App, key string) string {
	if s, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok {
		return s
	}
	return ""
}
