package activity_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
)

// store records what Handler asked to keep.
type store struct {
	entries []activity.Entry
	expires []time.Time
}

func (s *store) Record(_ context.Context, e activity.Entry, expires time.Time) error {
	s.entries = append(s.entries, e)
	s.expires = append(s.expires, expires)
	return nil
}

func (s *store) List(context.Context, string, string, int) ([]activity.Entry, error) { return nil, nil }

func (s *store) ListByActor(context.Context, string, string, string, int) ([]activity.Entry, error) {
	return nil, nil
}

func TestHandlerRecordsTheEventWithItsActorForTheRetention(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e, err := event.New("waqtor.api", event.APIKeyCreated, "ten_1", at, map[string]any{"keyId": "key_1", "actorId": "usr_1"})
	if err != nil {
		t.Fatal(err)
	}
	s := &store{}
	if err := activity.Handler(s)(context.Background(), e.Bus("000000000000", "us-east-1")); err != nil {
		t.Fatal(err)
	}
	if len(s.entries) != 1 {
		t.Fatalf("%d entries, want 1", len(s.entries))
	}
	got := s.entries[0]
	if got.ID != e.ID || got.TenantID != "ten_1" || got.Type != event.APIKeyCreated || got.ActorID != "usr_1" || !got.Time.Equal(at) || string(got.Data) != string(e.Data) {
		t.Errorf("entry %+v, want the event's ID, tenant, type, actor, time and data", got)
	}
	if want := at.Add(activity.Retention); !s.expires[0].Equal(want) {
		t.Errorf("expires %s, want %s (event time + 90 days)", s.expires[0], want)
	}
}

func TestHandlerKeepsEventsWithoutAnActor(t *testing.T) {
	e, err := event.New("waqtor.api", event.UserLoggedIn, "ten_1", time.Now(), []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	s := &store{}
	if err := activity.Handler(s)(context.Background(), e.Bus("0", "r")); err != nil {
		t.Fatal(err)
	}
	if len(s.entries) != 1 || s.entries[0].ActorID != "" || !json.Valid(s.entries[0].Data) {
		t.Errorf("entries %+v, want one without an actor", s.entries)
	}
}

func TestHandlerRefusesAnEventWithoutTenantOrID(t *testing.T) {
	for name, env := range map[string]event.Envelope{
		"no tenant": {ID: "evt_1", Type: event.UserCreated, Data: json.RawMessage(`{}`)},
		"no id":     {TenantID: "ten_1", Type: event.UserCreated, Data: json.RawMessage(`{}`)},
	} {
		t.Run(name, func(t *testing.T) {
			s := &store{}
			if err := activity.Handler(s)(context.Background(), env.Bus("0", "r")); err == nil {
				t.Error("recorded; want an error (the event goes to the dead-letter queue)")
			}
			if len(s.entries) != 0 {
				t.Errorf("stored %+v", s.entries)
			}
		})
	}
}

func TestCheckLimit(t *testing.T) {
	for limit, ok := range map[int]bool{-1: false, 0: false, 1: true, activity.MaxPage: true, activity.MaxPage + 1: false} {
		err := activity.CheckLimit(limit)
		if ok != (err == nil) {
			t.Errorf("CheckLimit(%d) = %v", limit, err)
		}
		if err != nil && !apperr.Is(err, apperr.Validation) {
			t.Errorf("CheckLimit(%d) = %v, want %s", limit, err, apperr.Validation)
		}
	}
}
