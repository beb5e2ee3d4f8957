// Command sqsfn is a Lambda function for the awstest tests. Invoked with an SQS event, it reports records with
// the body "fail" in batchItemFailures, names an item that is not in the batch for "bogus", and panics for
// "crash". Invoked with {"do":"error"} it returns an error, with {"do":"panic"} it panics, with anything else it
// answers the payload.
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, in json.RawMessage) (any, error) {
		var ev events.SQSEvent
		if json.Unmarshal(in, &ev) == nil && len(ev.Records) > 0 {
			res := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
			for _, r := range ev.Records {
				switch r.Body {
				case "fail":
					res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
				case "bogus":
					res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: "not-in-batch"})
				case "crash":
					panic("crash record")
				}
			}
			return res, nil
		}
		var cmd struct{ Do string }
		json.Unmarshal(in, &cmd)
		switch cmd.Do {
		case "error":
			return nil, errors.New("boom")
		case "panic":
			panic("kaboom")
		}
		return in, nil
	})
}
