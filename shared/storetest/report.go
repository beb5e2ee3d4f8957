package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/report"
	"github.com/waqtor/waqtor/shared/webhook"
)

// ReportStores are the stores reports read, over one fresh, empty database.
type ReportStores struct {
	Messages message.Store
	Webhooks webhook.Store
}

// gateFunc is a report.Gate made of a function.
type gateFunc func(tenantID string, f plan.Feature) error

func (g gateFunc) Require(_ context.Context, tenantID string, f plan.Feature) error {
	return g(tenantID, f)
}

// RunReport computes reports over an adapter's stores: messages per day by direction and status, the funnel, and
// webhook success rate and latency, across more than one page of each store, with another tenant's records left
// out; a locked tenant reads nothing. newStores must return stores over a fresh, empty database each call.
func RunReport(t *testing.T, newStores func(t *testing.T) ReportStores) {
	t.Run("reports", func(t *testing.T) { testReports(t, newStores(t)) })
}

func testReports(t *testing.T, s ReportStores) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	clock := today.Add(12 * time.Hour)
	svc := &report.Service{MessageStore: s.Messages, DeliveryStore: s.Webhooks, Now: func() time.Time { return clock },
		Gate: gateFunc(func(string, plan.Feature) error { return nil })}
	const ten, other = "ten_report", "ten_other"

	// Today: 150 outgoing read, 60 delivered, 5 failed; 30 incoming. Yesterday: 10 pending. Four days ago: one sent
	// (outside a 3-day range). 210 messages today: List pages are 200, so the report reads two pages.
	mk := func(tenantID string, n int, ts time.Time, dir string, st message.Status) {
		for i := range n {
			m := newOutgoing(tenantID, "ses_1", "966500000001", ts.Add(time.Duration(i)*time.Millisecond))
			m.Direction, m.Status = dir, st
			mustCreateMessage(t, s.Messages, m)
		}
	}
	mk(ten, 150, today.Add(time.Hour), message.Outbound, message.Read)
	mk(ten, 60, today.Add(2*time.Hour), message.Outbound, message.Delivered)
	mk(ten, 5, today.Add(3*time.Hour), message.Outbound, message.Failed)
	mk(ten, 30, today.Add(4*time.Hour), message.Inbound, message.Received)
	mk(ten, 10, today.Add(-20*time.Hour), message.Outbound, message.Pending)
	mk(ten, 1, today.Add(-4*24*time.Hour+time.Hour), message.Outbound, message.Sent)
	mk(other, 7, today.Add(time.Hour), message.Outbound, message.Read)

	from := today.Add(-2 * 24 * time.Hour).Format("2006-01-02")
	rep, err := svc.Messages(ctx, ten, from, "")
	if err != nil {
		t.Fatalf("Messages: %v", err)
	}
	if len(rep.Days) != 3 || rep.From != from || rep.To != today.Format("2006-01-02") || rep.Truncated {
		t.Fatalf("range: %+v", rep.Range)
	}
	d0, d1, d2 := rep.Days[0], rep.Days[1], rep.Days[2]
	if len(d0.Outbound)+len(d0.Inbound) != 0 || d1.Outbound["pending"] != 10 || d2.Outbound["read"] != 150 ||
		d2.Outbound["delivered"] != 60 || d2.Outbound["failed"] != 5 || d2.Inbound["received"] != 30 {
		t.Fatalf("days: %+v", rep.Days)
	}
	want := report.Funnel{Total: 225, Sent: 210, Delivered: 210, Read: 150, Failed: 5, Pending: 10}
	if rep.Funnel != want || rep.Outbound != 225 || rep.Inbound != 30 {
		t.Fatalf("funnel %+v (out %d, in %d), want %+v (out 225, in 30)", rep.Funnel, rep.Outbound, rep.Inbound, want)
	}

	// Webhooks: 101 delivered today (so two pages of 100), taking 1 s … 101 s; 3 failed; 2 pending; yesterday 1
	// failed; another tenant's delivery apart.
	hook := newWebhook(ten, clock)
	if err := s.Webhooks.CreateWebhook(ctx, hook); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	otherHook := newWebhook(other, clock)
	if err := s.Webhooks.CreateWebhook(ctx, otherHook); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	deliver := func(w webhook.Webhook, created time.Time, status string, took time.Duration) {
		d := newDelivery(w.TenantID, w.ID, created)
		d.ID = id.New("msg")
		d.Status, d.UpdatedAt, d.NextAt = status, created.Add(took), nil
		if _, _, err := s.Webhooks.CreateDelivery(ctx, d); err != nil {
			t.Fatalf("CreateDelivery: %v", err)
		}
	}
	for i := 1; i <= 101; i++ {
		deliver(hook, today.Add(time.Duration(i)*time.Second), webhook.Delivered, time.Duration(i)*time.Second)
	}
	for i := range 3 {
		deliver(hook, today.Add(time.Hour+time.Duration(i)*time.Second), webhook.Failed, time.Minute)
	}
	for i := range 2 {
		deliver(hook, today.Add(2*time.Hour+time.Duration(i)*time.Second), webhook.Pending, 0)
	}
	deliver(hook, today.Add(-time.Hour), webhook.Failed, time.Second)
	deliver(otherHook, today.Add(time.Hour), webhook.Failed, time.Second)

	wr, err := svc.Webhooks(ctx, ten, from, "")
	if err != nil {
		t.Fatalf("Webhooks: %v", err)
	}
	if wr.Delivered != 101 || wr.Failed != 4 || wr.Pending != 2 || wr.Days[2].Delivered != 101 || wr.Days[2].Failed != 3 ||
		wr.Days[1].Failed != 1 || wr.Days[0].SuccessRate != nil || wr.Days[1].SuccessRate == nil || *wr.Days[1].SuccessRate != 0 {
		t.Fatalf("webhook report: %+v", wr)
	}
	if r := *wr.SuccessRate; r < 101.0/105-1e-9 || r > 101.0/105+1e-9 {
		t.Fatalf("success rate %v, want 101/105", r)
	}
	if l := wr.LatencyMS; l == nil || l.Count != 101 || l.P50 != 51000 || l.P95 != 96000 || l.Max != 101000 {
		t.Fatalf("latency %+v, want 101 deliveries, p50 51 s, p95 96 s, max 101 s", l)
	}

	// Bad ranges name their fields; a locked tenant is refused before anything is read.
	_, err = svc.Messages(ctx, ten, "2026-02-30", "tomorrow")
	var fs apperr.Fields
	if !fs.AddErr(err) || len(fs) != 2 {
		t.Fatalf("bad dates: %v", err)
	}
	if _, err := svc.Webhooks(ctx, ten, today.Add(-100*24*time.Hour).Format("2006-01-02"), ""); apperr.CodeOf(err) != apperr.Validation {
		t.Fatalf("a 101-day range: %v", err)
	}
	locked := &report.Service{MessageStore: nil, DeliveryStore: nil, Now: svc.Now,
		Gate: gateFunc(func(_ string, f plan.Feature) error { return plan.LockedError(f) })}
	if _, err := locked.Messages(ctx, ten, "", ""); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("locked Messages: %v", err)
	}
	if _, err := locked.Webhooks(ctx, ten, "", ""); apperr.CodeOf(err) != apperr.FeatureLocked {
		t.Fatalf("locked Webhooks: %v", err)
	}
}
