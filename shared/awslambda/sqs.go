// Package awslambda adapts WaQtor event handlers to AWS Lambda event sources. It is named awslambda so a
// function's main can import it next to aws-lambda-go's lambda package.
package awslambda

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/waqtor/waqtor/shared/event"
)

// SQSHandler turns an event.Handler into the handler of a Lambda whose event source is a route's SQS queue (the
// queue an EventBridge rule feeds). Each record body is decoded as an event.BusEvent and passed to h.
//
// Failed records are reported in BatchItemFailures (the event-source mapping must enable ReportBatchItemFailures),
// so only they come back; one bad record never fails the whole batch, and the returned error is always nil. A
// record that does not decode, or whose handler errors or panics, is failed and logged with its message ID, never
// its body. On a FIFO queue (".fifo" source ARN) the records after the first failure are failed unprocessed, to
// keep the order of their group. When ctx ends (the Lambda deadline), the remaining records are failed unprocessed.
func SQSHandler(h event.Handler, logger *slog.Logger) func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		stopped := ""
		for _, rec := range ev.Records {
			if stopped == "" && ctx.Err() != nil {
				stopped = "the invocation deadline passed"
			}
			if stopped != "" {
				logger.WarnContext(ctx, "sqs record not processed", "messageId", rec.MessageId, "reason", stopped)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				continue
			}
			if err := handleRecord(ctx, logger, h, rec); err != nil {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				if strings.HasSuffix(rec.EventSourceARN, ".fifo") {
					stopped = "an earlier record of this FIFO batch failed"
				}
			}
		}
		return resp, nil
	}
}

func handleRecord(ctx context.Context, logger *slog.Logger, h event.Handler, rec events.SQSMessage) (err error) {
	var e event.BusEvent
	if err := json.Unmarshal([]byte(rec.Body), &e); err != nil {
		logger.ErrorContext(ctx, "sqs record is not a bus event", "messageId", rec.MessageId, "error", err)
		return err
	}
	// The envelope's source is not part of the detail JSON; restore it from the bus event.
	e.Detail.Source = e.Source
	log := logger.With("messageId", rec.MessageId, "eventId", e.Detail.ID, "type", e.DetailType)
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	if err := h(ctx, e); err != nil {
		log.WarnContext(ctx, "handler failed; the record comes back", "error", err)
		return err
	}
	log.DebugContext(ctx, "record handled")
	return nil
}
