package stack

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
)

// Delivery of a matched event to its target queue: EventBridge retries this long and this often, then puts the
// event on the target queue's dead-letter queue (EventBridge's own maxima).
const (
	targetMaxEventAge    = 24 * time.Hour
	targetRetryAttempts  = 185
	routeTargetID        = "queue"
	maxRuleName          = 64
	eventBridgePrincipal = "events.amazonaws.com"
)

var routeNamePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// validateRoutes checks that every route has a unique name, a JSON pattern and a standard target queue with a
// dead-letter queue (which also receives the events EventBridge cannot deliver).
func validateRoutes(prefix string, routes []routing.Route, specs map[string]queue.Spec) error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: route %q: %s", ErrCatalog, name, fmt.Sprintf(format, args...)))
	}
	seen := map[string]bool{}
	for _, r := range routes {
		if !routeNamePattern.MatchString(r.Name) || len(prefix+r.Name) > maxRuleName {
			bad(r.Name, "name must be [a-z0-9-], at most %d characters with the prefix", maxRuleName)
		}
		if seen[r.Name] {
			bad(r.Name, "declared twice")
		}
		seen[r.Name] = true
		if len(r.Pattern) == 0 {
			bad(r.Name, "empty pattern would match every event")
		} else if _, err := json.Marshal(r.Pattern); err != nil {
			bad(r.Name, "pattern is not JSON: %v", err)
		}
		target, ok := specs[r.Target]
		switch {
		case !ok:
			bad(r.Name, "target queue %q is not declared", r.Target)
		case target.FIFO:
			bad(r.Name, "target queue %q is FIFO: a rule target needs a message group, which routes cannot give yet", r.Target)
		case target.DeadLetter == "":
			bad(r.Name, "target queue %q has no dead-letter queue", r.Target)
		}
	}
	return errors.Join(errs...)
}

// addBus adds the custom event bus every producer publishes to.
func (b *builder) addBus() {
	b.eventBus = awsevents.NewEventBus(b.stack, jsii.String("Bus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(b.props.Prefix + "bus"),
		Description:  jsii.String("WaQtor events; one rule per route of routing.Table"),
	})
}

// addRules adds one rule per route: the route's pattern verbatim (CfnRule, so no pattern DSL can rewrite it), the
// route's target queue as the only target, that queue's dead-letter queue for events EventBridge cannot deliver,
// and queue policies that let only this rule send.
func (b *builder) addRules() {
	for _, r := range b.props.Routes {
		target := b.queues[r.Target]
		dlq := b.queues[b.spec(r.Target).DeadLetter]
		rule := awsevents.NewCfnRule(b.stack, constructID("Rule", r.Name), &awsevents.CfnRuleProps{
			Name:         jsii.String(b.props.Prefix + r.Name),
			Description:  jsii.String(r.Description),
			EventBusName: b.eventBus.EventBusName(),
			EventPattern: r.Pattern,
			State:        jsii.String("ENABLED"),
			Targets: &[]*awsevents.CfnRule_TargetProperty{{
				Id:               jsii.String(routeTargetID),
				Arn:              target.QueueArn(),
				DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: dlq.QueueArn()},
				RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
					MaximumEventAgeInSeconds: jsii.Number(targetMaxEventAge.Seconds()),
					MaximumRetryAttempts:     jsii.Number(targetRetryAttempts),
				},
			}},
		})
		allowRule(target, rule)
		allowRule(dlq, rule)
	}
}

// allowRule lets EventBridge send messages to q on behalf of rule, and of no other rule.
func allowRule(q awssqs.Queue, rule awsevents.CfnRule) {
	q.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(eventBridgePrincipal), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  &[]*string{q.QueueArn()},
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.AttrArn()}},
	}))
}

func (b *builder) spec(name string) queue.Spec {
	for _, s := range b.props.Queues {
		if s.Name == name {
			return s
		}
	}
	panic("stack: queue " + name + " not in the validated catalog")
}
