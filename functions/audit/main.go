// Function audit consumes the "audit" route's SQS queue (event source mapping with ReportBatchItemFailures) and
// writes every account change to the tenant's activity log in DynamoDB.
package main

import (
	"context"

	"github.com/waqtor/waqtor/shared/awslambda"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() {
	awsfunction.Lambda(func(ctx context.Context, rt *awsfunction.Runtime) (any, error) {
		return awslambda.SQSHandler(rt.Audit(), rt.Log), nil
	})
}
