// Package eventtest is the contract suite of event.Publisher: every bus WaQtor publishes to (the standalone router,
// EventBridge) must route the same events to the same targets in the same shape.
//
// Adapters call Run from their tests with a constructor; see shared/eventbus and shared/eventbridge.
package eventtest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/testkit"
)

// Delivered returns every body delivered so far to a route target (a queue name), in any order. Each body is what
// the target receives: the EventBridge event JSON. It is called repeatedly while the suite polls.
type Delivered func(target string) [][]byte

// NewFunc builds a fresh publisher whose buses route with routes, and the way to read what its targets received.
type NewFunc func(t *testing.T, routes []routing.Route) (event.Publisher, Delivered)

// Target names of Routes. Queue-backed publishers must declare these queues.
const (
	TargetMessages = "eventtest-messages"
	TargetTenant   = "eventtest-tenant"
	TargetAudit    = "eventtest-audit"
	TargetBig      = "eventtest-big"
)

// Routes are the routes the suite publishes through; they exercise exact, prefix, numeric and nested patterns.
var Routes = []routing.Route{
	{Name: "eventtest-messages", Description: "every message event", Target: TargetMessages,
		Pattern: map[string]any{"detail-type": []any{map[string]any{"prefix": "message."}}}},
	{Name: "eventtest-tenant", Description: "everything of tenant-a", Target: TargetTenant,
		Pattern: map[string]any{"detail": map[string]any{"tenantId": []any{"tenant-a"}}}},
	{Name: "eventtest-audit", Description: "user and API key events from the API", Target: TargetAudit,
		Pattern: map[string]any{
			"source":      []any{"waqtor.api"},
			"detail-type": []any{map[string]any{"prefix": "user."}, map[string]any{"prefix": "apikey."}},
		}},
	{Name: "eventtest-big", Description: "data.count above 10", Target: TargetBig,
		Pattern: map[string]any{"detail": map[string]any{"data": map[string]any{"count": []any{map[string]any{"numeric": []any{">", 10}}}}}}},
}

// Targets lists the targets of Routes.
func Targets() []string {
	return []string{TargetMessages, TargetTenant, TargetAudit, TargetBig}
}

// Timeout bounds every wait of the suite for a delivery.
var Timeout = 10 * time.Second

// Run runs the suite; newPublisher is called once per subtest.
func Run(t *testing.T, newPublisher NewFunc) {
	t.Run("RoutesToExactlyTheMatchingTargets", func(t *testing.T) { testRouting(t, newPublisher) })
	t.Run("EventBridgeShape", func(t *testing.T) { testShape(t, newPublisher) })
	t.Run("NonMatchingArriveNowhere", func(t *testing.T) { testNonMatching(t, newPublisher) })
	t.Run("InvalidEnvelopesPublishNothing", func(t *testing.T) { testInvalid(t, newPublisher) })
	t.Run("MoreThanTenEventsInOneCall", func(t *testing.T) { testMany(t, newPublisher) })
	t.Run("IDsStableAcrossRetries", func(t *testing.T) { testStableIDs(t, newPublisher) })
	t.Run("NoEvents", func(t *testing.T) {
		p, _ := newPublisher(t, Routes)
		if err := p.Publish(context.Background()); err != nil {
			t.Errorf("Publish() with no events = %v, want nil", err)
		}
	})
}

func newEnvelope(t *testing.T, source, typ, tenant string, data any) event.Envelope {
	t.Helper()
	e, err := event.New(source, typ, tenant, time.Now(), data)
	if err != nil {
		t.Fatal(err)
	}
	e.SessionID = "ses_suite"
	return e
}

// received decodes the deliveries of a target into detail IDs (with repeats).
func received(t *testing.T, d Delivered, target string) []string {
	t.Helper()
	var ids []string
	for _, body := range d(target) {
		var e event.BusEvent
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s received a body that is not an EventBridge event: %v", target, err)
		}
		ids = append(ids, e.Detail.ID)
	}
	slices.Sort(ids)
	return ids
}

// waitFor polls until every target holds at least the wanted IDs, then returns what each holds.
func waitFor(t *testing.T, d Delivered, want map[string][]string) map[string][]string {
	t.Helper()
	var got map[string][]string
	testkit.UntilWhy(t, Timeout, "the deliveries", func() (bool, string) {
		got = map[string][]string{}
		done := true
		for _, target := range Targets() {
			got[target] = received(t, d, target)
			for _, id := range want[target] {
				if !slices.Contains(got[target], id) {
					done = false
				}
			}
		}
		return done, fmt.Sprintf("\n got: %v\nwant: %v", got, want)
	})
	return got
}

