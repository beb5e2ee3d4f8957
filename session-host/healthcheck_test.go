package main_test

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// `session-host healthcheck` exits 0 while a WaQtor serves on WAQTOR_ADDR, and 1 once none does.
func TestHealthcheck(t *testing.T) {
	p := start(t, t.TempDir())
	addr := strings.TrimPrefix(p.url, "http://")
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	probe := func(addr string) (string, error) {
		cmd := exec.Command(binary, "healthcheck")
		cmd.Env = append(os.Environ(), "WAQTOR_ADDR="+addr)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, a := range []string{addr, ":" + port, "0.0.0.0:" + port} {
		if out, err := probe(a); err != nil {
			t.Errorf("healthcheck of a serving WaQtor at %s: %v\n%s", a, err, out)
		}
	}
	p.stop(t)
	out, err := probe(addr)
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 || !strings.Contains(out, "healthcheck") {
		t.Errorf("healthcheck with nothing on %s: %v %q; want exit 1 naming the check", addr, err, out)
	}
}
