package routing_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/realtime"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/webhook"
)

func route(t *testing.T, name string) routing.Route {
	t.Helper()
	i := slices.IndexFunc(routing.Table, func(r routing.Route) bool { return r.Name == name })
	if i < 0 {
		t.Fatalf("no route %q", name)
	}
	return routing.Table[i]
}

// The webhooks route's list of types is written out in the table (it is what infra deploys); it must be exactly
// the internal types some webhook event name maps to.
func TestWebhooksRouteCoversExactlyTheWebhookEvents(t *testing.T) {
	r := route(t, "webhooks")
	var listed []string
	for _, v := range r.Pattern["detail-type"].([]any) {
		listed = append(listed, v.(string))
	}
	want := webhook.InternalTypes()
	if len(r.Pattern) != 1 || !slices.Equal(sortedCopy(listed), sortedCopy(want)) || len(listed) != len(want) {
		t.Errorf("webhooks route pattern %s, want detail-type exactly %v", r.PatternJSON(), want)
	}
	if _, err := queue.Lookup(r.Target); err != nil || r.Target != "webhook-router" {
		t.Errorf("webhooks route target %q: %v", r.Target, err)
	}

	// Evaluated as EventBridge does: every catalog type matches exactly when a webhook name maps to it.
	for typ, got := range matchesByType(t, r) {
		if want := slices.Contains(want, typ); got != want {
			t.Errorf("%s: route matches %v, want %v", typ, got, want)
		}
	}
}

func TestEveryRouteTargetsACatalogQueueWithADeadLetterQueue(t *testing.T) {
	for _, r := range routing.Table {
		s, err := queue.Lookup(r.Target)
		if err != nil || s.DeadLetter == "" || s.FIFO {
			t.Errorf("route %s: target %+v, %v; want a standard catalog queue with a dead-letter queue", r.Name, s, err)
		}
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// The realtime route carries exactly the event types of the live feed (realtime.Table), is AWS-only, and the
// standalone table leaves it out (its hub is fed in process) while keeping every other route.
func TestRealtimeRouteIsTheLiveFeedOnAWSOnly(t *testing.T) {
	r := route(t, "realtime")
	for typ, got := range matchesByType(t, r) {
		if _, want := realtime.RouteOf(typ); got != want {
			t.Errorf("%s: realtime route matches %v, want %v (realtime.Table)", typ, got, want)
		}
	}
	if !r.AWSOnly || r.Target != "realtime-push" {
		t.Errorf("realtime route: AWSOnly %v target %q", r.AWSOnly, r.Target)
	}
	var names []string
	for _, s := range routing.Standalone() {
		names = append(names, s.Name)
	}
	if slices.Contains(names, "realtime") || len(names) != len(routing.Table)-1 {
		t.Errorf("standalone routes %v, want every route but realtime", names)
	}
}

// The notifications route's types are written out in the table (what infra deploys); they must be exactly the
// event types the notification rules look at, and never notification.created (the center would feed itself).
func TestNotificationsRouteCoversExactlyTheRuleSources(t *testing.T) {
	r := route(t, "notifications")
	var listed []string
	for _, v := range r.Pattern["detail-type"].([]any) {
		listed = append(listed, v.(string))
	}
	want := notification.Sources()
	if len(r.Pattern) != 1 || !slices.Equal(sortedCopy(listed), sortedCopy(want)) || len(listed) != len(want) {
		t.Errorf("notifications route pattern %s, want detail-type exactly %v", r.PatternJSON(), want)
	}
	if slices.Contains(listed, event.NotificationCreated) {
		t.Errorf("notifications route takes %s: the center would consume its own events", event.NotificationCreated)
	}
	if _, err := queue.Lookup(r.Target); err != nil || r.Target != "notifications" {
		t.Errorf("notifications route target %q: %v", r.Target, err)
	}
}

// matchesByType evaluates r's pattern as EventBridge does against an event of every catalog type.
func matchesByType(t *testing.T, r routing.Route) map[string]bool {
	t.Helper()
	p := eventpattern.MustCompile(r.Pattern)
	out := map[string]bool{}
	for typ := range event.Catalog {
		e, err := event.New("waqtor.session-host", typ, "t1", time.Now(), map[string]string{"status": "ready"})
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(e.Bus("123456789012", "us-east-1"))
		if err != nil {
			t.Fatal(err)
		}
		if out[typ], err = p.Match(body); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
