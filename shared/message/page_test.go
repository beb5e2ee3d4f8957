package message_test

import (
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/message"
)

func TestPageLimit(t *testing.T) {
	tests := []struct {
		limit, want int
		valid       bool
	}{{0, 50, true}, {1, 1, true}, {200, 200, true}, {201, 0, false}, {-1, 0, false}}
	for _, tt := range tests {
		got, err := message.Filter{Limit: tt.limit}.PageLimit()
		if tt.valid && (err != nil || got != tt.want) {
			t.Errorf("PageLimit(%d) = %d, %v; want %d", tt.limit, got, err, tt.want)
		}
		if !tt.valid && !apperr.Is(err, apperr.Validation) {
			t.Errorf("PageLimit(%d) = %d, %v; want a validation error", tt.limit, got, err)
		}
	}
}

func TestCursor(t *testing.T) {
	f := message.Filter{SessionID: "ses_1", Status: message.Read, From: t0}
	p := message.Position{Timestamp: t0.Add(1234567 * time.Nanosecond), ID: "3EB0AA", SessionID: "ses_1"}
	next := f.NextCursor("ten_a", p)

	f.Cursor = next
	got, err := f.After("ten_a")
	if err != nil || got == nil || !got.Timestamp.Equal(p.Timestamp) || got.ID != p.ID || got.SessionID != p.SessionID {
		t.Fatalf("After = %+v, %v; want %+v", got, err, p)
	}
	if got, err := (message.Filter{}).After("ten_a"); got != nil || err != nil {
		t.Fatalf("After without a cursor = %+v, %v", got, err)
	}
	other := []struct {
		name   string
		tenant string
		f      message.Filter
	}{
		{"other tenant", "ten_b", f},
		{"other session", "ten_a", message.Filter{SessionID: "ses_2", Status: message.Read, From: t0, Cursor: next}},
		{"other status", "ten_a", message.Filter{SessionID: "ses_1", Status: message.Sent, From: t0, Cursor: next}},
		{"other range", "ten_a", message.Filter{SessionID: "ses_1", Status: message.Read, Cursor: next}},
		{"garbage", "ten_a", message.Filter{SessionID: "ses_1", Status: message.Read, From: t0, Cursor: "not-a-cursor!"}},
		{"empty JSON", "ten_a", message.Filter{Cursor: "e30"}},
	}
	for _, tt := range other {
		if got, err := tt.f.After(tt.tenant); !apperr.Is(err, apperr.Validation) {
			t.Errorf("%s: After = %+v, %v; want a validation error", tt.name, got, err)
		}
	}
	// The limit is not part of the query: a client may change page size between pages.
	f.Limit = 7
	if _, err := f.After("ten_a"); err != nil {
		t.Fatalf("After with another limit: %v", err)
	}
}

func TestPositionOrder(t *testing.T) {
	ps := []message.Position{
		{Timestamp: at(2), ID: "A", SessionID: "s1"},
		{Timestamp: at(1), ID: "B", SessionID: "s2"},
		{Timestamp: at(1), ID: "B", SessionID: "s1"},
		{Timestamp: at(1), ID: "A", SessionID: "s9"},
	}
	for i := range ps {
		for j := range ps {
			if got, want := ps[i].Before(ps[j]), i < j; got != want {
				t.Errorf("%+v.Before(%+v) = %v, want %v", ps[i], ps[j], got, want)
			}
		}
	}
}
