package archtest

import (
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/consumers"
)

// notInConsumers: what a consumer function must not link. The REST API (and the packages that exist to build it),
// whatsmeow, and the AWS services only the API and the session host use: S3 (media), Secrets Manager (the token
// secret), and Prometheus (the API's metrics). EventBridge is linked: consumers publish (the deliverer's endpoint
// health, the notification rules' notification.created).
var notInConsumers = []string{
	module + "shared/httpapi", module + "shared/runtime/restapi", module + "shared/runtime/awsapp", module + "shared/s3",
	module + "docs", "go.mau.fi/", "github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
	"github.com/prometheus/",
}

// requestFunctions are the functions that answer API Gateway rather than consume a queue: the REST API and the
// WebSocket API's routes ($connect, $disconnect, $default; infra/stack/ws.go).
var requestFunctions = []string{"functions/api", "functions/ws-connect", "functions/ws-disconnect", "functions/ws-default"}

// Each consumer Lambda of the registry (shared/consumers) is a main that only runs its entry
// (awsfunction.Consume), links only what consumers need, and every function but those answering API Gateway
// (requestFunctions) is such a consumer.
func TestConsumerFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	pkgs := map[string]pkg{}
	for _, p := range listPackages(t) {
		pkgs[rel(p.ImportPath)] = p
	}
	want := map[string]bool{}
	for _, c := range consumers.Registry() {
		if c.On.Function != "" {
			want["functions/"+c.On.Function] = true
		}
	}
	for name := range pkgs {
		if strings.HasPrefix(name, "functions/") && !slices.Contains(requestFunctions, name) && !want[name] {
			t.Errorf("%s is no consumer of the registry (shared/consumers); a consumer function is its entry's On", name)
		}
	}
	for name := range want {
		p, ok := pkgs[name]
		if !ok {
			t.Errorf("the registry runs a consumer on %s, which does not exist", name)
			continue
		}
		if !slices.Equal(p.Imports, []string{module + "shared/runtime/awsfunction"}) {
			t.Errorf("%s imports %v; a consumer function's main is awsfunction.Consume(name) alone", name, p.Imports)
		}
		for _, d := range p.Deps {
			if slices.ContainsFunc(notInConsumers, func(bad string) bool { return d == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(d, bad) }) {
				t.Errorf("%s links %s", name, d)
			}
		}
	}
}
