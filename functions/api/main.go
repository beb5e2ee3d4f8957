// Function api serves the REST API on Lambda behind API Gateway (HTTP API, payload 2.0): the same http.Handler
// as standalone, over DynamoDB and EventBridge.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/waqtor/waqtor/shared/awsrun"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/logging"
)

func main() {
	ctx := context.Background()
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := logging.New(os.Stderr, "json", cfg.LogLevel)
	rt, err := awsrun.New(ctx, cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	h, err := rt.API(ctx)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.StartWithOptions(httpadapter.NewV2(h).ProxyWithContext, lambda.WithEnableSIGTERM())
}
