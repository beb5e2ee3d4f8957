package sqlite_test

import (
	"testing"

	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestTicketStoreContract(t *testing.T) {
	storetest.RunTicket(t, func(t *testing.T) realtime.TicketStore { return sqlite.NewTicketStore(MustOpenDB(t)) })
}
