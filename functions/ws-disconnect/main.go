// Function ws-disconnect is the WebSocket API's $disconnect route: it forgets the connection.
package main

import "github.com/waqtor/waqtor/shared/runtime/awsfunction"

func main() { awsfunction.WebSocketRoute((*awsfunction.Runtime).WSDisconnect) }
