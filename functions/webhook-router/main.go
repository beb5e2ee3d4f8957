// Function webhook-router consumes the "webhooks" route's SQS queue: for each event it creates one delivery per
// subscribed endpoint in DynamoDB and sends its job to the webhook-deliveries queue.
package main

import (
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
	"github.com/waqtor/waqtor/shared/runtime/awssealed"
)

func main() {
	awsfunction.Consume(consumers.WebhookRouter, awssealed.WebhookStore, awsfunction.Queue)
}
