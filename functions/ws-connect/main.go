// Function ws-connect is the WebSocket API's $connect route: it redeems the connect ticket (?ticket=…) and
// stores the connection with the ticket's principal; a missing, bad, used or expired ticket is answered 401 and
// API Gateway refuses the connection.
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
		return rt.WSConnect(gw), nil
	})
}
