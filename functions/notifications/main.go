// Function notifications consumes the "notifications" route's SQS queue (event source mapping with
// ReportBatchItemFailures): the notification rules turn session events into the tenant's users' notifications in
// DynamoDB and publish notification.created. A rule that waits (a disconnection's grace, a QR waiting for a scan)
// keeps its event's message as the pending check: it comes back when due through ChangeMessageVisibility.
package main

import (
	"context"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() {
	awsfunction.Lambda(func(ctx context.Context, rt *awsfunction.Runtime) (any, error) {
		return awslambda.SQSMessageHandler(rt.Notifications().Handle, rt.SQS(), rt.Log), nil
	})
}
