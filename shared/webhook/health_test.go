package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/webhook"
)

type recorder struct {
	mu     sync.Mutex
	events []event.Envelope
}

func (r *recorder) Publish(_ context.Context, events ...event.Envelope) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	return nil
}

func (r *recorder) of(typ string) []event.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []event.Envelope
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// failOne sends a new delivery through its three attempts, all answered 500 (the fixture's policy gives up
// after three).
func (f *fixture) failOne(t *testing.T) {
	t.Helper()
	f.sender.answer = status(500)
	_, m := f.delivery(t)
	for i := range 3 {
		err := f.d.Handle(context.Background(), m)
		if i < 2 {
			ra, ok := err.(queue.RetryAfter)
			if !ok {
				t.Fatalf("attempt %d: %v, want a retry", i+1, err)
			}
			f.clock.Add(ra.Delay)
		} else if err != nil {
			t.Fatalf("last attempt: %v", err)
		}
	}
}

// An endpoint whose deliveries keep failing: webhook.failing once the run holds FailingAfter failed deliveries
// (always under one event ID, whatever follows), and webhook.recovered when it takes a delivery again. Shorter
// runs tell nothing.
func TestDeliverFailingRunAndRecoveryArePublishedOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	rec := &recorder{}
	f.d.Events = rec
	for range webhook.FailingAfter - 1 {
		f.failOne(t)
	}
	if got := rec.of(event.WebhookFailing); len(got) != 0 {
		t.Fatalf("webhook.failing after %d failed deliveries: %v", webhook.FailingAfter-1, got)
	}
	f.failOne(t)
	f.failOne(t)
	failing := rec.of(event.WebhookFailing)
	if len(failing) == 0 || failing[0].ID != failing[len(failing)-1].ID {
		t.Fatalf("webhook.failing events %v, want one event ID for the run", failing)
	}
	var fd event.WebhookFailingData
	if err := json.Unmarshal(failing[0].Data, &fd); err != nil || fd.WebhookID != f.hook.ID ||
		fd.FailedDeliveries != webhook.FailingAfter || fd.LastCode != 500 || fd.Since == 0 {
		t.Fatalf("webhook.failing data %s (%v)", failing[0].Data, err)
	}
	if bytes.Contains(failing[0].Data, []byte("hooks.example")) || bytes.Contains(failing[0].Data, []byte("abc")) {
		t.Fatalf("webhook.failing carries the URL or a header: %s", failing[0].Data)
	}

	f.sender.answer = status(200)
	_, m := f.delivery(t)
	if err := f.d.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	rec2 := rec.of(event.WebhookRecovered)
	if len(rec2) != 1 || f.endpoint(t).FailingSince != nil {
		t.Fatalf("after a success: recovered %v, failing since %v; want one webhook.recovered and the run over", rec2, f.endpoint(t).FailingSince)
	}
	// A short run (one failure, then a success) tells nothing.
	f.failOne(t)
	f.sender.answer = status(200)
	_, m = f.delivery(t)
	if err := f.d.Handle(ctx, m); err != nil {
		t.Fatal(err)
	}
	if len(rec.of(event.WebhookRecovered)) != 1 || len(rec.of(event.WebhookFailing)) != len(failing) {
		t.Fatalf("a one-failure run published health events: %v", rec.events)
	}

	// Golden payloads (WAQTOR_UPDATE_GOLDEN=1 rewrites them).
	for _, e := range []event.Envelope{failing[0], rec2[0]} {
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		var data any // the typed payload, so the golden keeps the published field order
		if e.Type == event.WebhookFailing {
			var d event.WebhookFailingData
			json.Unmarshal(e.Data, &d)
			d.WebhookID, d.Since, d.Timestamp = "whk_01KGOLDEN0000000000000000", 1764752400, 1764756000
			data = d
		} else {
			var d event.WebhookRecoveredData
			json.Unmarshal(e.Data, &d)
			d.WebhookID, d.Since, d.Timestamp = "whk_01KGOLDEN0000000000000000", 1764752400, 1764756000
			data = d
		}
		e.Data, _ = event.Marshal(data)
		e.ID, e.TenantID, e.Time = "evt_01KGOLDEN0000000000000000", "ten_01KGOLDEN0000000000000000", time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
		raw, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		name := map[string]string{event.WebhookFailing: "webhook_failing", event.WebhookRecovered: "webhook_recovered"}[e.Type]
		testkit.Golden(t, filepath.Join("testdata", "golden", name+".json"), pretty.Bytes())
	}
}