// sentinels publishes one event per target and waits for them: whatever was published before them has arrived
// by then, so an absence checked afterwards is real.
func sentinels(t *testing.T, p event.Publisher, d Delivered) map[string][]string {
	t.Helper()
	m := newEnvelope(t, "waqtor.session-host", event.MessageSent, "tenant-x", map[string]any{"n": 1})
	ten := newEnvelope(t, "waqtor.session-host", event.SessionStatus, "tenant-a", map[string]any{"n": 2})
	aud := newEnvelope(t, "waqtor.api", event.UserCreated, "tenant-x", map[string]any{"n": 3})
	big := newEnvelope(t, "waqtor.session-host", event.CampaignProgress, "tenant-x", map[string]any{"count": 99})
	if err := p.Publish(context.Background(), m, ten, aud, big); err != nil {
		t.Fatalf("publish sentinels: %v", err)
	}
	return waitFor(t, d, map[string][]string{
		TargetMessages: {m.ID}, TargetTenant: {ten.ID}, TargetAudit: {aud.ID}, TargetBig: {big.ID},
	})
}

func without(got map[string][]string, ids ...string) map[string][]string {
	out := map[string][]string{}
	for target, list := range got {
		for _, id := range list {
			if slices.Contains(ids, id) {
				out[target] = append(out[target], id)
			}
		}
	}
	return out
}

func testRouting(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	msgA := newEnvelope(t, "waqtor.session-host", event.MessageReceived, "tenant-a", map[string]any{"from": "x"})
	msgB := newEnvelope(t, "waqtor.session-host", event.MessageSent, "tenant-b", map[string]any{"to": "y"})
	userB := newEnvelope(t, "waqtor.api", event.UserCreated, "tenant-b", map[string]any{"userId": "u1"})
	keyA := newEnvelope(t, "waqtor.api", event.APIKeyCreated, "tenant-a", map[string]any{"keyId": "k1"})
	keyOther := newEnvelope(t, "waqtor.session-host", event.APIKeyRevoked, "tenant-b", map[string]any{"keyId": "k2"})
	big := newEnvelope(t, "waqtor.session-host", event.CampaignProgress, "tenant-b", map[string]any{"count": 11})
	small := newEnvelope(t, "waqtor.session-host", event.CampaignProgress, "tenant-b", map[string]any{"count": 10})
	status := newEnvelope(t, "waqtor.api", event.SessionStatus, "tenant-b", map[string]any{"status": "ready"})
	all := []event.Envelope{msgA, msgB, userB, keyA, keyOther, big, small, status}
	if err := p.Publish(context.Background(), all...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := map[string][]string{
		TargetMessages: sorted(msgA.ID, msgB.ID),
		TargetTenant:   sorted(msgA.ID, keyA.ID),
		TargetAudit:    sorted(userB.ID, keyA.ID),
		TargetBig:      sorted(big.ID),
	}
	waitFor(t, d, want)
	got := sentinels(t, p, d)
	var allIDs []string
	for _, e := range all {
		allIDs = append(allIDs, e.ID)
	}
	if got := without(got, allIDs...); !reflect.DeepEqual(got, want) {
		t.Errorf("deliveries differ from the route patterns\n got: %v\nwant: %v", got, want)
	}
}

func sorted(ids ...string) []string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return ids
}

