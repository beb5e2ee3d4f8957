package stack

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/dynamo"
)

// Key schema of the single-table design. Items expire at the epoch second in ttlAttribute.
const (
	partitionKey = "pk"
	sortKey      = "sk"
	ttlAttribute = "ttl"
)

// tableItemActions are all package dynamo does with items (transactions are authorised per item action, their
// condition checks by ConditionCheckItem). No Scan, no batch or stream actions: nothing uses them.
var tableItemActions = []string{"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
	"dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"}

// addTable adds Main, the one DynamoDB table every store writes (single-table design), with the global secondary
// indexes package dynamo queries (dynamo.GlobalIndexes: string keys, all attributes projected). It holds the
// tenants' data: it is retained when the stack is deleted, deletion protection refuses a DeleteTable call, and
// point-in-time recovery can restore it to any second of the last 35 days.
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
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
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

// grantTable lets role read and write items (tableItemActions) on the table and query each of its indexes, named
// one by one (no "index/*"); with describe, also dynamodb:DescribeTable (the API's readiness check). The table's
// GrantReadWriteData would add Scan, batch and stream actions and a wildcard on the indexes.
func (b *builder) grantTable(role awsiam.IRole, describe bool) {
	actions := slices.Clone(tableItemActions)
	if describe {
		actions = append(actions, "dynamodb:DescribeTable")
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{b.mainTable.TableArn()},
	}))
	indexes := make([]*string, len(dynamo.GlobalIndexes))
	for i, g := range dynamo.GlobalIndexes {
		indexes[i] = awscdk.Fn_Join(jsii.String(""), &[]*string{b.mainTable.TableArn(), jsii.String("/index/" + g.Name)})
	}
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:Query"),
		Resources: &indexes,
	}))
}
