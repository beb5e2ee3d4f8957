package testkit_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/testkit"
)

// recorder is a testing.TB whose Fatalf records the message instead of ending the goroutine.
type recorder struct {
	testing.TB
	failed, errored string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errored = fmt.Sprintf(format, args...)
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	r := &recorder{TB: t}
	start := time.Now()
	testkit.Until(r, 5*time.Second, "three increments", func() bool { return n.Load() == 3 })
	if r.failed != "" {
		t.Fatalf("failed: %s", r.failed)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s for a condition that held at once", d)
	}
}

func TestUntilFailsAfterTheTimeout(t *testing.T) {
	r := &recorder{TB: t}
	start := time.Now()
	checks := 0
	testkit.Until(r, 50*time.Millisecond, "the impossible", func() bool { checks++; return false })
	if got, want := r.failed, "the impossible: not within 50ms"; got != want {
		t.Errorf("failure %q, want %q", got, want)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Errorf("gave up after %s, want about 50ms", d)
	}
	if checks < 3 {
		t.Errorf("checked %d times in 50 ms, want several", checks)
	}
}

func TestUntilWhyReportsTheLastReason(t *testing.T) {
	r := &recorder{TB: t}
	i := 0
	testkit.UntilWhy(r, 20*time.Millisecond, "ready", func() (bool, string) { i++; return false, fmt.Sprintf("seen %d", i) })
	if want := fmt.Sprintf("ready: not within 20ms: seen %d", i); r.failed != want {
		t.Errorf("failure %q, want %q", r.failed, want)
	}
}

func TestBufferTakesConcurrentWrites(t *testing.T) {
	var b testkit.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				b.Write([]byte("x\n"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := strings.Count(b.String(), "x\n"); got != 800 {
		t.Errorf("%d lines, want 800", got)
	}
	if got := len(b.Bytes()); got != 1600 {
		t.Errorf("%d bytes, want 1600", got)
	}
}

func TestGoldenComparesAndUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golden", "x.json")
	r := &recorder{TB: t}
	t.Setenv("WAQTOR_UPDATE_GOLDEN", "1")
	testkit.Golden(r, path, []byte("one\n"))
	t.Setenv("WAQTOR_UPDATE_GOLDEN", "")
	testkit.Golden(r, path, []byte("one\n"))
	if r.failed != "" || r.errored != "" {
		t.Fatalf("equal content failed: %s%s", r.failed, r.errored)
	}
	testkit.Golden(r, path, []byte("two\n"))
	if !strings.Contains(r.errored, "differs") {
		t.Errorf("changed content: %q, want a difference reported", r.errored)
	}
}
