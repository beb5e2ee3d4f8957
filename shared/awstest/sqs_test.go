package awstest_test

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/awstest"
)

// TestSQS starts the emulator, uses it, and checks that t.Cleanup stopped it.
func TestSQS(t *testing.T) {
	var endpoint string
	t.Run("use", func(t *testing.T) {
		endpoint = awstest.SQSEndpoint(t)
		u, err := url.Parse(endpoint)
		if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" {
			t.Fatalf("endpoint %q, want http://127.0.0.1:<port>", endpoint)
		}
		client := awstest.SQSClient(endpoint)
		out, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String("probe")})
		if err != nil {
			t.Fatalf("CreateQueue: %v", err)
		}
		if !strings.HasPrefix(aws.ToString(out.QueueUrl), endpoint+"/") {
			t.Errorf("queue URL %q is not on %s", aws.ToString(out.QueueUrl), endpoint)
		}
		// A second emulator is a separate, empty SQS.
		other := awstest.SQS(t)
		list, err := other.ListQueues(t.Context(), &sqs.ListQueuesInput{})
		if err != nil || len(list.QueueUrls) != 0 {
			t.Errorf("second emulator lists %v (%v), want no queues", list, err)
		}
	})
	host := strings.TrimPrefix(endpoint, "http://")
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		conn, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(end) {
			t.Fatalf("the emulator on %s still listens after its test ended", host)
		}
	}
}

// fatalRecorder keeps the message of Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }

func TestToolsDirMissing(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(awstest.ToolsEnv, empty)
	r := &fatalRecorder{TB: t}
	awstest.ToolsDir(r)
	if !strings.Contains(r.msg, "run make tools") || !strings.Contains(r.msg, empty) {
		t.Errorf("ToolsDir failed with %q, want the directory and \"run make tools\"", r.msg)
	}
}

func TestToolsDirFromModuleRoot(t *testing.T) {
	t.Setenv(awstest.ToolsEnv, "")
	dir := awstest.ToolsDir(t)
	if !strings.HasSuffix(dir, "/.tools") {
		t.Errorf("ToolsDir = %q, want .tools beside go.mod", dir)
	}
}

// Through the prompt proxy a long poll for several messages answers as soon as one is there, on a standard and a
// FIFO queue, and other calls pass through unchanged.
func TestSQSPromptEndpoint(t *testing.T) {
	endpoint := awstest.SQSEndpoint(t)
	client := awstest.SQSClient(awstest.SQSPromptEndpoint(t, endpoint))
	cases := []struct {
		queue string
		attrs map[string]string
		group *string
	}{
		{"prompt", nil, nil},
		{"prompt.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, aws.String("g1")},
	}
	for _, c := range cases {
		t.Run(c.queue, func(t *testing.T) {
			q, err := client.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(c.queue), Attributes: c.attrs})
			if err != nil {
				t.Fatalf("CreateQueue: %v", err)
			}
			// The emulator alone would wait out the 5 s although the message is there.
			if _, err := client.SendMessage(t.Context(), &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("hello"),
				MessageGroupId: c.group}); err != nil {
				t.Fatalf("SendMessage: %v", err)
			}
			start := time.Now()
			out, err := client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
				WaitTimeSeconds: 5})
			took := time.Since(start)
			if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "hello" {
				t.Fatalf("ReceiveMessage: %+v, %v; want the message", out, err)
			}
			if took > 2*time.Second {
				t.Errorf("the long poll answered after %s, want at once", took)
			}
		})
	}
}
