// Package sqs holds the Amazon SQS adapters of the AWS runtime: sqs.Queue implements queue.Queue, and
// EnsureQueues creates the queues of a set of specs where no CDK stack does it.
package sqs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/waqtor/waqtor/shared/queue"
)

// API is the part of the SQS client that this package calls; *sqs.Client implements it.
type API interface {
	GetQueueUrl(ctx context.Context, in *awssqs.GetQueueUrlInput, optFns ...func(*awssqs.Options)) (*awssqs.GetQueueUrlOutput, error)
	SendMessageBatch(ctx context.Context, in *awssqs.SendMessageBatchInput, optFns ...func(*awssqs.Options)) (*awssqs.SendMessageBatchOutput, error)
	ReceiveMessage(ctx context.Context, in *awssqs.ReceiveMessageInput, optFns ...func(*awssqs.Options)) (*awssqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *awssqs.DeleteMessageInput, optFns ...func(*awssqs.Options)) (*awssqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *awssqs.ChangeMessageVisibilityInput, optFns ...func(*awssqs.Options)) (*awssqs.ChangeMessageVisibilityOutput, error)
	CreateQueue(ctx context.Context, in *awssqs.CreateQueueInput, optFns ...func(*awssqs.Options)) (*awssqs.CreateQueueOutput, error)
	GetQueueAttributes(ctx context.Context, in *awssqs.GetQueueAttributesInput, optFns ...func(*awssqs.Options)) (*awssqs.GetQueueAttributesOutput, error)
	SetQueueAttributes(ctx context.Context, in *awssqs.SetQueueAttributesInput, optFns ...func(*awssqs.Options)) (*awssqs.SetQueueAttributesOutput, error)
}

var _ API = (*awssqs.Client)(nil)

// Queue is queue.Queue on Amazon SQS. The queue named n in the specs is the SQS queue Prefix+n; its URL is looked up
// once and cached. Visibility timeouts, delays and waits are whole seconds on SQS, so they are rounded up.
//
// Every call applies the spec, not the SQS queue's settings: a receive asks for the spec's visibility timeout, and a
// FIFO message without DedupID gets a fresh deduplication ID (so it is never dropped as a duplicate, whether or not
// the queue has content-based deduplication).
type Queue struct {
	api    API
	prefix string
	specs  map[string]queue.Spec

	mu   sync.Mutex
	urls map[string]string

	// abandoned counts the long polls whose caller went away (Receive's context ended) and that still run, to give
	// back what they get; Close waits for them.
	abandoned sync.WaitGroup
}

// giveBackTimeout bounds the calls that make the messages of an abandoned long poll visible again, and the time an
// abandoned poll may run past its wait.
const giveBackTimeout = 10 * time.Second

var _ queue.Queue = (*Queue)(nil)

// NewQueue returns the queue for the given specs (queue.Catalog when none are given) on the SQS queues named
// prefix + spec name. It makes no call: a queue that does not exist shows up as queue.ErrUnknownQueue on use.
func NewQueue(api API, prefix string, specs ...queue.Spec) (*Queue, error) {
	if len(specs) == 0 {
		specs = queue.Catalog
	}
	if err := validatePrefixed(prefix, specs); err != nil {
		return nil, err
	}
	return &Queue{api: api, prefix: prefix, specs: queue.Specs(specs), urls: make(map[string]string)}, nil
}

func validatePrefixed(prefix string, specs []queue.Spec) error {
	errs := []error{queue.ValidateSpecs(specs)}
	if strings.IndexFunc(prefix, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		errs = append(errs, fmt.Errorf("prefix %q may hold only letters, digits, '-' and '_'", prefix))
	}
	for _, s := range specs {
		if n := len(prefix + s.Name); n > 80 {
			errs = append(errs, fmt.Errorf("queue %q: SQS name %q is %d characters, more than 80", s.Name, prefix+s.Name, n))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("queue specs: %w", err)
	}
	return nil
}

func (q *Queue) spec(name string) (queue.Spec, error) {
	s, ok := q.specs[name]
	if !ok {
		return s, fmt.Errorf("%w: %q", queue.ErrUnknownQueue, name)
	}
	return s, nil
}

// url returns the URL of the SQS queue behind name, from the cache or GetQueueUrl.
func (q *Queue) url(ctx context.Context, name string) (string, error) {
	q.mu.Lock()
	u, ok := q.urls[name]
	q.mu.Unlock()
	if ok {
		return u, nil
	}
	out, err := q.api.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(q.prefix + name)})
	if err != nil {
		return "", fmt.Errorf("url of %s: %w", q.prefix+name, mapError(err))
	}
	u = aws.ToString(out.QueueUrl)
	q.mu.Lock()
	q.urls[name] = u
	q.mu.Unlock()
	return u, nil
}

