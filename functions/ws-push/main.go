// Function ws-push consumes the "realtime" route's queue (realtime-push): it adds each event on the live feed to
// its tenant's recent window and posts its frame through the Management API to the tenant's connections that
// subscribed to its topic and may see it; a connection that answers 410 Gone is removed.
package main

import (
	"context"

	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() {
	awsfunction.Lambda(func(ctx context.Context, rt *awsfunction.Runtime) (any, error) {
		gw, err := rt.WSGateway()
		if err != nil {
			return nil, err
		}
		return rt.WSPush(gw), nil
	})
}
