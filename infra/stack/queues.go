package stack

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/queue"
)

// SQS limits the specs must respect.
const (
	maxQueueName   = 80
	maxVisibility  = 12 * time.Hour
	minRetention   = time.Minute
	maxRetention   = 14 * 24 * time.Hour
	maxMaxReceives = 1000
)

// validateQueues checks every spec and its redrive, and returns the specs by name (with defaults filled in).
func validateQueues(prefix string, specs []queue.Spec) (map[string]queue.Spec, error) {
	byName := make(map[string]queue.Spec, len(specs))
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: queue %q: %s", ErrCatalog, name, fmt.Sprintf(format, args...)))
	}
	for _, s := range specs {
		if _, dup := byName[s.Name]; dup {
			bad(s.Name, "declared twice")
		}
		byName[s.Name] = s.WithDefaults()
	}
	for _, s := range specs {
		s = s.WithDefaults()
		if s.Name == "" || len(prefix+s.Name) > maxQueueName {
			bad(s.Name, "name must be 1 to %d characters with the prefix", maxQueueName)
		}
		if s.FIFO != strings.HasSuffix(s.Name, ".fifo") {
			bad(s.Name, "FIFO queues, and only they, have names ending in .fifo")
		}
		if s.VisibilityTimeout < 0 || s.VisibilityTimeout > maxVisibility {
			bad(s.Name, "visibility timeout %s out of [0, %s]", s.VisibilityTimeout, maxVisibility)
		}
		if s.Retention < minRetention || s.Retention > maxRetention {
			bad(s.Name, "retention %s out of [%s, %s]", s.Retention, minRetention, maxRetention)
		}
		if (s.DeadLetter == "") != (s.MaxReceives == 0) {
			bad(s.Name, "DeadLetter and MaxReceives go together")
		}
		if s.MaxReceives < 0 || s.MaxReceives > maxMaxReceives {
			bad(s.Name, "MaxReceives %d out of [1, %d]", s.MaxReceives, maxMaxReceives)
		}
		if s.DeadLetter == "" {
			continue
		}
		dlq, ok := byName[s.DeadLetter]
		switch {
		case !ok:
			bad(s.Name, "dead-letter queue %q is not declared", s.DeadLetter)
		case dlq.FIFO != s.FIFO:
			bad(s.Name, "dead-letter queue %q must be FIFO exactly when the queue is", s.DeadLetter)
		}
	}
	for _, s := range specs {
		seen := map[string]bool{}
		for n := s.Name; n != ""; n = byName[n].DeadLetter {
			if seen[n] {
				bad(s.Name, "redrive loops through %q", n)
				break
			}
			seen[n] = true
		}
	}
	return byName, errors.Join(errs...)
}

// addQueues adds one SQS queue per spec (SSE with SQS-managed keys, TLS required by the queue policy, redrive to
// the spec's dead-letter queue) and an alarm on every dead-letter queue as soon as it holds a message, notifying
// the alarm topic.
func (b *builder) addQueues() {
	specs, _ := validateQueues(b.props.Prefix, b.props.Queues) // validated in New
	b.queues = make(map[string]awssqs.Queue, len(specs))
	for _, s := range b.props.Queues {
		b.queue(specs, s.Name)
	}
	dlqs := map[string]bool{}
	for _, s := range b.props.Queues {
		if s.DeadLetter == "" || dlqs[s.DeadLetter] {
			continue
		}
		dlqs[s.DeadLetter] = true
		dlq := b.queues[s.DeadLetter]
		b.alarm(constructID("DeadLetterAlarm", s.DeadLetter), &awscloudwatch.AlarmProps{
			AlarmName:        jsii.String(b.props.Prefix + s.DeadLetter + "-not-empty"),
			AlarmDescription: jsii.String("dead-letter queue " + b.props.Prefix + s.DeadLetter + " holds messages: inspect and redrive them"),
			Metric: dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Statistic: jsii.String("Maximum"),
			}),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
}

// queue adds the named queue after its dead-letter queue (specs are validated: no loops).
func (b *builder) queue(specs map[string]queue.Spec, name string) awssqs.Queue {
	if q, ok := b.queues[name]; ok {
		return q
	}
	s := specs[name]
	props := &awssqs.QueueProps{
		QueueName:         jsii.String(b.props.Prefix + s.Name),
		VisibilityTimeout: seconds(s.VisibilityTimeout),
		RetentionPeriod:   seconds(s.Retention),
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
	}
	if s.FIFO {
		props.Fifo = jsii.Bool(true)
	}
	if s.DeadLetter != "" {
		props.DeadLetterQueue = &awssqs.DeadLetterQueue{
			Queue:           b.queue(specs, s.DeadLetter),
			MaxReceiveCount: jsii.Number(s.MaxReceives),
		}
	}
	q := awssqs.NewQueue(b.stack, constructID("Queue", s.Name), props)
	b.queues[name] = q
	return q
}
