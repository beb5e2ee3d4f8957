package report_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/report"
)

// pagedMessages is an in-memory message lister that honours the filter's tenant, session and From, and pages by
// Limit with an index cursor, newest first like the stores.
type pagedMessages struct {
	msgs  []message.Message // newest first
	calls int
}

func (p *pagedMessages) List(_ context.Context, tenantID string, f message.Filter) (message.Page, error) {
	p.calls++
	start, _ := strconv.Atoi(f.Cursor)
	var page message.Page
	for i := start; i < len(p.msgs); i++ {
		m := p.msgs[i]
		if m.TenantID != tenantID || (f.SessionID != "" && m.SessionID != f.SessionID) || m.Timestamp.Before(f.From) {
			continue
		}
		if len(page.Messages) == f.Limit {
			page.Next = strconv.Itoa(i)
			break
		}
		page.Messages = append(page.Messages, m)
	}
	return page, nil
}

type refusingGate struct{ t *testing.T }

func (g refusingGate) Require(context.Context, string, plan.Feature) error {
	g.t.Fatal("SessionStats asked the premium gate")
	return nil
}

// TestSessionStatsCountsEveryPageOfTheWindow: 450 outgoing messages of the last 24 hours (more than one page of
// the store) plus incoming ones are all counted, by funnel stage; older messages, other sessions' and other
// tenants' are not; the gate is never asked.
func TestSessionStatsCountsEveryPageOfTheWindow(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	store := &pagedMessages{}
	statuses := []message.Status{message.Read, message.Delivered, message.Sent, message.Failed, message.Pending, message.Played}
	for i := range 450 {
		store.msgs = append(store.msgs, message.Message{ID: "o" + strconv.Itoa(i), TenantID: "t1", SessionID: "s1",
			Direction: message.Outbound, Status: statuses[i%len(statuses)], Timestamp: now.Add(-time.Duration(i) * time.Minute)})
	}
	for i := range 30 {
		store.msgs = append(store.msgs, message.Message{ID: "i" + strconv.Itoa(i), TenantID: "t1", SessionID: "s1",
			Direction: message.Inbound, Status: message.Received, Timestamp: now.Add(-10*time.Hour - time.Duration(i)*time.Minute)})
	}
	store.msgs = append(store.msgs,
		message.Message{ID: "other-session", TenantID: "t1", SessionID: "s2", Direction: message.Outbound, Status: message.Read, Timestamp: now.Add(-23 * time.Hour)},
		message.Message{ID: "other-tenant", TenantID: "t2", SessionID: "s1", Direction: message.Outbound, Status: message.Read, Timestamp: now.Add(-23 * time.Hour)},
		message.Message{ID: "too-old", TenantID: "t1", SessionID: "s1", Direction: message.Outbound, Status: message.Read, Timestamp: now.Add(-24*time.Hour - time.Second)},
	)
	svc := &report.Service{MessageStore: store, Gate: refusingGate{t}, Now: func() time.Time { return now }}
	st, err := svc.SessionStats(context.Background(), "t1", "s1")
	if err != nil {
		t.Fatal(err)
	}
	// 450 = 75 of each status: read+played 150, delivered 75, sent 75, failed 75, pending 75.
	want := report.Funnel{Total: 450, Read: 150, Delivered: 225, Sent: 300, Failed: 75, Pending: 75}
	if st.Outbound != want || st.Inbound != 30 || st.Truncated || st.SessionID != "s1" {
		t.Fatalf("SessionStats = %+v, want outbound %+v and 30 inbound", st, want)
	}
	if !st.Until.Equal(now) || !st.Since.Equal(now.Add(-report.StatsWindow)) {
		t.Fatalf("window %v – %v", st.Since, st.Until)
	}
	if store.calls < 3 {
		t.Fatalf("read %d pages, want every page (480 messages, pages of %d)", store.calls, message.MaxLimit)
	}
}
