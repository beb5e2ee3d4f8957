package awsfunction

import (
	"context"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/sqs"
)

// A Dep builds one field of consumers.Deps on AWS. A consumer function's main passes the Deps of exactly the fields
// its registry entry Needs (Consume). Each is a function of its own, so a main links only those it names: a switch
// or a table over all of them here would link every one into every function. Those over KMS and EventBridge live
// in packages of their own (awssealed, awsevents): Go links the initialisation of every package a function
// imports, used or not.
type Dep func(ctx context.Context, rt *Runtime, d *consumers.Deps) error

// ActivityStore fills Deps.Activity: the table's activity log.
func ActivityStore(_ context.Context, rt *Runtime, d *consumers.Deps) error {
	d.Activity = dynamo.NewActivityStore(rt.DynamoDB, rt.Config.Table)
	return nil
}

// Queue fills Deps.Queue: the SQS queues (WAQTOR_QUEUE_PREFIX + name).
func Queue(_ context.Context, rt *Runtime, d *consumers.Deps) error {
	q, err := sqs.NewQueue(rt.SQS(), rt.Config.QueuePrefix)
	d.Queue = q
	return err
}

// WebhookSender fills Deps.Sender: the SSRF-guarded client for deliveries (WAQTOR_WEBHOOK_ALLOW lets chosen
// private destinations through).
func WebhookSender(_ context.Context, rt *Runtime, d *consumers.Deps) error {
	d.Sender = egress.NewClient(rt.Config.WebhookGuard(), app.Version)
	return nil
}

// LiveFeed fills Deps.LiveFeed: the WebSocket API's gateway (WAQTOR_WS_URL), pushing to its connections.
func LiveFeed(_ context.Context, rt *Runtime, d *consumers.Deps) error {
	gw, err := rt.WSGateway()
	if err != nil {
		return err
	}
	d.LiveFeed = gw.Handle
	return nil
}
