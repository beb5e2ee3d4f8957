// Function webhook-deliver consumes the webhook-deliveries SQS queue (event source mapping with
// ReportBatchItemFailures): it signs and sends each delivery, records the attempt in DynamoDB, and schedules the
// next attempt by setting the job's visibility timeout (ChangeMessageVisibility).
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
	lambda.StartWithOptions(awslambda.SQSMessageHandler(rt.WebhookDeliverer().Handle, rt.SQS(), log), lambda.WithEnableSIGTERM())
}
