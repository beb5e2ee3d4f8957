// Package testkit holds what tests across the module share: waiting for a condition with a deadline (Until,
// UntilWhy) instead of sleeping, a Buffer that many goroutines may write to (a process's output, a logger), and
// golden files (Golden).
package testkit

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// maxInterval caps the pause between two checks of a condition, so a condition that calls a server (an emulator)
// is not asked more than ten times a second once it has been waited for a while.
const maxInterval = 100 * time.Millisecond

// Until checks cond, at first every millisecond and then less often (doubling, at most every 100 ms), until it
// holds; if it still does not hold after timeout, it fails the test with "<what>: not within <timeout>". cond runs
// on the test's goroutine.
func Until(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	UntilWhy(tb, timeout, what, func() (bool, string) { return cond(), "" })
}

// UntilWhy is Until for a condition that says why it does not hold yet; the failure message ends with the last
// reason, so a timeout shows what was seen instead of only what was awaited.
func UntilWhy(tb testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	interval := time.Millisecond
	for {
		ok, why := cond()
		if ok {
			return
		}
		left := time.Until(deadline)
		if left <= 0 {
			if why != "" {
				tb.Fatalf("%s: not within %s: %s", what, timeout, why)
			} else {
				tb.Fatalf("%s: not within %s", what, timeout)
			}
			return // a tb whose Fatalf returns (a fake) must not loop on
		}
		t := time.NewTimer(min(interval, left))
		<-t.C
		interval = min(2*interval, maxInterval)
	}
}

// Buffer is a bytes.Buffer that many goroutines may write to and read from at once: give it as a command's
// Stdout/Stderr or as a logger's output, and read it in a failure message.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p; it never fails.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Bytes returns a copy of everything written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// Golden compares got with the file at path, and fails the test with both when they differ. With
// WAQTOR_UPDATE_GOLDEN=1 in the environment it writes got to path first (creating its directory), so a change
// to a golden file shows up in review as a diff.
func Golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if os.Getenv("WAQTOR_UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with WAQTOR_UPDATE_GOLDEN=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs (WAQTOR_UPDATE_GOLDEN=1 rewrites it; review the diff):\n got %s\nwant %s", path, got, want)
	}
}
