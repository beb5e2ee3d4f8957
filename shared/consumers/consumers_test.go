package consumers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

func TestRegistryMatchesTheCatalogAndTheRoutes(t *testing.T) {
	if err := consumers.Validate(queue.Catalog, routing.Table, consumers.Registry()); err != nil {
		t.Fatal(err)
	}
}

// Validate catches each way a registry can go wrong, all at once.
func TestValidateFailsOnAMissingOrSecondConsumer(t *testing.T) {
	without := func(name string) []consumers.Consumer {
		return slices.DeleteFunc(slices.Clone(consumers.Registry()), func(c consumers.Consumer) bool { return c.Queue == name })
	}
	audit, _ := consumers.For("audit")
	deliveries, _ := consumers.For("webhook-deliveries")
	noop := func(consumers.Deps) (event.Handler, error) { return nil, nil }
	for _, tc := range []struct {
		name     string
		registry []consumers.Consumer
		want     []string
	}{
		{"a queue without consumer", without("audit"), []string{`queue "audit" has no consumer`}},
		{"a queue with two", append(slices.Clone(consumers.Registry()), func() consumers.Consumer {
			c := audit
			c.On = consumers.Lambda("audit-2")
			return c
		}()), []string{`queue "audit" has 2 consumers, want one`}},
		{"a dead-letter queue's consumer", append(slices.Clone(consumers.Registry()), func() consumers.Consumer {
			c := audit
			c.Queue, c.On = "audit-dlq", consumers.Lambda("audit-dlq")
			return c
		}()), []string{`consumer of "audit-dlq": a dead-letter queue`}},
		{"an unknown queue", append(slices.Clone(consumers.Registry()), consumers.Consumer{Queue: "nope", On: consumers.SessionHost,
			Messages: deliveries.Messages}), []string{`consumer of "nope": no such queue`}},
		{"bad entries", append(without("audit"), consumers.Consumer{Queue: "audit", BatchSize: 11},
			consumers.Consumer{Queue: "webhook-deliveries", On: consumers.SessionHost, BatchSize: 10, Events: noop,
				Retry: consumers.Backoff{Base: 2, Max: 1}, Needs: []string{"Webhooks", "Things"}}), []string{
			`consumer of "audit": needs exactly one of Events and Messages`,
			`consumer of "audit": On must name a Lambda function or be the session host`,
			`consumer of "webhook-deliveries": no route targets the queue`,
			`consumer of "webhook-deliveries": BatchSize is for Lambda consumers`,
			`consumer of "webhook-deliveries": Retry needs`,
			`consumer of "webhook-deliveries": needs Deps.Things, which Deps does not have`,
			`queue "webhook-deliveries" has 2 consumers`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := consumers.Validate(queue.Catalog, routing.Table, tc.registry)
			if !errors.Is(err, consumers.ErrRegistry) {
				t.Fatalf("Validate = %v, want ErrRegistry", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
		})
	}
}

// Every consumer names the dependencies it needs (Needs): built from empty Deps, each fails naming them.
func TestBuildNamesMissingDependencies(t *testing.T) {
	want := map[string]string{
		"audit":                "[Activity]",
		"webhook-router":       "[Webhooks Queue Now]",
		"webhook-deliveries":   "[Webhooks Sender NotificationRules Events Now]",
		"notifications":        "[NotificationRules]",
		"realtime-push":        "[LiveFeed]",
		"session-sends.fifo":   "[Sessions]",
		"session-control.fifo": "[Sessions]",
	}
	for _, c := range consumers.Registry() {
		_, err := c.Build(consumers.Deps{})
		if !errors.Is(err, consumers.ErrMissingDep) || !strings.Contains(err.Error(), "needs Deps."+want[c.Queue]) {
			t.Errorf("%s: Build(Deps{}) = %v, want ErrMissingDep naming %s", c.Queue, err, want[c.Queue])
		}
	}
	// The session host's consumers are its two methods.
	var s sessions
	for _, name := range []string{"session-sends.fifo", "session-control.fifo"} {
		c, _ := consumers.For(name)
		h, err := c.Build(consumers.Deps{Sessions: &s})
		if err != nil || h.Messages == nil || h.Events != nil {
			t.Fatalf("%s: %+v, %v", name, h, err)
		}
		if err := h.Messages(context.Background(), queue.Message{ID: name}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(s.calls, []string{"send session-sends.fifo", "control session-control.fifo"}) {
		t.Errorf("calls %v", s.calls)
	}
}

type sessions struct{ calls []string }

func (s *sessions) HandleSend(_ context.Context, m queue.Message) error {
	s.calls = append(s.calls, "send "+m.ID)
	return nil
}

func (s *sessions) HandleControl(_ context.Context, m queue.Message) error {
	s.calls = append(s.calls, "control "+m.ID)
	return nil
}

func TestOnSplitsTheRegistryByRunner(t *testing.T) {
	var host []string
	for _, c := range consumers.On(consumers.SessionHost) {
		host = append(host, c.Queue)
	}
	if !slices.Equal(host, []string{"session-sends.fifo", "session-control.fifo"}) {
		t.Errorf("session host consumes %v", host)
	}
	if c := consumers.On(consumers.Lambda("webhook-deliver")); len(c) != 1 || c[0].Queue != "webhook-deliveries" {
		t.Errorf("webhook-deliver consumes %+v", c)
	}
}
