// Function audit consumes the "audit" route's SQS queue (event source mapping with ReportBatchItemFailures) and
// writes every account change to the tenant's activity log in DynamoDB.
package main

import (
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

func main() { awsfunction.Consume(consumers.Audit, awsfunction.ActivityStore) }
