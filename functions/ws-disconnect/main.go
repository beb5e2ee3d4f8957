// Function ws-disconnect is the WebSocket API's $disconnect route: it forgets the connection.
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
		return rt.WSDisconnect(gw), nil
	})
}
