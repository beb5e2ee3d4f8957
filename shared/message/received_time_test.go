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
		{"a later second (history, slow delivery): WhatsApp's", sent.Add(2 * time.Second), sent},
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
	// A timestamp that has sub-seconds already is kept.
	precise := sent.Add(5 * time.Millisecond)
	if got := message.ReceivedTime(precise, precise.Add(100*time.Millisecond)); !got.Equal(precise) {
		t.Errorf("ReceivedTime(precise) = %v, want %v", got, precise)
	}
}
