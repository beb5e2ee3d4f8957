package dynamo

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// newestQuery is a page of a log kept in a tenant's partition under one sort-key prefix whose IDs sort by time
// (deliveries, notifications): newest first, below a cursor, filtered.
type newestQuery struct {
	table, pk, prefix string
	// before is an ID cursor: only items whose ID sorts below it ("" for the newest).
	before string
	// filter is a filter expression over names and values; it must not use ":pk", ":lo" or ":hi".
	filter string
	names  map[string]string
	values map[string]types.AttributeValue
	limit  int
}

// maxQueryPage bounds the Limit of one Query request of queryNewest.
const maxQueryPage = 1000

// queryNewest returns up to q.limit items that pass the filter, newest first. DynamoDB applies Limit before the
// filter, so a page may hold fewer matches than asked, or none; it reads on, doubling the page size each time, until
// it has q.limit items or the range ends. The cost is the items read, matching or not.
func queryNewest(ctx context.Context, c Client, q newestQuery) ([]map[string]types.AttributeValue, error) {
	values := maps.Clone(q.values)
	if values == nil {
		values = map[string]types.AttributeValue{}
	}
	values[":pk"], values[":lo"] = str(q.pk), str(q.prefix)
	cond := "pk = :pk AND begins_with(sk, :lo)"
	hi := ""
	if q.before != "" {
		// A key condition takes one operator on sk: "sk < :hi" alone would also match other kinds of item sorting
		// below the prefix, so use the inclusive BETWEEN and drop the cursor's own item below.
		hi = q.prefix + q.before
		cond = "pk = :pk AND sk BETWEEN :lo AND :hi"
		values[":hi"] = str(hi)
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(q.table),
		ConsistentRead:            aws.Bool(true),
		ScanIndexForward:          aws.Bool(false),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeValues: values,
	}
	if q.filter != "" {
		in.FilterExpression = aws.String(q.filter)
	}
	if len(q.names) > 0 {
		in.ExpressionAttributeNames = q.names
	}
	page := int32(min(q.limit+1, maxQueryPage))
	out := []map[string]types.AttributeValue{}
	for {
		in.Limit = aws.Int32(page)
		res, err := c.Query(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, item := range res.Items {
			if sk, _ := item[AttrSK].(*types.AttributeValueMemberS); hi != "" && sk != nil && sk.Value == hi {
				continue
			}
			out = append(out, item)
			if len(out) == q.limit {
				return out, nil
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
		page = min(page*2, maxQueryPage)
	}
}
