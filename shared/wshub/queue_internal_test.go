package wshub

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/realtime"
)

func TestSendQueueCoalescesLatestWinsInPublishOrder(t *testing.T) {
	q := newSendQueue(4)
	push := func(frame, key string) bool { return q.push([]byte(frame), key) }
	for _, f := range []struct{ frame, key string }{
		{"stats ses_1 #1", "session.stats/ses_1"},
		{"message a", ""},
		{"progress cmp_1 #1", "campaign.progress/cmp_1"},
		{"stats ses_1 #2", "session.stats/ses_1"},
		{"stats ses_2 #1", "session.stats/ses_2"},
		{"progress cmp_1 #2", "campaign.progress/cmp_1"},
	} {
		if !push(f.frame, f.key) {
			t.Fatalf("push %q: queue full, but coalesced frames must not take extra slots", f.frame)
		}
	}
	var got []string
	for _, b := range q.take() {
		got = append(got, string(b))
	}
	// Latest wins per key, and each frame sits where its newest version was published.
	want := []string{"message a", "stats ses_1 #2", "stats ses_2 #1", "progress cmp_1 #2"}
	if !slices.Equal(got, want) {
		t.Fatalf("queue = %q, want %q", got, want)
	}
	for i := range 4 {
		if !push(fmt.Sprint("m", i), "") {
			t.Fatalf("push %d into an empty queue of 4 failed", i)
		}
	}
	if push("one too many", "") {
		t.Fatal("a fifth frame fit in a queue of 4")
	}
	if push("stats of a new session", "session.stats/ses_9") || q.len() != 4 {
		t.Fatalf("a frame with a new coalesce key fit in a full queue (length %d)", q.len())
	}
}

func TestWindowResumesAfterAnIDOrAsksForResync(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	w := newWindow(3, 5*time.Minute)
	item := func(id string) realtime.Item { return realtime.Item{ID: id} }
	for _, id := range []string{"evt_1", "evt_2", "evt_3"} {
		if !w.add(item(id), now) {
			t.Fatalf("add %s refused", id)
		}
	}
	if w.add(item("evt_2"), now) {
		t.Fatal("a redelivered event was added twice")
	}
	ids := func(items []realtime.Item) (out []string) {
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	if got, ok := w.after("evt_1", now); !ok || !slices.Equal(ids(got), []string{"evt_2", "evt_3"}) {
		t.Fatalf("after evt_1 = %v, %v", ids(got), ok)
	}
	if got, ok := w.after("evt_3", now); !ok || len(got) != 0 {
		t.Fatalf("after the newest = %v, %v; want nothing missed", ids(got), ok)
	}
	w.add(item("evt_4"), now) // evicts evt_1
	if _, ok := w.after("evt_1", now); ok {
		t.Fatal("evt_1 was evicted, yet after(evt_1) did not ask for a resync")
	}
	if got, ok := w.after("evt_2", now); !ok || !slices.Equal(ids(got), []string{"evt_3", "evt_4"}) {
		t.Fatalf("after evt_2 = %v, %v", ids(got), ok)
	}
	if _, ok := w.after("evt_4", now.Add(5*time.Minute+time.Second)); ok {
		t.Fatal("frames older than the window's age still resumed")
	}
	if !w.add(item("evt_2"), now.Add(6*time.Minute)) {
		t.Fatal("an event ID that left the window must be accepted again")
	}
}
