package awstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// esmIdle is how long the poller waits after an empty receive before the next one.
const esmIdle = 50 * time.Millisecond

// SQSBatch is one invocation made by an SQSPoller.
type SQSBatch struct {
	// Received are the message IDs of the batch, in the order of the event's records.
	Received []string
	// Failed are the messages left in the queue: those listed in batchItemFailures, or all of them when the
	// invocation failed or its response was not a valid SQSEventResponse.
	Failed []string
	// Deleted are the messages deleted from the queue.
	Deleted []string
	// Err is why the whole batch failed (a function error, an invalid response), or nil.
	Err error
}

// SQSPoller is the test's stand-in for a Lambda event source mapping on an SQS queue with
// ReportBatchItemFailures (RIE does not emulate mappings).
type SQSPoller struct {
	client   *sqs.Client
	queueURL string
	queueARN string
	fn       *LambdaFn
	size     int
	t        testing.TB

	stop context.CancelFunc
	done chan struct{}

	mu      sync.Mutex
	batches []SQSBatch
}

// PollSQS starts polling queueURL in the background, as the event source mapping of fn does on AWS: it receives up
// to batchSize (at most 10) messages, invokes fn with them as an events.SQSEvent, and deletes the records the
// response does not list in batchItemFailures. A failed invocation, or a response naming an unknown or empty item,
// fails the whole batch, which stays in the queue until its visibility timeout ends, as on AWS. Polling stops
// when ctx ends, on Stop, or in t.Cleanup.
//
// Receives use WaitTimeSeconds 0 and the legacy AttributeNames All (the SQS emulator waits out every long poll
// for batches and ignores MessageSystemAttributeNames; see AWS-TESTING.md), then wait 50 ms when the queue is empty.
func PollSQS(t testing.TB, ctx context.Context, client *sqs.Client, queueURL string, fn *LambdaFn, batchSize int) *SQSPoller {
	t.Helper()
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("awstest: ARN of queue %s: %v", queueURL, err)
	}
	ctx, stop := context.WithCancel(ctx)
	p := &SQSPoller{client: client, queueURL: queueURL, fn: fn, size: min(max(batchSize, 1), 10), t: t,
		queueARN: attrs.Attributes[string(types.QueueAttributeNameQueueArn)], stop: stop, done: make(chan struct{})}
	go p.run(ctx)
	t.Cleanup(p.Stop)
	return p
}

// Stop stops polling and waits for the batch in flight to finish.
func (p *SQSPoller) Stop() {
	p.stop()
	<-p.done
}

// Batches returns the invocations made so far, oldest first.
func (p *SQSPoller) Batches() []SQSBatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.batches)
}

func (p *SQSPoller) run(ctx context.Context) {
	defer close(p.done)
	for ctx.Err() == nil {
		got, err := p.pollOnce(ctx)
		if err != nil && ctx.Err() == nil {
			p.t.Errorf("awstest: poll %s: %v", p.queueURL, err)
		}
		if got && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(esmIdle):
		}
	}
}

// pollOnce receives one batch and hands it to the function; it reports whether there was a batch.
func (p *SQSPoller) pollOnce(ctx context.Context) (bool, error) {
	out, err := p.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:            aws.String(p.queueURL),
		MaxNumberOfMessages: int32(p.size),
		WaitTimeSeconds:     0,
		//lint:ignore SA1019 the SQS emulator honours only the legacy field (AWS-TESTING.md).
		AttributeNames:              []types.QueueAttributeName{types.QueueAttributeNameAll},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return false, fmt.Errorf("receive: %w", err)
	}
	if len(out.Messages) == 0 {
		return false, nil
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	b := SQSBatch{}
	handles := map[string]string{}
	for i, m := range out.Messages {
		ev.Records[i] = p.record(m)
		id := aws.ToString(m.MessageId)
		b.Received = append(b.Received, id)
		handles[id] = aws.ToString(m.ReceiptHandle)
	}

	var res events.SQSEventResponse
	b.Err = p.fn.InvokeJSON(ctx, ev, &res)
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		if _, ok := handles[f.ItemIdentifier]; !ok && b.Err == nil {
			b.Err = fmt.Errorf("batchItemFailures names %q, which is not in the batch", f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	var del []types.DeleteMessageBatchRequestEntry
	for i, id := range b.Received {
		if b.Err != nil || failed[id] {
			b.Failed = append(b.Failed, id)
			continue
		}
		del = append(del, types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: aws.String(handles[id])})
	}
	var derr error
	if len(del) > 0 {
		dout, err := p.client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{
			QueueUrl: aws.String(p.queueURL), Entries: del})
		if err != nil {
			derr = fmt.Errorf("delete: %w", err)
		} else {
			for _, e := range dout.Successful {
				i, _ := strconv.Atoi(aws.ToString(e.Id))
				b.Deleted = append(b.Deleted, b.Received[i])
			}
			for _, e := range dout.Failed {
				derr = errors.Join(derr, fmt.Errorf("delete %s: %s: %s", aws.ToString(e.Id), aws.ToString(e.Code), aws.ToString(e.Message)))
			}
		}
	}
	p.mu.Lock()
	p.batches = append(p.batches, b)
	p.mu.Unlock()
	return true, derr
}

// record is the event record Lambda builds from a received message.
func (p *SQSPoller) record(m types.Message) events.SQSMessage {
	r := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             m.Attributes,
		MessageAttributes:      map[string]events.SQSMessageAttribute{},
		EventSource:            "aws:sqs",
		EventSourceARN:         p.queueARN,
		AWSRegion:              Region,
	}
	for k, v := range m.MessageAttributes {
		r.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: v.StringValue, BinaryValue: v.BinaryValue,
			StringListValues: v.StringListValues, BinaryListValues: v.BinaryListValues, DataType: aws.ToString(v.DataType)}
	}
	return r
}