func testShape(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	e := newEnvelope(t, "waqtor.session-host", event.MessageReceived, "tenant-b",
		map[string]any{"from": "966501234567@s.whatsapp.net", "body": "<b>hi</b> & \"bye\" \u00e9", "isGroup": false, "n": 1.5})
	if err := p.Publish(context.Background(), e); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	waitFor(t, d, map[string][]string{TargetMessages: {e.ID}})
	bodies := d(TargetMessages)
	if len(bodies) != 1 {
		t.Fatalf("%s received %d bodies, want 1", TargetMessages, len(bodies))
	}
	body := bodies[0]
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	keys := make([]string, 0, len(shape))
	for k := range shape {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"account", "detail", "detail-type", "id", "region", "resources", "source", "time", "version"}; !slices.Equal(keys, want) {
		t.Errorf("event keys = %v, want the EventBridge envelope %v", keys, want)
	}
	var bus struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       time.Time       `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(body, &bus); err != nil {
		t.Fatalf("body does not decode as an EventBridge event: %v", err)
	}
	if bus.Version != "0" {
		t.Errorf("version = %q, want \"0\"", bus.Version)
	}
	if bus.ID == "" || bus.Account == "" || bus.Region == "" {
		t.Errorf("id %q, account %q, region %q: want all set", bus.ID, bus.Account, bus.Region)
	}
	if bus.Source != e.Source || bus.DetailType != e.Type {
		t.Errorf("source, detail-type = %q, %q; want %q, %q", bus.Source, bus.DetailType, e.Source, e.Type)
	}
	if string(shape["resources"]) == "null" || bus.Resources == nil {
		t.Errorf("resources = %s, want an array", shape["resources"])
	}
	// EventBridge keeps the entry time to the second.
	if !bus.Time.Truncate(time.Second).Equal(e.Time.Truncate(time.Second)) {
		t.Errorf("time = %s, want the envelope time %s", bus.Time, e.Time)
	}
	want, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, bus.Detail, want) {
		t.Errorf("detail differs from the envelope\n got: %s\nwant: %s", bus.Detail, want)
	}
	var detail event.Envelope
	if err := json.Unmarshal(bus.Detail, &detail); err != nil {
		t.Fatalf("detail does not decode as an envelope: %v", err)
	}
	if !detail.Time.Equal(e.Time) || detail.ID != e.ID || detail.SessionID != e.SessionID {
		t.Errorf("detail = %+v, want %+v", detail, e)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("not JSON: %v: %s", err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

func testNonMatching(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	none := []event.Envelope{
		newEnvelope(t, "waqtor.session-host", event.CampaignProgress, "tenant-b", map[string]any{"count": 10}),
		newEnvelope(t, "waqtor.session-host", event.SessionQR, "tenant-b", map[string]any{"qr": "x"}),
		newEnvelope(t, "waqtor.session-host", event.UserLoggedIn, "tenant-b", map[string]any{"userId": "u"}),
	}
	if err := p.Publish(context.Background(), none...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	got := sentinels(t, p, d)
	if leaked := without(got, none[0].ID, none[1].ID, none[2].ID); len(leaked) > 0 {
		t.Errorf("events that match no route were delivered: %v", leaked)
	}
}

func testInvalid(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	valid := newEnvelope(t, "waqtor.session-host", event.MessageReceived, "tenant-a", map[string]any{"from": "x"})
	tests := []struct {
		name   string
		breaks func(e *event.Envelope)
		want   string
	}{
		{"unknown type", func(e *event.Envelope) { e.Type = "message.exploded" }, "catalog"},
		{"no tenant", func(e *event.Envelope) { e.TenantID = "" }, "tenantId"},
		{"foreign source", func(e *event.Envelope) { e.Source = "aws.ec2" }, "source"},
		{"bad id", func(e *event.Envelope) { e.ID = "123" }, "evt_"},
		{"data not JSON", func(e *event.Envelope) { e.Data = json.RawMessage(`{"a":`) }, "data"},
		{"no time", func(e *event.Envelope) { e.Time = time.Time{} }, "time"},
	}
	var tried []string
	for _, tt := range tests {
		bad := newEnvelope(t, "waqtor.session-host", event.MessageSent, "tenant-a", map[string]any{"to": "y"})
		tt.breaks(&bad)
		ok := newEnvelope(t, "waqtor.session-host", event.MessageSent, "tenant-a", map[string]any{"to": "z"})
		tried = append(tried, bad.ID, ok.ID)
		err := p.Publish(context.Background(), ok, bad)
		if err == nil {
			t.Errorf("%s: Publish succeeded, want an error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.want)
		}
	}
	if err := p.Publish(context.Background(), valid); err != nil {
		t.Fatalf("Publish(valid): %v", err)
	}
	got := sentinels(t, p, d)
	if leaked := without(got, tried...); len(leaked) > 0 {
		t.Errorf("a call with an invalid envelope published: %v", leaked)
	}
	if !slices.Contains(got[TargetMessages], valid.ID) {
		t.Errorf("the valid event published afterwards did not arrive")
	}
}

func testMany(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	var evs []event.Envelope
	var ids []string
	for i := range 25 {
		e := newEnvelope(t, "waqtor.session-host", event.MessageReceived, "tenant-b", map[string]any{"i": i})
		evs = append(evs, e)
		ids = append(ids, e.ID)
	}
	if err := p.Publish(context.Background(), evs...); err != nil {
		t.Fatalf("Publish(25 events): %v", err)
	}
	got := waitFor(t, d, map[string][]string{TargetMessages: ids})
	if !slices.Equal(got[TargetMessages], sorted(ids...)) {
		t.Errorf("%s received %d deliveries, want each of the 25 events once", TargetMessages, len(got[TargetMessages]))
	}
}

func testStableIDs(t *testing.T, newPublisher NewFunc) {
	p, d := newPublisher(t, Routes)
	e := newEnvelope(t, "waqtor.api", event.APIKeyCreated, "tenant-a", map[string]any{"keyId": "k"})
	for range 2 { // the second call is the caller's retry after an error it could not tell apart from a failure
		if err := p.Publish(context.Background(), e); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	deadline := time.Now().Add(Timeout)
	for len(d(TargetAudit)) < 2 || len(d(TargetTenant)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for both deliveries")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, target := range []string{TargetAudit, TargetTenant} {
		for _, body := range d(target) {
			var bus event.BusEvent
			if err := json.Unmarshal(body, &bus); err != nil {
				t.Fatal(err)
			}
			if bus.Detail.ID != e.ID {
				t.Errorf("%s: detail.id = %q, want the envelope ID %q (consumers dedupe on it)", target, bus.Detail.ID, e.ID)
			}
			if bus.ID == "" {
				t.Errorf("%s: bus event id is empty", target)
			}
		}
	}
	if got := fmt.Sprint(received(t, d, TargetAudit)); got != fmt.Sprint([]string{e.ID, e.ID}) {
		t.Errorf("%s = %s, want the same ID twice", TargetAudit, got)
	}
}
