package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecondProcessRefused starts two standalone processes on one data directory: the second exits at once with
// an error naming the directory and the first one's PID, and the first keeps serving. After a kill -9 of the first
// (the kernel drops its lock), a new process starts on the directory.
func TestSecondProcessRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first := start(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, binary)
	second.Env = append(os.Environ(), "WAQTOR_ADDR=127.0.0.1:0", "WAQTOR_DATA_DIR="+dir, "WAQTOR_LOG_FORMAT=json")
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second process on the same data directory: %v, want exit status 1; output:\n%s", err, out)
	}
	want := fmt.Sprintf("the data directory %s is in use by another WaQtor process (PID %d)", dir, first.cmd.Process.Pid)
	if !strings.Contains(string(out), want) {
		t.Fatalf("second process said:\n%s\nwant it to say %q", out, want)
	}
	if r := first.do(t, "GET", "/healthz", "", ""); r.status != 200 {
		t.Fatalf("the first process after the second was refused: GET /healthz %d", r.status)
	}

	first.kill()
	start(t, dir).stop(t)
}
