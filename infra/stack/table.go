package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/dynamo"
)

// Key schema of the single-table design. Items expire at the epoch second in ttlAttribute.
const (
	partitionKey = "pk"
	sortKey      = "sk"
	ttlAttribute = "ttl"
)

// addTable adds Main, the one DynamoDB table every store writes (single-table design), with the global secondary
// indexes package dynamo queries (dynamo.GlobalIndexes: string keys, all attributes projected). It is retained when
// the stack is deleted: it holds the tenants' data.
func (b *builder) addTable() {
	b.mainTable = awsdynamodb.NewTable(b.stack, jsii.String("Main"), &awsdynamodb.TableProps{
		TableName:           jsii.String(b.props.Prefix + "main"),
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(partitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(sortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(ttlAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	for _, g := range dynamo.GlobalIndexes {
		b.mainTable.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(g.Name),
			PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(g.PK), Type: awsdynamodb.AttributeType_STRING},
			SortKey:        &awsdynamodb.Attribute{Name: jsii.String(g.SK), Type: awsdynamodb.AttributeType_STRING},
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
}
