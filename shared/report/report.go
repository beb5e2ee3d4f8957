// Package report computes the tenant's reports from stored records: messages per day by direction and status, the
// delivery funnel of outgoing messages, and webhook delivery success and latency. Reports are a premium feature
// (plan.Reports): the service asks the gate before reading anything. A session's message counters over the last 24
// hours (SessionStats, shown on the dashboard's session cards) are not a report and are not gated.
package report

import (
	"context"
	"slices"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/plan"
	"github.com/waqtor/waqtor/shared/webhook"
)

// MaxDays is the longest range a report covers (messages are kept 90 days).
const MaxDays = 92

// MaxRecords bounds the records one report reads; a range holding more is reported on its newest MaxRecords
// records, with Truncated set.
const MaxRecords = 50000

// MessageLister is the part of message.Store reports read.
type MessageLister interface {
	List(ctx context.Context, tenantID string, f message.Filter) (message.Page, error)
}

// DeliveryLister is the part of webhook.Store reports read.
type DeliveryLister interface {
	ListDeliveries(ctx context.Context, tenantID string, f webhook.DeliveryFilter) ([]webhook.Delivery, error)
}

// Gate says whether a tenant may use a feature (plan.Service).
type Gate interface {
	Require(ctx context.Context, tenantID string, f plan.Feature) error
}

// Service computes reports.
type Service struct {
	MessageStore  MessageLister
	DeliveryStore DeliveryLister
	Gate          Gate
	Now           func() time.Time
}

// Range is a report's days, in UTC: From and To are dates ("2026-12-01"), both included.
type Range struct {
	From string `json:"from"`
	To   string `json:"to"`
}

const dateLayout = "2006-01-02"

// ParseRange reads from and to (dates, YYYY-MM-DD, both included; default: the 7 days ending today, UTC) and
// returns the half-open instant range [start, end).
func (s *Service) ParseRange(from, to string) (r Range, start, end time.Time, err error) {
	var f apperr.Fields
	today := s.Now().UTC().Truncate(24 * time.Hour)
	end = today.Add(24 * time.Hour)
	if to != "" {
		t, perr := time.Parse(dateLayout, to)
		if perr != nil {
			f.Add("to", "must be a date, YYYY-MM-DD")
		} else {
			end = t.Add(24 * time.Hour)
		}
	}
	start = end.Add(-7 * 24 * time.Hour)
	if from != "" {
		t, perr := time.Parse(dateLayout, from)
		if perr != nil {
			f.Add("from", "must be a date, YYYY-MM-DD")
		} else {
			start = t
		}
	}
	if len(f) == 0 {
		switch days := int(end.Sub(start) / (24 * time.Hour)); {
		case days < 1:
			f.Add("from", "must not be after to")
		case days > MaxDays:
			f.Add("from", "the range may cover at most %d days, not %d", MaxDays, days)
		}
	}
	if err := f.Err(); err != nil {
		return Range{}, time.Time{}, time.Time{}, err
	}
	return Range{From: start.Format(dateLayout), To: end.Add(-24 * time.Hour).Format(dateLayout)}, start, end, nil
}

// days lists the dates of [start, end).
func days(start, end time.Time) []string {
	var out []string
	for d := start; d.Before(end); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format(dateLayout))
	}
	return out
}

// MessageDay is one day's messages: how many of each direction are in each status now.
type MessageDay struct {
	Date     string         `json:"date"`
	Outbound map[string]int `json:"outbound"`
	Inbound  map[string]int `json:"inbound"`
}

// Funnel follows the outgoing messages of the range: how many reached sent, delivered and read (a read message
// counts as delivered and sent too), and how many failed or are still pending.
type Funnel struct {
	Total     int `json:"total"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Failed    int `json:"failed"`
	Pending   int `json:"pending"`
}

// MessageReport is GET /api/reports/messages.
type MessageReport struct {
	Range
	Days      []MessageDay `json:"days"`
	Outbound  int          `json:"outbound"`
	Inbound   int          `json:"inbound"`
	Funnel    Funnel       `json:"funnel"`
	Truncated bool         `json:"truncated"`
}

// Messages reports the tenant's messages sent and received between from and to (dates, see ParseRange).
func (s *Service) Messages(ctx context.Context, tenantID, from, to string) (MessageReport, error) {
	if err := s.Gate.Require(ctx, tenantID, plan.Reports); err != nil {
		return MessageReport{}, err
	}
	rg, start, end, err := s.ParseRange(from, to)
	if err != nil {
		return MessageReport{}, err
	}
	rep := MessageReport{Range: rg}
	index := map[string]int{}
	for i, d := range days(start, end) {
		index[d] = i
		rep.Days = append(rep.Days, MessageDay{Date: d, Outbound: map[string]int{}, Inbound: map[string]int{}})
	}
	f := message.Filter{From: start, To: end, Limit: message.MaxLimit}
	read := 0
	for {
		page, err := s.MessageStore.List(ctx, tenantID, f)
		if err != nil {
			return MessageReport{}, err
		}
		for _, m := range page.Messages {
			i, ok := index[m.Timestamp.UTC().Format(dateLayout)]
			if !ok {
				continue
			}
			day := &rep.Days[i]
			if m.Direction == message.Inbound {
				day.Inbound[string(m.Status)]++
				rep.Inbound++
				continue
			}
			day.Outbound[string(m.Status)]++
			rep.Outbound++
			rep.Funnel.add(m.Status)
		}
		read += len(page.Messages)
		if page.Next == "" {
			break
		}
		if read >= MaxRecords {
			rep.Truncated = true
			break
		}
		f.Cursor = page.Next
	}
	return rep, nil
}

// StatsWindow is the span SessionStats counts: the last 24 hours, rolling.
const StatsWindow = 24 * time.Hour

// SessionStats is GET /api/sessions/{id}/stats: one session's messages of the last 24 hours (by their timestamp),
// outgoing ones through the delivery funnel (by the status they have now), incoming ones counted.
type SessionStats struct {
	SessionID string    `json:"sessionId"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Outbound  Funnel    `json:"outbound"`
	Inbound   int       `json:"inbound"`
	// Truncated: the window held more than MaxRecords messages; the counters cover the newest MaxRecords.
	Truncated bool `json:"truncated"`
}