// Send sends the messages with SendMessageBatch, in as many calls as the SQS limit of 256 KiB per batch needs.
// Messages that SQS refuses are reported in a *SendError; the others are sent.
func (q *Queue) Send(ctx context.Context, name string, msgs ...queue.Outgoing) error {
	spec, err := q.spec(name)
	if err != nil {
		return err
	}
	if err := queue.ValidateSend(spec, msgs); err != nil {
		return fmt.Errorf("send to %s: %w", name, err)
	}
	u, err := q.url(ctx, name)
	if err != nil {
		return fmt.Errorf("send to %s: %w", name, err)
	}
	sendErr := &SendError{Queue: name, Total: len(msgs)}
	for _, chunk := range chunks(msgs) {
		entries := make([]types.SendMessageBatchRequestEntry, 0, chunk.end-chunk.start)
		for i := chunk.start; i < chunk.end; i++ {
			entries = append(entries, entry(spec, i, msgs[i]))
		}
		out, err := q.api.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(u), Entries: entries})
		if err != nil {
			if chunk.start == 0 {
				return fmt.Errorf("send to %s: %w", name, mapError(err))
			}
			return fmt.Errorf("send to %s: messages %d to %d (the ones before went): %w", name, chunk.start, len(msgs)-1, mapError(err))
		}
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			sendErr.Failed = append(sendErr.Failed, FailedMessage{
				Index: i, Code: aws.ToString(f.Code), Message: aws.ToString(f.Message), SenderFault: f.SenderFault,
			})
		}
	}
	if len(sendErr.Failed) > 0 {
		return sendErr
	}
	return nil
}

type span struct{ start, end int }

// chunks splits msgs into runs whose total size stays within the SQS batch limit (the size of one message).
func chunks(msgs []queue.Outgoing) []span {
	var out []span
	start, size := 0, 0
	for i, m := range msgs {
		n := queue.Size(m)
		if i > start && size+n > queue.MaxMessageSize {
			out = append(out, span{start, i})
			start, size = i, 0
		}
		size += n
	}
	return append(out, span{start, len(msgs)})
}

func entry(spec queue.Spec, i int, m queue.Outgoing) types.SendMessageBatchRequestEntry {
	e := types.SendMessageBatchRequestEntry{
		Id:           aws.String(strconv.Itoa(i)),
		MessageBody:  aws.String(string(m.Body)),
		DelaySeconds: seconds(m.Delay),
	}
	if len(m.Attributes) > 0 {
		e.MessageAttributes = make(map[string]types.MessageAttributeValue, len(m.Attributes))
		for k, v := range m.Attributes {
			e.MessageAttributes[k] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	if spec.FIFO {
		e.MessageGroupId = aws.String(m.GroupID)
		dedup := m.DedupID
		if dedup == "" {
			dedup = rand.Text()
		}
		e.MessageDeduplicationId = aws.String(dedup)
	}
	return e
}

// seconds rounds d up to whole seconds, the unit of SQS.
func seconds(d time.Duration) int32 {
	return int32((d + time.Second - 1) / time.Second)
}

// Receive calls ReceiveMessage once. With opt.Wait it long-polls; SQS returns as soon as it has a message.
//
// A long poll is not abandoned when ctx ends: SQS may still hand it messages, which would then stay invisible for
// their visibility timeout (and on a FIFO queue hold back their group) with no one to process them. Receive
// returns at once with ctx's error, and the poll finishes in the background, bounded by its wait, making whatever
// it gets visible again. Close waits for those polls.
func (q *Queue) Receive(ctx context.Context, name string, opt queue.ReceiveOptions) ([]queue.Message, error) {
	spec, err := q.spec(name)
	if err != nil {
		return nil, err
	}
	if opt, err = opt.Normalize(spec); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", name, err)
	}
	u, err := q.url(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", name, err)
	}
	in := &awssqs.ReceiveMessageInput{
		QueueUrl:            aws.String(u),
		MaxNumberOfMessages: int32(opt.Max),
		VisibilityTimeout:   seconds(opt.Visibility),
		WaitTimeSeconds:     seconds(opt.Wait),
		// local-aws-sqs ignores MessageSystemAttributeNames; SQS takes both.
		//lint:ignore SA1019 the deprecated field is the one the emulator reads
		AttributeNames:              []types.QueueAttributeName{types.QueueAttributeNameAll},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	}
	var out *awssqs.ReceiveMessageOutput
	if opt.Wait == 0 {
		out, err = q.api.ReceiveMessage(ctx, in)
	} else {
		out, err = q.longPoll(ctx, u, in, opt.Wait)
	}
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", name, mapError(err))
	}
	msgs := make([]queue.Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		msg, err := message(m)
		if err != nil {
			return nil, fmt.Errorf("receive from %s: %w", name, err)
		}
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

// longPoll runs the receive on a context of its own, bounded by the wait; if ctx ends first it returns ctx's
// error and leaves the poll to give back what it gets.
func (q *Queue) longPoll(ctx context.Context, url string, in *awssqs.ReceiveMessageInput, wait time.Duration) (*awssqs.ReceiveMessageOutput, error) {
	type result struct {
		out *awssqs.ReceiveMessageOutput
		err error
	}
	done := make(chan result, 1)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait+giveBackTimeout)
	go func() {
		defer cancel()
		out, err := q.api.ReceiveMessage(pctx, in)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
	}
	q.abandoned.Add(1)
	go func() {
		defer q.abandoned.Done()
		r := <-done
		if r.err != nil {
			return
		}
		for _, m := range r.out.Messages {
			// On failure the message comes back when its visibility timeout ends, as it would without this.
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), giveBackTimeout)
			_, _ = q.api.ChangeMessageVisibility(gctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
				ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
			cancel()
		}
	}()
	return nil, ctx.Err()
}

