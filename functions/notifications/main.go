// Function notifications consumes the "notifications" route's SQS queue (event source mapping with
// ReportBatchItemFailures): the notification rules turn session and webhook-health events into the tenant's users'
// notifications in DynamoDB and publish notification.created. A rule that waits (a disconnection's grace, a QR
// waiting for a scan) keeps its event's message as the pending check: it comes back when due through
// ChangeMessageVisibility. Its consumer is the registry's (shared/consumers).
package main

import (
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/runtime/awsevents"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() { awsfunction.Consume(consumers.Notifications, awsevents.NotificationCenter) }
