package awstest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/waqtor/waqtor/shared/testkit"
)

// Region and the static credentials every emulator client uses.
const (
	Region    = "us-east-1"
	AccessKey = "test"
	SecretKey = "test"
)

// startTimeout bounds the emulator's start: the process printing its port, then answering a call.
const startTimeout = 15 * time.Second

// sqsScript starts local-aws-sqs on a port the kernel picks, prints it, and exits when its stdin closes, so the
// emulator dies with the test binary even if t.Cleanup never runs (a killed test).
const sqsScript = `
const { createSqsServer } = require(process.argv[1]);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false })
  .then((srv) => console.log("listening " + srv.address().port))
  .catch((err) => { console.error(err); process.exit(1); });
`

// SQS starts a fresh local-aws-sqs 2.0.2 (an empty in-memory SQS speaking the JSON protocol) for this test and
// returns a client for it. The emulator is killed in t.Cleanup. Its known deviations from SQS are listed in
// AWS-TESTING.md.
func SQS(t testing.TB) *sqs.Client {
	t.Helper()
	return SQSClient(SQSEndpoint(t))
}

// SQSEndpoint starts a fresh local-aws-sqs like SQS and returns its URL (http://127.0.0.1:port), for code that
// builds its own client or passes AWS_ENDPOINT_URL_SQS to a child process.
func SQSEndpoint(t testing.TB) string {
	t.Helper()
	cmd := exec.Command(Node(t), "-e", sqsScript, Module(t, "local-aws-sqs"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("awstest: sqs emulator stdin: %v", err)
	}
	out := &portWatcher{port: make(chan string, 1)}
	var stderr testkit.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("awstest: start sqs emulator: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		<-exited
	})

	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	var endpoint string
	select {
	case port := <-out.port:
		endpoint = "http://127.0.0.1:" + port
	case <-exited:
		t.Fatalf("awstest: sqs emulator exited before listening: stderr: %q", stderr.String())
	case <-deadline.C:
		t.Fatalf("awstest: sqs emulator did not listen within %s: stderr: %q", startTimeout, stderr.String())
	}

	client := SQSClient(endpoint)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := client.ListQueues(ctx, &sqs.ListQueuesInput{})
		cancel()
		if err == nil {
			return endpoint
		}
		select {
		case <-poll.C:
		case <-exited:
			t.Fatalf("awstest: sqs emulator exited: %v: stderr: %q", err, stderr.String())
		case <-deadline.C:
			t.Fatalf("awstest: sqs emulator at %s not ready within %s: %v", endpoint, startTimeout, err)
		}
	}
}

// SQSClient returns an SQS client for an emulator endpoint, with static credentials and region us-east-1.
func SQSClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// portWatcher is the emulator's stdout: it passes on the port of the first "listening <port>" line.
type portWatcher struct {
	mu   sync.Mutex
	buf  []byte
	port chan string
	sent bool
}

func (w *portWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		line, rest, ok := bytes.Cut(w.buf, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		w.buf = rest
		if port, found := strings.CutPrefix(strings.TrimSpace(string(line)), "listening "); found {
			w.sent = true
			w.port <- port
			return len(p), nil
		}
	}
}

// receiveTarget is the X-Amz-Target of ReceiveMessage in the SQS JSON protocol.
const receiveTarget = "AmazonSQS.ReceiveMessage"

// SQSPromptEndpoint puts a proxy in front of the SQS emulator at endpoint and returns the proxy's URL (stopped in
// t.Cleanup). local-aws-sqs waits out the whole WaitTimeSeconds of a receive with MaxNumberOfMessages above 1 even
// when messages are there (AWS-TESTING.md); SQS answers as soon as it has one. The proxy passes every call on
// unchanged but such receives, which it sends with MaxNumberOfMessages 1: the emulator answers those as soon as a
// message is there, and the receiver gets fewer messages than it asked for, which SQS allows too. Long-polling
// consumers (shared/eventbus) then see messages at once, as on SQS.
func SQSPromptEndpoint(t testing.TB, endpoint string) string {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("awstest: sqs endpoint %q: %v", endpoint, err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			if r.In.Header.Get("X-Amz-Target") != receiveTarget {
				return
			}
			body, err := io.ReadAll(r.In.Body)
			if err != nil {
				return // the emulator gets the truncated body and answers with an error
			}
			body = promptReceive(body)
			r.Out.Body = io.NopCloser(bytes.NewReader(body))
			r.Out.ContentLength = int64(len(body))
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

// promptReceive rewrites a ReceiveMessage request body that long-polls for several messages to ask for one.
func promptReceive(body []byte) []byte {
	var in map[string]json.RawMessage
	if json.Unmarshal(body, &in) != nil {
		return body
	}
	var wait, most int
	json.Unmarshal(in["WaitTimeSeconds"], &wait)
	json.Unmarshal(in["MaxNumberOfMessages"], &most)
	if wait <= 0 || most <= 1 {
		return body
	}
	in["MaxNumberOfMessages"] = json.RawMessage("1")
	out, err := json.Marshal(in)
	if err != nil {
		return body
	}
	return out
}
