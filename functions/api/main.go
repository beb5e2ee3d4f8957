// Function api serves the REST API on Lambda behind API Gateway (HTTP API, payload 2.0): the same http.Handler
// as standalone, over DynamoDB and EventBridge.
package main

import (
	"context"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() {
	awsfunction.Lambda(func(ctx context.Context, rt *awsfunction.Runtime) (any, error) {
		a, err := awsapp.From(rt)
		if err != nil {
			return nil, err
		}
		h, err := a.API(ctx)
		if err != nil {
			return nil, err
		}
		return httpadapter.NewV2(h).ProxyWithContext, nil
	})
}
