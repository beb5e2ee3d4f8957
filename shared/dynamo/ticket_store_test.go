package dynamo_test

import (
	"testing"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestTicketStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunTicket(t, func(t *testing.T) realtime.TicketStore { return dynamo.NewTicketStore(client, newTable(t, client)) })
}
