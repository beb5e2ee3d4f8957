package sqs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/waqtor/waqtor/shared/queue"
)

// EnsureQueues creates the SQS queue prefix+name of every spec, or brings an existing one's settings in line with
// the spec: visibility timeout, retention, FIFO, and the redrive policy to the dead-letter queue after MaxReceives.
// Dead-letter queues are created before the queues that use them. The CDK stack does this on AWS; tests and plain
// SQS installs call EnsureQueues.
func EnsureQueues(ctx context.Context, api API, prefix string, specs []queue.Spec) error {
	if err := validatePrefixed(prefix, specs); err != nil {
		return err
	}
	byName := queue.Specs(specs)
	arns := map[string]string{}
	var ensure func(s queue.Spec) error
	ensure = func(s queue.Spec) error {
		if _, done := arns[s.Name]; done {
			return nil
		}
		if s.DeadLetter != "" {
			// ValidateSpecs rules out cycles, so this recursion ends.
			if err := ensure(byName[s.DeadLetter]); err != nil {
				return err
			}
		}
		arn, err := ensureQueue(ctx, api, prefix, s, arns[s.DeadLetter])
		if err != nil {
			return fmt.Errorf("ensure queue %s%s: %w", prefix, s.Name, err)
		}
		arns[s.Name] = arn
		return nil
	}
	for _, s := range specs {
		if err := ensure(byName[s.Name]); err != nil {
			return err
		}
	}
	return nil
}

// ensureQueue creates one queue, or updates it if it exists with other settings, and returns its ARN.
func ensureQueue(ctx context.Context, api API, prefix string, s queue.Spec, dlqARN string) (string, error) {
	attrs := map[string]string{
		string(types.QueueAttributeNameVisibilityTimeout):      strconv.Itoa(int(seconds(s.VisibilityTimeout))),
		string(types.QueueAttributeNameMessageRetentionPeriod): strconv.Itoa(int(seconds(s.Retention))),
	}
	if s.DeadLetter != "" {
		policy, err := json.Marshal(map[string]any{"deadLetterTargetArn": dlqARN, "maxReceiveCount": s.MaxReceives})
		if err != nil {
			return "", err
		}
		attrs[string(types.QueueAttributeNameRedrivePolicy)] = string(policy)
	}
	createAttrs := map[string]string{}
	for k, v := range attrs {
		createAttrs[k] = v
	}
	if s.FIFO {
		createAttrs[string(types.QueueAttributeNameFifoQueue)] = "true"
	}
	var url string
	out, err := api.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(prefix + s.Name), Attributes: createAttrs})
	var exists *types.QueueNameExists
	switch {
	case err == nil:
		url = aws.ToString(out.QueueUrl)
	case errors.As(err, &exists):
		// It exists with other settings: update those that can change (FIFO cannot).
		got, err := api.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(prefix + s.Name)})
		if err != nil {
			return "", err
		}
		url = aws.ToString(got.QueueUrl)
		if _, err := api.SetQueueAttributes(ctx, &awssqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: attrs}); err != nil {
			return "", err
		}
	default:
		return "", err
	}
	got, err := api.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn, types.QueueAttributeNameFifoQueue},
	})
	if err != nil {
		return "", err
	}
	if isFIFO := got.Attributes[string(types.QueueAttributeNameFifoQueue)] == "true"; isFIFO != s.FIFO {
		return "", fmt.Errorf("the queue exists with FifoQueue=%t, the spec says %t", isFIFO, s.FIFO)
	}
	return got.Attributes[string(types.QueueAttributeNameQueueArn)], nil
}
