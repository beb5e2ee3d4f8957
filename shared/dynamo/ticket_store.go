package dynamo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/realtime"
)

// TicketStore is realtime.TicketStore on DynamoDB: one item per ticket hash, TICKET#<hash> / TICKET, with
// ttl = ExpiresAt. Taking a ticket is one conditional DeleteItem returning the old item, so of concurrent takes
// exactly one gets it.
type TicketStore struct {
	c     Client
	table string
}

var _ realtime.TicketStore = (*TicketStore)(nil)

// NewTicketStore returns the ticket store over the single table.
func NewTicketStore(c Client, table string) *TicketStore { return &TicketStore{c: c, table: table} }

const skTicket = "TICKET"

func ticketPK(hash string) string { return "TICKET#" + hash }

type ticketItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Entity    string `dynamodbav:"entity"`
	TenantID  string `dynamodbav:"tenantId"`
	Hash      string `dynamodbav:"hash"`
	Principal string `dynamodbav:"principal"` // auth.Principal as JSON
	ExpiresAt string `dynamodbav:"expiresAt"`
	TTL       int64  `dynamodbav:"ttl"`
}

func (s *TicketStore) PutTicket(ctx context.Context, t realtime.Ticket) error {
	p, err := json.Marshal(t.Principal)
	if err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	item, err := attributevalue.MarshalMap(ticketItem{PK: ticketPK(t.Hash), SK: skTicket, Entity: "ticket",
		TenantID: t.Principal.TenantID, Hash: t.Hash, Principal: string(p), ExpiresAt: fmtTime(t.ExpiresAt), TTL: t.ExpiresAt.Unix() + 1})
	if err != nil {
		return fmt.Errorf("encode ticket: %w", err)
	}
	if _, err := s.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	return nil
}

func (s *TicketStore) TakeTicket(ctx context.Context, hash string) (realtime.Ticket, error) {
	out, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(ticketPK(hash), skTicket),
		ConditionExpression: aws.String("attribute_exists(pk)"), ReturnValues: types.ReturnValueAllOld})
	if isConditionFailed(err) {
		return realtime.Ticket{}, realtime.ErrTicketNotFound
	}
	if err != nil {
		return realtime.Ticket{}, fmt.Errorf("take ticket: %w", err)
	}
	var it ticketItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return realtime.Ticket{}, fmt.Errorf("decode ticket: %w", err)
	}
	var p auth.Principal
	if err := json.Unmarshal([]byte(it.Principal), &p); err != nil {
		return realtime.Ticket{}, fmt.Errorf("decode ticket principal: %w", err)
	}
	expires, err := parseTime(it.ExpiresAt)
	if err != nil {
		return realtime.Ticket{}, fmt.Errorf("ticket: %w", err)
	}
	return realtime.Ticket{Hash: it.Hash, Principal: p, ExpiresAt: expires}, nil
}
