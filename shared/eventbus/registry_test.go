package eventbus_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/testkit"
)

// Consume registers a registry entry's handler, built from the deps, with the entry's retry backoff; an entry
// whose handler cannot be built registers nothing.
func TestConsumeRegistersARegistryEntry(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	missing := errors.New("no store")
	if err := r.Consume(consumers.Consumer{Queue: "q-other", Events: func(consumers.Deps) (event.Handler, error) {
		return nil, missing
	}}, consumers.Deps{}, 1); !errors.Is(err, missing) {
		t.Fatalf("Consume = %v, want the factory's error", err)
	}
	var gotVersion string
	failed := make(chan struct{}, 1)
	err = r.Consume(consumers.Consumer{Queue: "q-messages", Retry: consumers.Backoff{Base: time.Hour, Max: time.Hour},
		Events: func(d consumers.Deps) (event.Handler, error) {
			gotVersion = d.Version
			return func(context.Context, event.BusEvent) error {
				failed <- struct{}{}
				return errors.New("fails")
			}, nil
		}}, consumers.Deps{Version: "v9"}, 2)
	if err != nil || gotVersion != "v9" {
		t.Fatalf("Consume = %v, factory saw version %q", err, gotVersion)
	}
	if got := r.Consumers(); !slices.Equal(got, []string{"q-messages"}) {
		t.Fatalf("Consumers = %v, want [q-messages]", got)
	}
	stop := run(t, r)
	defer stop()
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	<-failed
	// The failed message comes back after the entry's backoff (1 h), not the bus's default (1 s).
	testkit.Until(t, 5*time.Second, "the message made visible again after 1 h", func() bool {
		return slices.ContainsFunc(q.recorded(), func(c call) bool { return c.op == "visibility" && c.timeout == time.Hour })
	})
}
