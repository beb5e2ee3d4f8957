package event_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
)

func TestNewMakesAValidEnvelope(t *testing.T) {
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.FixedZone("AST", 3*3600))
	e, err := event.New("waqtor.api", event.UserCreated, "ten_1", at, map[string]string{"name": "<b>&</b>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.ID, "evt_") || e.Version != 1 || e.Time.Location() != time.UTC || !e.Time.Equal(at) || e.Source != "waqtor.api" {
		t.Errorf("envelope %+v", e)
	}
	if got, want := string(e.Data), `{"name":"<b>&</b>"}`; got != want {
		t.Errorf("data %s, want %s (no HTML escaping, as JSON.stringify)", got, want)
	}
	if e2, _ := event.New("waqtor.api", event.UserCreated, "ten_1", at, nil); e2.ID == e.ID {
		t.Error("two events share an ID")
	}
	if _, err := event.New("waqtor.api", event.UserCreated, "ten_1", at, func() {}); err == nil {
		t.Error("New accepted data that is not JSON")
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	err := event.Envelope{ID: "1", Type: "user.exploded", Source: "other", Data: json.RawMessage(`{`)}.Validate()
	if err == nil {
		t.Fatal("a broken envelope passed")
	}
	for _, want := range []string{"id must start with evt_", `type "user.exploded" is not in the event catalog`, "version must be >= 1",
		"time is required", "tenantId is required", "source must start with waqtor.", "data must be valid JSON"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestCatalogDescribesEveryType(t *testing.T) {
	for typ, info := range event.Catalog {
		if info.Type != typ || info.Description == "" || !strings.Contains(typ, ".") {
			t.Errorf("catalog entry %q: %+v", typ, info)
		}
	}
}

func TestBusCarriesTheEnvelopeAsDetail(t *testing.T) {
	e, _ := event.New("waqtor.session-host", event.MessageSent, "ten_1", time.Now(), map[string]int{"n": 1})
	b := e.Bus("123456789012", "eu-west-1")
	if b.ID != e.ID || b.DetailType != e.Type || b.Source != e.Source || b.Account != "123456789012" || b.Region != "eu-west-1" ||
		b.Version != "0" || !b.Time.Equal(e.Time) || b.Resources == nil || b.Detail.ID != e.ID {
		t.Errorf("bus event %+v", b)
	}
	raw, _ := json.Marshal(b)
	if !strings.Contains(string(raw), `"detail-type":"message.sent"`) || !strings.Contains(string(raw), `"resources":[]`) {
		t.Errorf("bus JSON %s is not EventBridge-shaped", raw)
	}
}

func TestPublishRetryKeepsTheIDsAndGivesUpAfterThree(t *testing.T) {
	e, _ := event.New("waqtor.api", event.UserCreated, "ten_1", time.Now(), nil)
	var seen []string
	fails := 2
	p := event.PublisherFunc(func(_ context.Context, es ...event.Envelope) error {
		seen = append(seen, es[0].ID)
		if fails > 0 {
			fails--
			return errors.New("bus hiccup")
		}
		return nil
	})
	if err := event.PublishRetry(context.Background(), p, e); err != nil {
		t.Fatalf("third attempt should succeed: %v", err)
	}
	if len(seen) != 3 || seen[0] != e.ID || seen[2] != e.ID {
		t.Errorf("attempts %q, want three with ID %s", seen, e.ID)
	}
	seen, fails = nil, 10
	if err := event.PublishRetry(context.Background(), p, e); err == nil || len(seen) != 3 {
		t.Errorf("err %v after %d attempts, want an error after 3", err, len(seen))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	seen, fails = nil, 10
	if err := event.PublishRetry(ctx, p, e); !errors.Is(err, context.Canceled) || len(seen) != 1 {
		t.Errorf("cancelled: err %v after %d attempts, want context.Canceled after 1", err, len(seen))
	}
}
