package client_test

import (
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/realtime/client"
)

func TestBackoffDoublesFromOneSecondToThirtyWithJitter(t *testing.T) {
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		30 * time.Second, 30 * time.Second, 30 * time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := client.Backoff(n, time.Second, 30*time.Second)
			if d < want*8/10 || d > want*12/10 || d > 30*time.Second {
				t.Fatalf("Backoff(%d) = %v, want %v ± 20%%, at most 30 s", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("Backoff(%d) took only %d distinct values in 200 draws: no jitter", n, len(seen))
		}
	}
}
