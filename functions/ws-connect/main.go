// Function ws-connect is the WebSocket API's $connect route: it redeems the connect ticket (?ticket=…) and
// stores the connection with the ticket's principal; a missing, bad, used or expired ticket is answered 401 and
// API Gateway refuses the connection.
package main

import "github.com/waqtor/waqtor/shared/runtime/awsfunction"

func main() { awsfunction.WebSocketRoute((*awsfunction.Runtime).WSConnect) }
