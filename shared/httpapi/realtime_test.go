package httpapi_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/httpapi"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// The ticket's url is /ws?ticket=… by default (the standalone hub) and Config.RealtimeURL?ticket=… when set (the
// AWS runtime's WebSocket API); without a ticket service the route answers 404.
func TestRealtimeTicketURL(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tickets.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, tc := range []struct{ configured, want string }{
		{"", "/ws?ticket="},
		{"wss://abc.execute-api.eu-west-1.amazonaws.com/live", "wss://abc.execute-api.eu-west-1.amazonaws.com/live?ticket="},
	} {
		e := newEnv(t, httpapi.Config{RealtimeURL: tc.configured})
		want(t, e.call(t, "POST", "/api/realtime/ticket", e.ownerKey, nil), 404, "not_found")
		e.srv.Realtime = realtime.NewTickets(sqlite.NewTicketStore(db))
		r := e.call(t, "POST", "/api/realtime/ticket", e.ownerKey, nil)
		want(t, r, 201, "")
		body := r.json(t)
		ticket, _ := body["ticket"].(string)
		if url, _ := body["url"].(string); !strings.HasPrefix(ticket, "rtk_") || url != tc.want+ticket {
			t.Errorf("RealtimeURL %q: ticket %q url %q, want %s<ticket>", tc.configured, ticket, url, tc.want)
		}
	}
}
