// Command infra is the CDK app of WaQtor's AWS runtime. `cdk synth` and `cdk deploy` run it from the repository
// root (see cdk.json); `make synth` builds the functions first. docs/deployment.md describes the settings:
// context waqtor:stackName, waqtor:prefix, waqtor:dashboardOrigin and waqtor:deviceDbDeletionProtection, and env
// WAQTOR_LAMBDA_ASSETS, a directory of <function>/bootstrap that replaces build/lambda.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
)

func main() {
	app := awscdk.NewApp(nil)
	props := stack.Props{
		Prefix:          contextString(app, "waqtor:prefix"),
		DashboardOrigin: contextString(app, "waqtor:dashboardOrigin"),
	}
	switch v := app.Node().TryGetContext(jsii.String("waqtor:deviceDbDeletionProtection")); v {
	case nil, true, "true":
	case false, "false":
		props.DeviceDBDeletable = true
	default:
		fmt.Fprintf(os.Stderr, "infra: waqtor:deviceDbDeletionProtection %v: want true or false\n", v)
		os.Exit(1)
	}
	if dir := os.Getenv("WAQTOR_LAMBDA_ASSETS"); dir != "" {
		props.LambdaAsset = func(name string) string { return filepath.Join(dir, name) }
	}
	name := contextString(app, "waqtor:stackName")
	if name == "" {
		name = "Waqtor"
	}
	if _, err := stack.New(app, name, props); err != nil {
		jsii.Close()
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
	app.Synth(nil)
	jsii.Close()
}

// contextString is the string context value key (cdk.json or -c key=value), "" when unset.
func contextString(app awscdk.App, key string) string {
	if s, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok {
		return s
	}
	return ""
}
