package awslambda

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/queue"
)

// VisibilityChanger is the part of the SQS client that a queue.RetryAfter needs; *sqs.Client implements it.
type VisibilityChanger interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ VisibilityChanger = (*sqs.Client)(nil)

// SQSMessageHandler turns a queue.Handler into the handler of a Lambda whose event source is an SQS queue of plain
// messages (not bus events), such as the webhook deliveries. Each record becomes a queue.Message (ID, body,
// receipt handle, receive count, sent time, group, string attributes).
//
// A record whose handler returns nil is done (the event source mapping deletes it). A record whose handler returns
// a queue.RetryAfter gets ChangeMessageVisibility(delay, rounded up to whole seconds, at most 12 h) on the queue
// of its eventSourceARN and is reported in BatchItemFailures, so it comes back after exactly that delay and not
// after the queue's visibility timeout. Any other error, or a panic, is logged and reported, so the record comes
// back after the queue's visibility timeout (and goes to its dead-letter queue after its max receives). The
// returned error is always nil; one bad record never fails the whole batch.
//
// Records of a standard queue are handled concurrently (a batch is at most 10 records, and a slow one, such as a
// webhook endpoint taking its full timeout, must not hold up the others); records of a FIFO queue one by one, and
// after the first failure the rest of the batch is failed unprocessed to keep the order of its groups. When ctx
// ends (the Lambda deadline), records not yet started are failed unprocessed.
func SQSMessageHandler(h queue.Handler, vis VisibilityChanger, logger *slog.Logger) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		failed := make([]bool, len(ev.Records))
		fifo := len(ev.Records) > 0 && strings.HasSuffix(ev.Records[0].EventSourceARN, ".fifo")
		if fifo {
			stopped := ""
			for i, rec := range ev.Records {
				if stopped == "" && ctx.Err() != nil {
					stopped = "the invocation deadline passed"
				}
				if stopped != "" {
					logger.WarnContext(ctx, "sqs record not processed", "messageId", rec.MessageId, "reason", stopped)
					failed[i] = true
					continue
				}
				if failed[i] = !handleMessage(ctx, logger, h, vis, rec); failed[i] {
					stopped = "an earlier record of this FIFO batch failed"
				}
			}
		} else {
			var wg sync.WaitGroup
			for i, rec := range ev.Records {
				if ctx.Err() != nil {
					logger.WarnContext(ctx, "sqs record not processed", "messageId", rec.MessageId, "reason", "the invocation deadline passed")
					failed[i] = true
					continue
				}
				wg.Go(func() { failed[i] = !handleMessage(ctx, logger, h, vis, rec) })
			}
			wg.Wait()
		}
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		for i, f := range failed {
			if f {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: ev.Records[i].MessageId})
			}
		}
		return resp, nil
	}
}

// handleMessage runs h on one record and reports whether the record is done.
func handleMessage(ctx context.Context, logger *slog.Logger, h queue.Handler, vis VisibilityChanger, rec events.SQSMessage) bool {
	log := logger.With("messageId", rec.MessageId)
	m, err := Message(rec)
	if err != nil {
		log.ErrorContext(ctx, "sqs record is not a message", "error", err)
		return false
	}
	log = log.With("receiveCount", m.ReceiveCount)
	err = callMessage(ctx, log, h, m)
	if err == nil {
		log.DebugContext(ctx, "record handled")
		return true
	}
	ra, ok := queue.AsRetryAfter(err)
	if !ok {
		log.WarnContext(ctx, "handler failed; the record comes back after the visibility timeout", "error", err)
		return false
	}
	secs := int32((ra.Visibility() + time.Second - 1) / time.Second)
	if ra.Err != nil {
		log.WarnContext(ctx, "handler failed; the record comes back after the handler's delay", "error", ra.Err, "retryInSeconds", secs)
	} else {
		log.DebugContext(ctx, "the record comes back later", "inSeconds", secs)
	}
	url, err := QueueURL(rec.EventSourceARN)
	if err == nil {
		// Not cancelled with the invocation: the record is failed anyway, and its delay should still be set.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, err = vis.ChangeMessageVisibility(cctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
			ReceiptHandle: aws.String(rec.ReceiptHandle), VisibilityTimeout: secs})
		cancel()
	}
	if err != nil {
		// The record still comes back, after the queue's visibility timeout.
		log.WarnContext(ctx, "could not set when the record comes back", "error", err)
	}
	return false
}

func callMessage(ctx context.Context, log *slog.Logger, h queue.Handler, m queue.Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h(ctx, m)
}

// Message converts an SQS record of a Lambda event to a queue.Message, as sqs.Queue's Receive builds it.
func Message(rec events.SQSMessage) (queue.Message, error) {
	m := queue.Message{ID: rec.MessageId, Body: []byte(rec.Body), ReceiptHandle: rec.ReceiptHandle,
		GroupID: rec.Attributes["MessageGroupId"]}
	if s := rec.Attributes["ApproximateReceiveCount"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return m, fmt.Errorf("receive count %q: %w", s, err)
		}
		m.ReceiveCount = n
	}
	if s := rec.Attributes["SentTimestamp"]; s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return m, fmt.Errorf("sent timestamp %q: %w", s, err)
		}
		m.SentAt = time.UnixMilli(ms).UTC()
	}
	for k, v := range rec.MessageAttributes {
		if v.StringValue != nil {
			if m.Attributes == nil {
				m.Attributes = map[string]string{}
			}
			m.Attributes[k] = *v.StringValue
		}
	}
	return m, nil
}

// QueueURL derives the URL of the SQS queue named by an ARN (arn:<partition>:sqs:<region>:<account>:<name>), as
// SQS forms it: https://sqs.<region>.<domain>/<account>/<name>. An SDK client with an endpoint override (an
// emulator) sends the request to its endpoint with this URL as the queue's address.
func QueueURL(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return "", fmt.Errorf("%w: %q", ErrQueueARN, arn)
	}
	domain := "amazonaws.com"
	if parts[1] == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return "https://sqs." + parts[3] + "." + domain + "/" + parts[4] + "/" + parts[5], nil
}