// Close waits until the long polls abandoned by ended receives are over and have made what they got visible again
// (at most their wait plus a few seconds). Call it after the last receive, before the process exits.
func (q *Queue) Close() error {
	q.abandoned.Wait()
	return nil
}

func message(m types.Message) (queue.Message, error) {
	msg := queue.Message{
		ID:            aws.ToString(m.MessageId),
		Body:          []byte(aws.ToString(m.Body)),
		GroupID:       m.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)],
		ReceiptHandle: aws.ToString(m.ReceiptHandle),
	}
	count, err := strconv.Atoi(m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	if err != nil {
		return msg, fmt.Errorf("message %s: receive count: %w", msg.ID, err)
	}
	msg.ReceiveCount = count
	sent, err := strconv.ParseInt(m.Attributes[string(types.MessageSystemAttributeNameSentTimestamp)], 10, 64)
	if err != nil {
		return msg, fmt.Errorf("message %s: sent timestamp: %w", msg.ID, err)
	}
	msg.SentAt = time.UnixMilli(sent).UTC()
	if len(m.MessageAttributes) > 0 {
		msg.Attributes = make(map[string]string, len(m.MessageAttributes))
		for k, v := range m.MessageAttributes {
			msg.Attributes[k] = aws.ToString(v.StringValue)
		}
	}
	return msg, nil
}

// Delete deletes a received message. As on SQS, a standard queue accepts the handle of an earlier receive (and may
// or may not delete the message); a FIFO queue refuses it with queue.ErrInvalidReceipt.
func (q *Queue) Delete(ctx context.Context, name string, receiptHandle string) error {
	if _, err := q.spec(name); err != nil {
		return err
	}
	u, err := q.url(ctx, name)
	if err != nil {
		return fmt.Errorf("delete from %s: %w", name, err)
	}
	_, err = q.api.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: aws.String(u), ReceiptHandle: aws.String(receiptHandle)})
	if err != nil {
		return fmt.Errorf("delete from %s: %w", name, mapError(err))
	}
	return nil
}

// ChangeVisibility hides a received message for d from now, rounded up to whole seconds (0: visible at once).
func (q *Queue) ChangeVisibility(ctx context.Context, name string, receiptHandle string, d time.Duration) error {
	if _, err := q.spec(name); err != nil {
		return err
	}
	if err := queue.ValidateVisibility(d); err != nil {
		return fmt.Errorf("change visibility in %s: %w", name, err)
	}
	u, err := q.url(ctx, name)
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", name, err)
	}
	_, err = q.api.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(u), ReceiptHandle: aws.String(receiptHandle), VisibilityTimeout: seconds(d),
	})
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", name, mapError(err))
	}
	return nil
}

// mapError adds the queue sentinel error that an SQS error means, keeping the SQS error in the chain.
func mapError(err error) error {
	var (
		invalidReceipt *types.ReceiptHandleIsInvalid
		notInflight    *types.MessageNotInflight
		noQueue        *types.QueueDoesNotExist
		contents       *types.InvalidMessageContents
		tooLong        *types.BatchRequestTooLong
		tooMany        *types.TooManyEntriesInBatchRequest
		empty          *types.EmptyBatchRequest
		api            smithy.APIError
	)
	switch {
	case errors.As(err, &invalidReceipt), errors.As(err, &notInflight):
		return fmt.Errorf("%w: %w", queue.ErrInvalidReceipt, err)
	case errors.As(err, &noQueue):
		return fmt.Errorf("%w: %w", queue.ErrUnknownQueue, err)
	case errors.As(err, &contents), errors.As(err, &tooLong), errors.As(err, &tooMany), errors.As(err, &empty):
		return fmt.Errorf("%w: %w", queue.ErrInvalidMessage, err)
	case errors.As(err, &api) && api.ErrorCode() == "InvalidParameterValue":
		// An expired FIFO receipt handle ("Value … for parameter ReceiptHandle is invalid") or a bad message.
		if strings.Contains(api.ErrorMessage(), "ReceiptHandle") {
			return fmt.Errorf("%w: %w", queue.ErrInvalidReceipt, err)
		}
		return fmt.Errorf("%w: %w", queue.ErrInvalidMessage, err)
	}
	return err
}
