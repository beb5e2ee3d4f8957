// Function ws-default is the WebSocket API's $default route: every client frame (subscribe, unsubscribe, ping),
// rate-limited per connection and answered through the Management API with the protocol's ack, pong, error,
// replayed and resync frames.
package main

import "github.com/waqtor/waqtor/shared/runtime/awsfunction"

func main() { awsfunction.WebSocketRoute((*awsfunction.Runtime).WSDefault) }
