// Package awsevents is what consumer functions publish with on AWS: the EventBridge publisher (EventBridge) and the
// notification center publishing over it (NotificationCenter), both awsfunction.Deps. It is apart from awsfunction
// so that a function that publishes nothing links no EventBridge.
package awsevents

import (
	"context"

	ebsdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

// EventBridge fills Deps.Events: the publisher onto the event bus (WAQTOR_EVENT_BUS).
func EventBridge(_ context.Context, rt *awsfunction.Runtime, d *consumers.Deps) error {
	pub, err := publisher(rt)
	d.Events = pub
	return err
}

// NotificationCenter fills Deps.NotificationRules: the notification center over the table's tenants, sessions and
// notifications (preferences are items of the notification store), publishing notification.created on EventBridge.
func NotificationCenter(_ context.Context, rt *awsfunction.Runtime, d *consumers.Deps) error {
	pub, err := publisher(rt)
	if err != nil {
		return err
	}
	notes := dynamo.NewNotificationStore(rt.DynamoDB, rt.Config.Table)
	d.NotificationRules = app.NotificationCenter(app.Stores{Tenants: dynamo.NewTenantStore(rt.DynamoDB, rt.Config.Table),
		Sessions: dynamo.NewSessionStore(rt.DynamoDB, rt.Config.Table), Notifications: notes,
		NotificationPreferences: notes}, pub, rt.Log)
	return nil
}

func publisher(rt *awsfunction.Runtime) (*eventbridge.Publisher, error) {
	return eventbridge.New(ebsdk.NewFromConfig(rt.AWS), eventbridge.Config{BusName: rt.Config.EventBus, Logger: rt.Log})
}
