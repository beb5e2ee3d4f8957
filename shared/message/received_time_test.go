package message_test

import (
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/message"
)

func TestReceivedTime(t *testing.T) {
	sent := time.Date(2026, 12, 3, 20, 57, 10, 0, time.FixedZone("x", 3600))
	for _, tt := range []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"within WhatsApp's second: the arrival", sent.Add(437 * time.Millisecond), sent.Add(437 * time.Millisecond)},
		{"at the second itself", sent, sent},
		{"a later second (slow delivery, history): the second's last millisecond", sent.Add(2 * time.Second), sent.Add(999 * time.Millisecond)},
		{"a clock behind WhatsApp's: WhatsApp's", sent.Add(-300 * time.Millisecond), sent},
	} {
		got := message.ReceivedTime(sent, tt.now)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("%s: ReceivedTime = %v, want %v in UTC", tt.name, got, tt.want)
		}
	}
	// A reply received within the second of the message it answers (timed by WaQtor to the sub-second when sent)
	// sorts after it.
	out := sent.Add(200 * time.Millisecond)
	if reply := message.ReceivedTime(sent, out.Add(150*time.Millisecond)); !reply.After(out) {
		t.Errorf("reply at %v sorts before the message it answers at %v", reply, out)
	}
	// Also when the reply arrives seconds later (a loaded machine, a slow network).
	if reply := message.ReceivedTime(sent, out.Add(3*time.Second)); !reply.After(out) || !reply.Truncate(time.Second).Equal(sent) {
		t.Errorf("late reply at %v: want after %v within WhatsApp's second", reply, out)
	}
	// A timestamp that has sub-seconds already is kept.
	precise := sent.Add(5 * time.Millisecond)
	if got := message.ReceivedTime(precise, precise.Add(100*time.Millisecond)); !got.Equal(precise) {
		t.Errorf("ReceivedTime(precise) = %v, want %v", got, precise)
	}
}
