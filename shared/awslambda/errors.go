package awslambda

import "errors"

// ErrQueueARN: an SQS record's eventSourceARN is not the ARN of an SQS queue.
var ErrQueueARN = errors.New("awslambda: not an SQS queue ARN")
