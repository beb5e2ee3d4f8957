package main_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A bad configuration is reported whole, every bad variable named in one error, before anything is created on
// disk (issue 8 item 15: the bootstrap settings failed one per start, after the data directory was created).
func TestBadConfigCreatesNothing(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	bad := map[string]string{
		"WAQTOR_BOOTSTRAP_API_KEY":  "not-a-waqtor-key",
		"WAQTOR_BOOTSTRAP_EMAIL":    "owner-at-example",
		"WAQTOR_BOOTSTRAP_PASSWORD": "short",
		"WAQTOR_ADDR":               "no-port",
		"WAQTOR_RATE_BURST":         "2.5",
		"WAQTOR_TOKEN_TTL":          "forever",
	}
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "WAQTOR_DATA_DIR="+dataDir)
	for k, v := range bad {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("WaQtor with a bad configuration: %v, want it to exit with an error\n%s", err, out)
	}
	for name := range bad {
		if !strings.Contains(string(out), name) {
			t.Errorf("the error does not name %s:\n%s", name, out)
		}
	}
	if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data dir exists after a refused start (stat: %v)", err)
	}
}
