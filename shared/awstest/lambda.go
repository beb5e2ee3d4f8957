package awstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/waqtor/waqtor/shared/testkit"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RIEBinary is the file name of the Lambda runtime interface emulator in ToolsDir/bin (make tools installs it).
const RIEBinary = "aws-lambda-rie"

// lambdaStopTimeout bounds a graceful stop of the emulator (SIGTERM) before it is killed.
const lambdaStopTimeout = 5 * time.Second

// LambdaFn is one function's bootstrap running under aws-lambda-rie, as Lambda runs a provided.al2023 function:
// the emulator starts the bootstrap on the first invocation, re-initialises it after a crash, and serves the
// Lambda invoke API for the function name "function".
type LambdaFn struct {
	// Name is the function name the bootstrap sees (AWS_LAMBDA_FUNCTION_NAME).
	Name string
	// URL is the emulator's invoke endpoint.
	URL string

	client *http.Client
	logs   *testkit.Buffer
}

// FunctionError is a failed invocation: the handler returned an error (Lambda answers 200 with an error
// document) or the runtime crashed or exited (the emulator answers 502). Invoke returns it as its error.
type FunctionError struct {
	Status  int    // HTTP status of the invoke response
	Type    string // errorType
	Message string // errorMessage
	Payload []byte // the raw response
}

func (e *FunctionError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("lambda function error (status %d): %s", e.Status, e.Message)
	}
	return fmt.Sprintf("lambda function error (status %d): %s: %s", e.Status, e.Type, e.Message)
}

// Lambda starts aws-lambda-rie from ToolsDir/bin with the bootstrap at bootstrapPath, on two free ports of
// 127.0.0.1 (the invoke API and the runtime API), and stops it in t.Cleanup. The bootstrap gets only a clean
// environment: AWS_REGION, static credentials, AWS_LAMBDA_FUNCTION_NAME (the name of the bootstrap's directory),
// AWS_LAMBDA_FUNCTION_TIMEOUT (10 s), no shared AWS config files, then env ("KEY=value", later entries win, so env
// may override the defaults). Route its SDK clients to emulators with AWS_ENDPOINT_URL_<SERVICE> in env.
// The emulator's and the function's output is logged if the test fails.
func Lambda(t testing.TB, bootstrapPath string, env []string) *LambdaFn {
	t.Helper()
	rie := filepath.Join(ToolsDir(t), "bin", RIEBinary)
	if fi, err := os.Stat(rie); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("awstest: no executable %s (%v): run make tools", rie, err)
	}
	bootstrap, err := filepath.Abs(bootstrapPath)
	if err != nil {
		t.Fatalf("awstest: bootstrap path: %v", err)
	}
	if fi, err := os.Stat(bootstrap); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("awstest: no bootstrap file %s (%v)", bootstrap, err)
	}
	invokeAddr, runtimeAddr := freeAddr(t), freeAddr(t)
	for runtimeAddr == invokeAddr {
		runtimeAddr = freeAddr(t)
	}

	base := []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + SecretKey,
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_LAMBDA_FUNCTION_NAME=" + filepath.Base(filepath.Dir(bootstrap)),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	}
	cmdEnv := append(base, env...)
	fn := &LambdaFn{URL: "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		client: &http.Client{}, logs: &testkit.Buffer{}}
	for _, kv := range cmdEnv {
		if v, ok := strings.CutPrefix(kv, "AWS_LAMBDA_FUNCTION_NAME="); ok {
			fn.Name = v
		}
	}

	cmd := exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr, bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = cmdEnv
	cmd.Stdout, cmd.Stderr = fn.logs, fn.logs
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatalf("awstest: start %s: %v", rie, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// SIGTERM lets the emulator stop the bootstrap it started; kill it if it does not stop in time.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(lambdaStopTimeout):
			cmd.Process.Kill()
			<-exited
		}
		fn.client.CloseIdleConnections()
		if t.Failed() {
			t.Logf("awstest: lambda %s output:\n%s", fn.Name, fn.Logs())
		}
	})

	// The emulator is ready when its invoke port accepts connections.
	deadline := time.Now().Add(startTimeout)
	for {
		conn, err := net.DialTimeout("tcp", invokeAddr, time.Second)
		if err == nil {
			conn.Close()
			return fn
		}
		select {
		case <-exited:
			t.Fatalf("awstest: %s exited before listening on %s: stderr: %q", RIEBinary, invokeAddr, fn.logs.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("awstest: %s not listening on %s within %s: stderr: %q", RIEBinary, invokeAddr, startTimeout, fn.logs.String())
		}
	}
}

// freeAddr returns 127.0.0.1:<port> with a port the kernel just handed out and released.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("awstest: find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Invoke calls the function synchronously (RequestResponse) with payload and returns its response. A function
// that returns an error, panics or exits gives a *FunctionError.
func (f *LambdaFn) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", f.Name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", f.Name, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: read response: %w", f.Name, err)
	}
	if fe := functionError(res, body); fe != nil {
		return nil, fmt.Errorf("invoke %s: %w", f.Name, fe)
	}
	return body, nil
}

// InvokeJSON marshals in, invokes the function and unmarshals its response into out.
func (f *LambdaFn) InvokeJSON(ctx context.Context, in, out any) error {
	payload, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("invoke %s: marshal payload: %w", f.Name, err)
	}
	body, err := f.Invoke(ctx, payload)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("invoke %s: response %q: %w", f.Name, body, err)
	}
	return nil
}

// Logs returns what the emulator and the function wrote so far.
func (f *LambdaFn) Logs() string {
	return f.logs.String()
}

// functionError recognises a failed invocation. Lambda marks one with X-Amz-Function-Error; the emulator does not,
// and answers a returned error with 200 and a document holding only errorMessage, errorType (and stackTrace), and
// a crashed runtime with 502.
func functionError(res *http.Response, body []byte) *FunctionError {
	var doc map[string]json.RawMessage
	isErrDoc := json.Unmarshal(body, &doc) == nil && doc["errorType"] != nil && doc["errorMessage"] != nil
	for k := range doc {
		if k != "errorType" && k != "errorMessage" && k != "stackTrace" {
			isErrDoc = false
		}
	}
	if res.StatusCode/100 == 2 && res.Header.Get("X-Amz-Function-Error") == "" && !isErrDoc {
		return nil
	}
	fe := &FunctionError{Status: res.StatusCode, Type: res.Header.Get("X-Amz-Function-Error"), Payload: body}
	if isErrDoc {
		json.Unmarshal(doc["errorType"], &fe.Type)
		json.Unmarshal(doc["errorMessage"], &fe.Message)
	}
	if fe.Message = strings.TrimSpace(fe.Message); fe.Message == "" {
		fe.Message = strings.TrimSpace(string(body))
	}
	if fe.Message == "" {
		fe.Message = "no error document: the runtime crashed or failed to initialise (its output is logged when the test fails)"
	}
	return fe
}