// SessionStats counts one session's messages of the last StatsWindow. It is open to every plan (no gate): the
// caller has checked that the session is the tenant's.
func (s *Service) SessionStats(ctx context.Context, tenantID, sessionID string) (SessionStats, error) {
	until := s.Now().UTC()
	st := SessionStats{SessionID: sessionID, Since: until.Add(-StatsWindow), Until: until}
	f := message.Filter{SessionID: sessionID, From: st.Since, Limit: message.MaxLimit}
	read := 0
	for {
		page, err := s.MessageStore.List(ctx, tenantID, f)
		if err != nil {
			return SessionStats{}, err
		}
		for _, m := range page.Messages {
			if m.Direction == message.Inbound {
				st.Inbound++
			} else {
				st.Outbound.add(m.Status)
			}
		}
		read += len(page.Messages)
		if page.Next == "" {
			break
		}
		if read >= MaxRecords {
			st.Truncated = true
			break
		}
		f.Cursor = page.Next
	}
	return st, nil
}

func (f *Funnel) add(st message.Status) {
	f.Total++
	switch st {
	case message.Read, message.Played:
		f.Read++
		f.Delivered++
		f.Sent++
	case message.Delivered:
		f.Delivered++
		f.Sent++
	case message.Sent:
		f.Sent++
	case message.Failed:
		f.Failed++
	default:
		f.Pending++
	}
}

// WebhookDay is one day's webhook deliveries by their state now, and the share of finished ones that succeeded
// (nil when none finished).
type WebhookDay struct {
	Date        string   `json:"date"`
	Delivered   int      `json:"delivered"`
	Failed      int      `json:"failed"`
	Pending     int      `json:"pending"`
	SuccessRate *float64 `json:"successRate"`
}

// Latency is the time from a delivery's creation to its success, over the delivered deliveries of the range, in
// milliseconds (retries included: a delivery that succeeded on its third attempt counts the waits between).
type Latency struct {
	Count int   `json:"count"`
	P50   int64 `json:"p50"`
	P95   int64 `json:"p95"`
	Max   int64 `json:"max"`
}

// WebhookReport is GET /api/reports/webhooks.
type WebhookReport struct {
	Range
	Days        []WebhookDay `json:"days"`
	Delivered   int          `json:"delivered"`
	Failed      int          `json:"failed"`
	Pending     int          `json:"pending"`
	SuccessRate *float64     `json:"successRate"`
	// LatencyMS is nil when nothing was delivered in the range.
	LatencyMS *Latency `json:"latencyMs"`
	Truncated bool     `json:"truncated"`
}

// Webhooks reports the tenant's webhook deliveries created between from and to (dates, see ParseRange).
func (s *Service) Webhooks(ctx context.Context, tenantID, from, to string) (WebhookReport, error) {
	if err := s.Gate.Require(ctx, tenantID, plan.Reports); err != nil {
		return WebhookReport{}, err
	}
	rg, start, end, err := s.ParseRange(from, to)
	if err != nil {
		return WebhookReport{}, err
	}
	rep := WebhookReport{Range: rg}
	index := map[string]int{}
	for i, d := range days(start, end) {
		index[d] = i
		rep.Days = append(rep.Days, WebhookDay{Date: d})
	}
	var lat []int64
	f := webhook.DeliveryFilter{From: start, To: end, Limit: pageSize}
	read := 0
	for {
		ds, err := s.DeliveryStore.ListDeliveries(ctx, tenantID, f)
		if err != nil {
			return WebhookReport{}, err
		}
		for _, d := range ds {
			i, ok := index[d.CreatedAt.UTC().Format(dateLayout)]
			if !ok {
				continue
			}
			day := &rep.Days[i]
			switch d.Status {
			case webhook.Delivered:
				day.Delivered++
				rep.Delivered++
				lat = append(lat, max(d.UpdatedAt.Sub(d.CreatedAt).Milliseconds(), 0))
			case webhook.Failed:
				day.Failed++
				rep.Failed++
			default:
				day.Pending++
				rep.Pending++
			}
		}
		read += len(ds)
		if len(ds) < pageSize {
			break
		}
		if read >= MaxRecords {
			rep.Truncated = true
			break
		}
		f.Before = ds[len(ds)-1].ID
	}
	for i := range rep.Days {
		rep.Days[i].SuccessRate = rate(rep.Days[i].Delivered, rep.Days[i].Failed)
	}
	rep.SuccessRate = rate(rep.Delivered, rep.Failed)
	if len(lat) > 0 {
		slices.Sort(lat)
		rep.LatencyMS = &Latency{Count: len(lat), P50: percentile(lat, 50), P95: percentile(lat, 95), Max: lat[len(lat)-1]}
	}
	return rep, nil
}

// pageSize is the page of ListDeliveries reports read (the activity log's largest page).
const pageSize = 100

func rate(ok, failed int) *float64 {
	if ok+failed == 0 {
		return nil
	}
	r := float64(ok) / float64(ok+failed)
	return &r
}

// percentile of sorted values, nearest rank.
func percentile(sorted []int64, p int) int64 {
	i := (p*len(sorted)+99)/100 - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
