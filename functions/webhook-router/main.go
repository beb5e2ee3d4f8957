// Function webhook-router consumes the "webhooks" route's SQS queue (event source mapping with
// ReportBatchItemFailures): for every event it creates one delivery per subscribed webhook endpoint in DynamoDB
// and sends each delivery's job to the webhook-deliveries queue.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/awsrun"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/logging"
)

func main() {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log := logging.New(os.Stderr, "json", cfg.LogLevel)
	rt, err := awsrun.New(context.Background(), cfg, log)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	h, err := rt.WebhookRouter(rt.SQS())
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.StartWithOptions(awslambda.SQSHandler(h, log), lambda.WithEnableSIGTERM())
}
