// Function ws-push consumes the "realtime" route's queue (realtime-push): it adds each event on the live feed to
// its tenant's recent window and posts its frame through the Management API to the tenant's connections that
// subscribed to its topic and may see it; a connection that answers 410 Gone is removed. Its consumer is the
// registry's (shared/consumers), its handler the WebSocket gateway's (Deps.LiveFeed).
package main

import (
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() { awsfunction.Consume(consumers.RealtimePush, awsfunction.LiveFeed) }
