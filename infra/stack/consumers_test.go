package stack_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/waqtor/waqtor/infra/stack"
	"github.com/waqtor/waqtor/shared/consumers"
)

// The stack's event source mappings are the consumer registry's Lambda entries, one each: the function the entry
// runs on, reading the entry's queue with its batch size and maximum concurrency. A registry entry the stack does
// not deploy, or a mapping no entry asks for, fails here.
func TestEventSourceMappingsFollowTheRegistry(t *testing.T) {
	tmpl := defaultTemplate(t)
	ids := queueIDs(t, tmpl, stack.DefaultPrefix)
	esm := resources(t, tmpl, "AWS::Lambda::EventSourceMapping")
	n := 0
	for _, c := range consumers.Registry() {
		if c.On.Host {
			continue
		}
		n++
		t.Run(c.Queue, func(t *testing.T) {
			fnID, _ := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(c.On.Function))
			_, p := only(t, tmpl, "AWS::Lambda::EventSourceMapping", "FunctionName", ref(fnID))
			var scaling any
			if c.AWSConcurrency > 0 {
				scaling = map[string]any{"MaximumConcurrency": float64(c.AWSConcurrency)}
			}
			for key, want := range map[string]any{
				"EventSourceArn": getAtt(ids[c.Queue], "Arn"),
				"BatchSize":      float64(c.BatchSize),
				"ScalingConfig":  scaling,
			} {
				if got := p[key]; !reflect.DeepEqual(got, want) {
					t.Error(diff(key, got, want))
				}
			}
		})
	}
	if len(esm) != n {
		t.Errorf("event source mappings: got %d, want %d (one per Lambda consumer of the registry)", len(esm), n)
	}
}

// A registry whose consumer runs on a function the stack does not declare, or two consumers on one function, or a
// consumer of a queue the catalog lacks, is refused.
func TestStackRefusesConsumersItCannotDeploy(t *testing.T) {
	with := func(c consumers.Consumer) []consumers.Consumer { return append(slices.Clone(consumers.Registry()), c) }
	audit, _ := consumers.For("audit")
	ghost := audit
	ghost.On = consumers.Lambda("ghost")
	second := audit
	second.Queue = "webhook-router"
	big := audit
	big.BatchSize, big.AWSConcurrency = 11, 1
	others := slices.DeleteFunc(slices.Clone(consumers.Registry()), func(c consumers.Consumer) bool { return c.Queue == "audit" })
	for _, tc := range []struct {
		name      string
		consumers []consumers.Consumer
		want      string
	}{
		{"an undeclared function", with(ghost), `runs on function "ghost", which the stack does not declare`},
		{"two consumers on one function", with(second), `function "audit" runs 2 consumers of the registry`},
		{"an undeclared queue", with(func() consumers.Consumer { c := ghost; c.Queue, c.On = "nowhere", consumers.Lambda("audit"); return c }()),
			`function "audit" consumes undeclared queue "nowhere"`},
		{"limits", append(others, big), `function "audit": batch size 11 out of 1..10`},
		{"limits", append(others, big), `function "audit": maximum concurrency 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stack.New(awscdk.NewApp(nil), "Refused", stack.Props{DashboardOrigins: testOrigins,
				LambdaAsset: fixtureAsset, Consumers: tc.consumers})
			if !errors.Is(err, stack.ErrCatalog) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: got %v, want ErrCatalog saying %q", err, tc.want)
			}
		})
	}
}
