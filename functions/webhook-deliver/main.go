// Function webhook-deliver consumes the webhook-deliveries SQS queue (event source mapping with
// ReportBatchItemFailures): it signs and sends each delivery, records the attempt in DynamoDB, and schedules the
// next attempt by setting the job's visibility timeout (ChangeMessageVisibility).
package main

import (
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/runtime/awsevents"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
)

func main() {
	awsfunction.Consume(consumers.WebhookDeliver,
		awssealed.WebhookStore, awsfunction.WebhookSender, awsevents.NotificationCenter, awsevents.EventBridge)
}
