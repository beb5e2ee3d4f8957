package sqs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/queuetest"
	"github.com/waqtor/waqtor/shared/sqs"
)

var prefixes atomic.Int64

// newPrefix gives every test its own queues on the shared emulator.
func newPrefix() string { return fmt.Sprintf("t%d-", prefixes.Add(1)) }

func TestQueueContract(t *testing.T) {
	client := awstest.SQS(t)
	queuetest.Run(t, func(t *testing.T, specs []queue.Spec) queue.Queue {
		prefix := newPrefix()
		if err := sqs.EnsureQueues(t.Context(), client, prefix, specs); err != nil {
			t.Fatalf("EnsureQueues: %v", err)
		}
		q, err := sqs.NewQueue(client, prefix, specs...)
		if err != nil {
			t.Fatalf("NewQueue: %v", err)
		}
		return q
	}, queuetest.Features{
		Slack:                         100 * time.Millisecond,
		WakeUp:                        time.Second,
		LenientReceipts:               true,
		ChangeVisibilityCountsReceive: true,
		FIFOGroupsUnblocked:           true,
		DeadLetterResetsSentAt:        true,
	})
}

func TestEnsureQueues(t *testing.T) {
	ctx := t.Context()
	client := awstest.SQS(t)
	prefix := newPrefix()
	specs := []queue.Spec{
		{Name: "work.fifo", FIFO: true, VisibilityTimeout: 45 * time.Second, MaxReceives: 3, DeadLetter: "work-dlq.fifo", Retention: time.Hour},
		{Name: "work-dlq.fifo", FIFO: true},
	}
	if err := sqs.EnsureQueues(ctx, client, prefix, specs); err != nil {
		t.Fatalf("EnsureQueues: %v", err)
	}
	attrs := func(name string) map[string]string {
		t.Helper()
		u, err := client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(prefix + name)})
		if err != nil {
			t.Fatalf("GetQueueUrl(%s): %v", name, err)
		}
		out, err := client.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
			QueueUrl: u.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll}})
		if err != nil {
			t.Fatalf("GetQueueAttributes(%s): %v", name, err)
		}
		return out.Attributes
	}
	check := func(vt string) {
		t.Helper()
		work, dlq := attrs("work.fifo"), attrs("work-dlq.fifo")
		if work["VisibilityTimeout"] != vt || work["MessageRetentionPeriod"] != "3600" || work["FifoQueue"] != "true" {
			t.Errorf("work.fifo attributes %v, want VisibilityTimeout %s, MessageRetentionPeriod 3600, FifoQueue true", work, vt)
		}
		if dlq["VisibilityTimeout"] != "30" || dlq["MessageRetentionPeriod"] != "345600" || dlq["FifoQueue"] != "true" {
			t.Errorf("work-dlq.fifo attributes %v, want the defaults 30 s and 4 days, FIFO", dlq)
		}
		var policy struct {
			Target string `json:"deadLetterTargetArn"`
			Max    any    `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(work["RedrivePolicy"]), &policy); err != nil {
			t.Fatalf("RedrivePolicy %q: %v", work["RedrivePolicy"], err)
		}
		if policy.Target != dlq["QueueArn"] || fmt.Sprint(policy.Max) != "3" {
			t.Errorf("RedrivePolicy %q, want %s after 3 receives", work["RedrivePolicy"], dlq["QueueArn"])
		}
	}
	check("45")
	// Again, with a changed spec: the existing queue is updated.
	specs[0].VisibilityTimeout = 20 * time.Second
	if err := sqs.EnsureQueues(ctx, client, prefix, specs); err != nil {
		t.Fatalf("EnsureQueues again: %v", err)
	}
	check("20")

	if err := sqs.EnsureQueues(ctx, client, prefix, []queue.Spec{{Name: "work.fifo"}}); err == nil {
		t.Error("EnsureQueues accepted a standard-queue spec with a FIFO name")
	}
	if err := sqs.EnsureQueues(ctx, client, "bad prefix ", specs); err == nil {
		t.Error("EnsureQueues accepted a prefix with spaces")
	}
}

// TestQueueMissingInSQS: a declared queue that nobody created is queue.ErrUnknownQueue, and so not cached.
func TestQueueMissingInSQS(t *testing.T) {
	ctx := t.Context()
	client := awstest.SQS(t)
	prefix := newPrefix()
	specs := []queue.Spec{{Name: "later"}}
	q, err := sqs.NewQueue(client, prefix, specs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Send(ctx, "later", queue.Outgoing{Body: []byte("x")}); !errors.Is(err, queue.ErrUnknownQueue) {
		t.Fatalf("Send to a queue missing in SQS: %v, want ErrUnknownQueue", err)
	}
	if err := sqs.EnsureQueues(ctx, client, prefix, specs); err != nil {
		t.Fatal(err)
	}
	if err := q.Send(ctx, "later", queue.Outgoing{Body: []byte("x")}); err != nil {
		t.Fatalf("Send once the queue exists: %v", err)
	}
}

// counting wraps the client and counts its calls.
type counting struct {
	sqs.API
	mu    sync.Mutex
	calls map[string]int
	batch func(*awssqs.SendMessageBatchInput) (*awssqs.SendMessageBatchOutput, error)
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}

func (c *counting) n(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *counting) GetQueueUrl(ctx context.Context, in *awssqs.GetQueueUrlInput, optFns ...func(*awssqs.Options)) (*awssqs.GetQueueUrlOutput, error) {
	c.count("GetQueueUrl")
	return c.API.GetQueueUrl(ctx, in, optFns...)
}

func (c *counting) SendMessageBatch(ctx context.Context, in *awssqs.SendMessageBatchInput, optFns ...func(*awssqs.Options)) (*awssqs.SendMessageBatchOutput, error) {
	c.count("SendMessageBatch")
	if c.batch != nil {
		return c.batch(in)
	}
	return c.API.SendMessageBatch(ctx, in, optFns...)
}

// TestQueueBatchesBySize: ten messages of 100 KiB go out in batches within the 256 KiB limit, all arrive, and the
// queue URL is looked up once.
func TestQueueBatchesBySize(t *testing.T) {
	ctx := t.Context()
	client := &counting{API: awstest.SQS(t)}
	prefix := newPrefix()
	specs := []queue.Spec{{Name: "big"}}
	if err := sqs.EnsureQueues(ctx, client, prefix, specs); err != nil {
		t.Fatal(err)
	}
	q, err := sqs.NewQueue(client, prefix, specs...)
	if err != nil {
		t.Fatal(err)
	}
	urlCalls := client.n("GetQueueUrl")
	var msgs []queue.Outgoing
	for i := range queue.MaxBatch {
		msgs = append(msgs, queue.Outgoing{Body: []byte(fmt.Sprintf("%d%s", i, strings.Repeat("x", 100*1024)))})
	}
	if err := q.Send(ctx, "big", msgs...); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := client.n("SendMessageBatch"); got != 5 {
		t.Errorf("%d SendMessageBatch calls for ten 100 KiB messages, want 5 (two per 256 KiB batch)", got)
	}
	seen := map[byte]bool{}
	for end := time.Now().Add(10 * time.Second); len(seen) < len(msgs) && time.Now().Before(end); {
		got, err := q.Receive(ctx, "big", queue.ReceiveOptions{Max: queue.MaxBatch})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			if len(m.Body) != 100*1024+1 {
				t.Errorf("body of %d bytes, want %d", len(m.Body), 100*1024+1)
			}
			seen[m.Body[0]] = true
		}
	}
	if len(seen) != len(msgs) {
		t.Errorf("received %d of %d messages", len(seen), len(msgs))
	}
	if got := client.n("GetQueueUrl") - urlCalls; got != 1 {
		t.Errorf("%d GetQueueUrl calls, want 1 (cached)", got)
	}
}

// TestQueuePartialFailure: messages that SQS refuses in a batch are named in a *sqs.SendError.
func TestQueuePartialFailure(t *testing.T) {
	ctx := t.Context()
	client := &counting{API: awstest.SQS(t)}
	prefix := newPrefix()
	specs := []queue.Spec{{Name: "work"}}
	if err := sqs.EnsureQueues(ctx, client, prefix, specs); err != nil {
		t.Fatal(err)
	}
	client.batch = func(in *awssqs.SendMessageBatchInput) (*awssqs.SendMessageBatchOutput, error) {
		out := &awssqs.SendMessageBatchOutput{}
		for _, e := range in.Entries {
			if strings.HasPrefix(aws.ToString(e.MessageBody), "bad") {
				out.Failed = append(out.Failed, types.BatchResultErrorEntry{
					Id: e.Id, Code: aws.String("InvalidParameterValue"), Message: aws.String("refused"), SenderFault: true})
				continue
			}
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m")})
		}
		return out, nil
	}
	q, err := sqs.NewQueue(client, prefix, specs...)
	if err != nil {
		t.Fatal(err)
	}
	err = q.Send(ctx, "work", queue.Outgoing{Body: []byte("ok")}, queue.Outgoing{Body: []byte("bad 1")},
		queue.Outgoing{Body: []byte("ok")}, queue.Outgoing{Body: []byte("bad 3")})
	var sendErr *sqs.SendError
	if !errors.As(err, &sendErr) {
		t.Fatalf("Send = %v, want a *sqs.SendError", err)
	}
	if len(sendErr.Failed) != 2 || sendErr.Failed[0].Index != 1 || sendErr.Failed[1].Index != 3 || sendErr.Total != 4 {
		t.Errorf("SendError %+v, want messages 1 and 3 of 4 failed", sendErr)
	}
	if !errors.Is(err, queue.ErrInvalidMessage) || !strings.Contains(err.Error(), "#3 InvalidParameterValue: refused") {
		t.Errorf("error %q, want ErrInvalidMessage naming each failed message", err)
	}
}

func TestNewQueueRejectsLongNames(t *testing.T) {
	_, err := sqs.NewQueue(nil, strings.Repeat("p", 60), queue.Spec{Name: strings.Repeat("n", 21)})
	if err == nil || !strings.Contains(err.Error(), "more than 80") {
		t.Errorf("NewQueue = %v, want the 81-character SQS name refused", err)
	}
}

// pollingSQS is SQS as a long poll sees it: ReceiveMessage waits for a message the test hands over, and gives it
// to the request even if the client has gone (its context ended), as SQS may; the message is then in flight.
type pollingSQS struct {
	sqs.API
	started chan struct{}      // a ReceiveMessage is waiting
	arrive  chan types.Message // hands a message to the waiting poll
	mu      sync.Mutex
	visible []string // receipt handles made visible again (ChangeMessageVisibility 0)
}

func (p *pollingSQS) GetQueueUrl(context.Context, *awssqs.GetQueueUrlInput, ...func(*awssqs.Options)) (*awssqs.GetQueueUrlOutput, error) {
	return &awssqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs.example/123456789012/work")}, nil
}

func (p *pollingSQS) ReceiveMessage(ctx context.Context, _ *awssqs.ReceiveMessageInput, _ ...func(*awssqs.Options)) (*awssqs.ReceiveMessageOutput, error) {
	p.started <- struct{}{}
	select {
	case m := <-p.arrive:
		return &awssqs.ReceiveMessageOutput{Messages: []types.Message{m}}, nil
	case <-ctx.Done():
		// The client went away, but the poll still takes the next message, which stays in flight until its
		// visibility timeout ends.
		go func() { <-p.arrive }()
		return nil, ctx.Err()
	}
}

func (p *pollingSQS) ChangeMessageVisibility(_ context.Context, in *awssqs.ChangeMessageVisibilityInput, _ ...func(*awssqs.Options)) (*awssqs.ChangeMessageVisibilityOutput, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if in.VisibilityTimeout == 0 {
		p.visible = append(p.visible, aws.ToString(in.ReceiptHandle))
	}
	return &awssqs.ChangeMessageVisibilityOutput{}, nil
}

// TestQueueReceiveCancelled: a long poll whose caller goes away returns at once, and what SQS hands it afterwards
// is made visible again (not left in flight for the visibility timeout); Close waits for that.
func TestQueueReceiveCancelled(t *testing.T) {
	api := &pollingSQS{started: make(chan struct{}), arrive: make(chan types.Message)}
	q, err := sqs.NewQueue(api, "p-", queue.Spec{Name: "work"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan error, 1)
	go func() {
		_, err := q.Receive(ctx, "work", queue.ReceiveOptions{Max: 10, Wait: 10 * time.Second})
		got <- err
	}()
	<-api.started
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive = %v, want context.Canceled at once", err)
	}
	api.arrive <- types.Message{MessageId: aws.String("m1"), ReceiptHandle: aws.String("rh-1"), Body: aws.String("x")}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.visible) != 1 || api.visible[0] != "rh-1" {
		t.Errorf("made visible again: %q, want the message the abandoned poll got (rh-1)", api.visible)
	}
}
