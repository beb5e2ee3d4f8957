package awstest_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/routing"
)

func TestEventBridgePutEvents(t *testing.T) {
	routes := []routing.Route{
		{Name: "orders", Pattern: map[string]any{"source": []any{"shop"}, "detail": map[string]any{"total": []any{map[string]any{"numeric": []any{">", 100}}}}}, Target: "big-orders"},
		{Name: "all-shop", Pattern: map[string]any{"source": []any{"shop"}}, Target: "shop"},
		{Name: "other", Pattern: map[string]any{"source": []any{"other"}}, Target: "other"},
	}
	var mu sync.Mutex
	got := map[string][][]byte{}
	fake := awstest.NewEventBridge(t, routes, func(target string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		got[target] = append(got[target], body)
	}, awstest.EventBridgeRegion("eu-west-1"), awstest.EventBridgeAccount("111122223333"), awstest.EventBridgeBuses("default", "app"))
	at := time.Date(2026, 11, 25, 10, 20, 30, 0, time.UTC)
	entry := func(source, detail, bus string) types.PutEventsRequestEntry {
		return types.PutEventsRequestEntry{Source: aws.String(source), DetailType: aws.String("order.placed"),
			Detail: aws.String(detail), EventBusName: aws.String(bus), Time: aws.Time(at)}
	}
	out, err := fake.Client().PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		entry("shop", `{"total": 250, "id": "o1"}`, "app"),
		entry("", `{"total": 1}`, "app"),
		entry("shop", `[1,2]`, "app"),
		entry("shop", `{"total": 1}`, "missing-bus"),
		entry("shop", `{"total": 5}`, "arn:aws:events:eu-west-1:111122223333:event-bus/default"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 3 {
		t.Errorf("FailedEntryCount = %d, want 3", out.FailedEntryCount)
	}
	codes := make([]string, len(out.Entries))
	for i, e := range out.Entries {
		codes[i] = aws.ToString(e.ErrorCode)
	}
	if want := []string{"", "InvalidArgument", "MalformedDetail", "ResourceNotFoundException", ""}; !slices.Equal(codes, want) {
		t.Errorf("error codes = %q, want %q", codes, want)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	id := aws.ToString(out.Entries[0].EventId)
	if !uuid.MatchString(id) {
		t.Errorf("EventId = %q, want a UUID", id)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(got["big-orders"]) != 1 || len(got["shop"]) != 2 || len(got["other"]) != 0 {
		t.Fatalf("deliveries big-orders %d, shop %d, other %d; want 1, 2, 0", len(got["big-orders"]), len(got["shop"]), len(got["other"]))
	}
	want := `{"version":"0","id":"` + id + `","detail-type":"order.placed","source":"shop","account":"111122223333",` +
		`"time":"2026-11-25T10:20:30Z","region":"eu-west-1","resources":[],"detail":{"total":250,"id":"o1"}}`
	if string(got["big-orders"][0]) != want {
		t.Errorf("delivered event\n got: %s\nwant: %s", got["big-orders"][0], want)
	}
	if n := len(fake.Entries()); n != 2 {
		t.Errorf("recorded %d entries, want the 2 accepted", n)
	}
	var ev map[string]any
	if err := json.Unmarshal(fake.Entries()[1].Event, &ev); err != nil || ev["id"] == id {
		t.Errorf("second event %v has the id of the first (%v)", ev, err)
	}
}

func TestEventBridgeRejectsRequests(t *testing.T) {
	fake := awstest.NewEventBridge(t, nil, nil)
	var many []types.PutEventsRequestEntry
	for range 11 {
		many = append(many, types.PutEventsRequestEntry{Source: aws.String("s"), DetailType: aws.String("d"), Detail: aws.String("{}")})
	}
	_, err := fake.Client().PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: many})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" {
		t.Errorf("PutEvents(11 entries) = %v, want ValidationException", err)
	}
	_, err = fake.Client().ListRules(context.Background(), &eventbridge.ListRulesInput{})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("ListRules = %v, want UnknownOperationException", err)
	}
	if n := len(fake.Batches()); n != 0 {
		t.Errorf("recorded %d batches, want 0", n)
	}
}

func TestEventBridgeInjectedFailures(t *testing.T) {
	calls := 0
	fake := awstest.NewEventBridge(t, nil, nil, awstest.EventBridgeFail(func(e awstest.EventBridgeEntry) (string, string) {
		calls++
		if e.DetailType == "fail" {
			return "ThrottlingException", "Rate exceeded"
		}
		return "", ""
	}))
	out, err := fake.Client().PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("s"), DetailType: aws.String("fail"), Detail: aws.String("{}")},
		{Source: aws.String("s"), DetailType: aws.String("ok"), Detail: aws.String("{}")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 1 || aws.ToString(out.Entries[0].ErrorCode) != "ThrottlingException" || out.Entries[1].EventId == nil {
		t.Errorf("result = %d failed, entries %+v; want the first throttled", out.FailedEntryCount, out.Entries)
	}
	if calls != 2 || len(fake.Entries()) != 1 {
		t.Errorf("fail hook called %d times, %d entries accepted; want 2 and 1", calls, len(fake.Entries()))
	}
}
