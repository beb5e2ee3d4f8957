package awstest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/testkit"
)

// buildTestFunction builds testdata/sqsfn for the host, as a Lambda bootstrap.
func buildTestFunction(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "sqsfn", "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, "./testdata/sqsfn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/sqsfn: %v\n%s", err, b)
	}
	return out
}

func TestLambdaInvoke(t *testing.T) {
	fn := awstest.Lambda(t, buildTestFunction(t), nil)
	if fn.Name != "sqsfn" {
		t.Errorf("function name %q, want sqsfn (the bootstrap's directory)", fn.Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	tests := []struct {
		name     string
		payload  string
		wantErr  *awstest.FunctionError // nil: the payload comes back
		wantBody string
	}{
		{name: "answer", payload: `{"do":"echo","n":1}`, wantBody: `{"do":"echo","n":1}`},
		{name: "returned error", payload: `{"do":"error"}`, wantErr: &awstest.FunctionError{Status: 200, Type: "errorString", Message: "boom"}},
		{name: "panic", payload: `{"do":"panic"}`, wantErr: &awstest.FunctionError{Status: 502, Type: "string", Message: "kaboom"}},
		{name: "answer after the runtime restarted", payload: `{"do":"echo","n":2}`, wantBody: `{"do":"echo","n":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := fn.Invoke(ctx, []byte(tt.payload))
			if tt.wantErr == nil {
				if err != nil || string(got) != tt.wantBody {
					t.Fatalf("Invoke = %s, %v; want %s", got, err, tt.wantBody)
				}
				return
			}
			var fe *awstest.FunctionError
			if !errors.As(err, &fe) {
				t.Fatalf("Invoke = %s, %v; want a *FunctionError", got, err)
			}
			if fe.Status != tt.wantErr.Status || fe.Type != tt.wantErr.Type || fe.Message != tt.wantErr.Message {
				t.Errorf("FunctionError status %d type %q message %q, want %d %q %q",
					fe.Status, fe.Type, fe.Message, tt.wantErr.Status, tt.wantErr.Type, tt.wantErr.Message)
			}
		})
	}
}

// TestPollSQS checks the event source mapping rules: records listed in batchItemFailures stay, the others are
// deleted, and a failed invocation or a response naming an unknown record keeps the whole batch.
func TestPollSQS(t *testing.T) {
	fn := awstest.Lambda(t, buildTestFunction(t), nil)
	client := awstest.SQS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	tests := []struct {
		name      string
		bodies    []string
		wantKept  []string // bodies of the records left in the queue
		wholeFail bool     // the batch failed as a whole
	}{
		{name: "all handled", bodies: []string{"a", "b"}},
		{name: "partial failure", bodies: []string{"a", "fail", "b"}, wantKept: []string{"fail"}},
		{name: "function error", bodies: []string{"a", "crash"}, wantKept: []string{"a", "crash"}, wholeFail: true},
		{name: "unknown item identifier", bodies: []string{"a", "bogus"}, wantKept: []string{"a", "bogus"}, wholeFail: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("poll-" + string(rune('a'+i))),
				Attributes: map[string]string{"VisibilityTimeout": "30"}})
			if err != nil {
				t.Fatal(err)
			}
			entries := make([]sqstypes.SendMessageBatchRequestEntry, len(tt.bodies))
			for j, b := range tt.bodies {
				entries[j] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(string(rune('a' + j))), MessageBody: aws.String(b)}
			}
			sent, err := client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
			if err != nil || len(sent.Failed) > 0 {
				t.Fatalf("send: %v %+v", err, sent)
			}
			bodyOf := map[string]string{}
			for _, s := range sent.Successful {
				j := int(aws.ToString(s.Id)[0] - 'a')
				bodyOf[aws.ToString(s.MessageId)] = tt.bodies[j]
			}

			p := awstest.PollSQS(t, ctx, client, aws.ToString(q.QueueUrl), fn, 10)
			testkit.UntilWhy(t, 10*time.Second, "the poller receiving every message", func() (bool, string) {
				seen := 0
				for _, b := range p.Batches() {
					seen += len(b.Received)
				}
				return seen >= len(tt.bodies), fmt.Sprintf("it received %d of %d", seen, len(tt.bodies))
			})
			p.Stop()

			var kept, deleted []string
			for _, b := range p.Batches() {
				if len(b.Received) != len(tt.bodies) {
					t.Fatalf("batch of %d, want all %d messages in one batch", len(b.Received), len(tt.bodies))
				}
				if (b.Err != nil) != tt.wholeFail {
					t.Errorf("batch error %v, want an error: %t", b.Err, tt.wholeFail)
				}
				for _, id := range b.Failed {
					kept = append(kept, bodyOf[id])
				}
				for _, id := range b.Deleted {
					deleted = append(deleted, bodyOf[id])
				}
			}
			slices.Sort(kept)
			want := slices.Sorted(slices.Values(tt.wantKept))
			if !slices.Equal(kept, want) {
				t.Errorf("kept %q, want %q", kept, want)
			}
			if len(kept)+len(deleted) != len(tt.bodies) {
				t.Errorf("kept %q and deleted %q, want every one of %q exactly once", kept, deleted, tt.bodies)
			}
			attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				t.Fatal(err)
			}
			if got := attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)]; got != string(rune('0'+len(want))) {
				t.Errorf("%s messages in flight, want the %d kept", got, len(want))
			}
		})
	}
}

func TestSecretsManager(t *testing.T) {
	sm := awstest.NewSecretsManager(t)
	arn := sm.Put("token", "s3cret")
	client := sm.Client()
	ctx := context.Background()

	for _, id := range []string{arn, "token"} {
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			t.Fatalf("GetSecretValue(%s): %v", id, err)
		}
		if aws.ToString(out.SecretString) != "s3cret" || aws.ToString(out.ARN) != arn || aws.ToString(out.Name) != "token" {
			t.Errorf("GetSecretValue(%s) = %s %s %s", id, aws.ToString(out.ARN), aws.ToString(out.Name), aws.ToString(out.SecretString))
		}
	}
	_, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("missing")})
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetSecretValue(missing) error %v, want *ResourceNotFoundException", err)
	}
	if got, want := sm.Reads(), []string{arn, "token", "missing"}; !slices.Equal(got, want) {
		t.Errorf("Reads() = %q, want %q", got, want)
	}
}
