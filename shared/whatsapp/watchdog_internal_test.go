package whatsapp

import (
	"slices"
	"testing"
	"time"
)

// The watchdog restarts after keepalives failed for longer than its threshold, once per failing stretch, and after
// the configured number of consecutive send timeouts; any answered ping or completed send starts over.
func TestWatchdog(t *testing.T) {
	type step struct {
		at   time.Duration // clock, from the start
		last time.Duration // "ping-fail": when a ping last got an answer
		do   string        // "ping-fail", "ping-ok", "send-timeout", "send-ok", "reset"
		want []string      // restart reasons expected after this step, in total
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"keepalive over threshold", []step{
			{at: 10 * time.Second, do: "ping-fail"},
			{at: 40 * time.Second, do: "ping-fail"},
			{at: 70 * time.Second, do: "ping-fail", want: []string{"watchdog: keepalives failing for 1m10s"}},
		}},
		{"answered ping starts over", []step{
			{at: 50 * time.Second, do: "ping-fail"},
			{at: 55 * time.Second, do: "ping-ok"},
			{at: 65 * time.Second, last: 55 * time.Second, do: "ping-fail"},
			{at: 100 * time.Second, last: 55 * time.Second, do: "ping-fail"},
			{at: 66 * time.Second, do: "reset"},
			{at: 67 * time.Second, do: "send-timeout"},
		}},
		{"send timeouts", []step{
			{do: "send-timeout"}, {do: "send-timeout"}, {do: "send-ok"},
			{do: "send-timeout"}, {do: "send-timeout"},
			{do: "send-timeout", want: []string{"watchdog: 3 sends in a row timed out"}},
			{do: "send-timeout", want: []string{"watchdog: 3 sends in a row timed out"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var restarts []string
			start := time.Unix(1_700_000_000, 0)
			now := start
			w := newWatchdog(time.Minute, 3, func(reason string) { restarts = append(restarts, reason) })
			w.now = func() time.Time { return now }
			for i, s := range tt.steps {
				now = start.Add(s.at)
				switch s.do {
				case "ping-fail":
					w.keepaliveFailed(start.Add(s.last))
				case "ping-ok":
					w.keepaliveOK()
				case "send-timeout":
					w.sendDone(true)
				case "send-ok":
					w.sendDone(false)
				case "reset":
					w.reset()
				}
				if !slices.Equal(restarts, s.want) {
					t.Fatalf("after step %d (%s at %s): restarts %q, want %q", i, s.do, s.at, restarts, s.want)
				}
			}
		})
	}
}
