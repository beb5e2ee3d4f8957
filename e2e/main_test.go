package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// functionPackages are the binaries the end-to-end tests run: every Lambda they start and the session host.
var functionPackages = []string{"functions/api", "functions/audit", "functions/webhook-router", "functions/webhook-deliver",
	"functions/ws-connect", "functions/ws-disconnect", "functions/ws-default", "functions/ws-push",
	"functions/notifications",
	"session-host"}

// prebuilt maps a package's base name to its binary, built once by TestMain before any test starts its clock: on a
// cold machine (empty build cache, 2 cores) the build alone takes minutes, which no test deadline should include.
var prebuilt map[string]string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "waqtor-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	prebuilt, err = build(dir, functionPackages)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// build builds pkgs for the host into dir, with the tag `make lambdas` uses but otherwise the flags `go test` and
// `go vet` use, so that the packages they compiled come from the build cache.
func build(dir string, pkgs []string) (map[string]string, error) {
	args := []string{"build", "-tags", "lambda.norpc", "-o", dir + string(filepath.Separator)}
	for _, p := range pkgs {
		args = append(args, "./"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	bins := map[string]string{}
	for _, p := range pkgs {
		bins[filepath.Base(p)] = filepath.Join(dir, filepath.Base(p))
	}
	return bins, nil
}
