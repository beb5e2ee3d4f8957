// Function webhook-router consumes the "webhooks" route's SQS queue: for each event it creates one delivery per
// subscribed endpoint in DynamoDB and sends its job to the webhook-deliveries queue.
package main

import (
	"context"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() {
	awsfunction.Lambda(func(ctx context.Context, rt *awsfunction.Runtime) (any, error) {
		h, err := rt.WebhookRouter(rt.SQS())
		if err != nil {
			return nil, err
		}
		return awslambda.SQSHandler(h, rt.Log), nil
	})
}
