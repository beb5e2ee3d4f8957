package archtest

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/consumers"
)

// notInConsumers: what a consumer function must not link. The REST API (and the packages that exist to build it),
// whatsmeow, and the AWS services only the API and the session host use: S3 (media), Secrets Manager (the token
// secret), and Prometheus (the API's metrics). KMS and EventBridge only the functions whose entry needs them
// (importedBy).
var notInConsumers = []string{
	module + "shared/httpapi", module + "shared/runtime/restapi", module + "shared/runtime/awsapp", module + "shared/s3",
	module + "docs", "go.mau.fi/", "github.com/aws/aws-sdk-go-v2/service/s3",
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
	"github.com/prometheus/",
}

// requestFunctions are the functions that answer API Gateway rather than consume a queue: the REST API and the
// WebSocket API's routes ($connect, $disconnect, $default; infra/stack/ws.go).
var requestFunctions = []string{"functions/api", "functions/ws-connect", "functions/ws-disconnect", "functions/ws-default"}

// importedBy: the packages that building a field of consumers.Deps imports and that a consumer function imports
// only when its entry Needs that field (a package two fields share is allowed when either is needed). Go links the
// initialisation of every imported package, used or not, so these are kept out at the package level.
var importedBy = map[string][]string{
	"Webhooks": {module + "shared/runtime/awssealed", module + "shared/kms", "github.com/aws/aws-sdk-go-v2/service/kms"},
	"Events":   {module + "shared/runtime/awsevents", module + "shared/eventbridge", "github.com/aws/aws-sdk-go-v2/service/eventbridge"},
	"NotificationRules": {module + "shared/runtime/awsevents", module + "shared/eventbridge",
		"github.com/aws/aws-sdk-go-v2/service/eventbridge"},
}

// consumerMainImports: what a consumer function's main may import: its entry (shared/consumers), Consume and the
// dependencies' constructors.
var consumerMainImports = []string{module + "shared/consumers", module + "shared/runtime/awsevents",
	module + "shared/runtime/awsfunction", module + "shared/runtime/awssealed"}

// linkedBy: the symbols, in a function's binary, of what builds each field of consumers.Deps on AWS (the
// awsfunction Dep that fills it: its adapter's methods, its client's constructor). A consumer function links those of
// the fields its registry entry Needs and none of the others' (a symbol two fields share is allowed when either is
// needed). Sessions is the session host's.
var linkedBy = map[string][]string{
	"Activity": {module + "shared/dynamo.(*ActivityStore)."},
	"Webhooks": {module + "shared/dynamo.(*WebhookStore).", module + "shared/kms.(*Sealer).", "github.com/aws/aws-sdk-go-v2/service/kms.New"},
	"Queue":    {module + "shared/sqs.(*Queue)."},
	"Sender":   {module + "shared/egress.(*Client)."},
	"Events":   {module + "shared/eventbridge.(*Publisher).", "github.com/aws/aws-sdk-go-v2/service/eventbridge.New"},
	"NotificationRules": {module + "shared/notification.(*Center).", module + "shared/dynamo.(*TenantStore).",
		module + "shared/dynamo.(*SessionStore).", module + "shared/dynamo.(*NotificationStore).",
		module + "shared/eventbridge.(*Publisher).", "github.com/aws/aws-sdk-go-v2/service/eventbridge.New"},
	"LiveFeed": {module + "shared/wsgateway.(*Gateway).", module + "shared/dynamo.(*ConnectionStore).", module + "shared/apigw.",
		"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi.New"},
	"Sessions": {module + "shared/sessionrunner."},
	// Now, Version and Log: awsfunction always sets them (time.Now, app.Version, the function's logger).
	"Now": nil, "Version": nil, "Log": nil,
}

// handlerOf: the symbols of a consumer's handler, by queue, that no other consumer function may link (the registry
// built as one table in the package's initialisation would link every entry's handler into every function).
var handlerOf = map[string]string{
	"webhook-deliveries": module + "shared/webhook.(*Deliverer).",
	"notifications":      module + "shared/notification.(*Center).Handle",
}

// Each consumer Lambda of the registry (shared/consumers) is a main that only runs its entry with the dependencies
// it names (awsfunction.Consume), links only what consumers need, and every function but those answering API
// Gateway (requestFunctions) is such a consumer. Built as `make lambdas` builds it (with symbols), each links the
// dependencies its entry Needs and no other (linkedBy): a main that passes one more constructor, or wiring that
// builds every dependency for every function, fails here.
func TestConsumerFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	pkgs := map[string]pkg{}
	for _, p := range listPackages(t) {
		pkgs[rel(p.ImportPath)] = p
	}
	want := map[string]bool{}
	entryOn := map[string]consumers.Consumer{}
	for _, c := range consumers.Registry() {
		if c.On.Function != "" {
			want["functions/"+c.On.Function] = true
			entryOn["functions/"+c.On.Function] = c
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
		if !slices.Contains(p.Imports, module+"shared/runtime/awsfunction") ||
			slices.ContainsFunc(p.Imports, func(i string) bool { return !slices.Contains(consumerMainImports, i) }) {
			t.Errorf("%s imports %v; a consumer function's main is awsfunction.Consume(entry, deps...) alone", name, p.Imports)
		}
		c := entryOn[name]
		allowed := map[string]bool{}
		for _, f := range c.Needs {
			for _, i := range importedBy[f] {
				allowed[i] = true
				if !slices.Contains(p.Deps, i) {
					t.Errorf("%s does not import %s, which building Deps.%s imports", name, i, f)
				}
			}
		}
		for f, imports := range importedBy {
			for _, i := range imports {
				if slices.Contains(p.Deps, i) && !allowed[i] {
					t.Errorf("%s imports %s (for Deps.%s), which its entry does not need (Needs %v)", name, i, f, c.Needs)
				}
			}
		}
		for _, d := range p.Deps {
			if slices.ContainsFunc(notInConsumers, func(bad string) bool { return d == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(d, bad) }) {
				t.Errorf("%s links %s", name, d)
			}
		}
	}
}

func TestConsumerFunctionsLinkOnlyTheirDependencies(t *testing.T) {
	dir := t.TempDir()
	var lambdas []consumers.Consumer
	for _, c := range consumers.Registry() {
		if c.On.Function != "" {
			lambdas = append(lambdas, c)
		}
	}
	for field := range linkedBy {
		if !slices.ContainsFunc(lambdas, func(c consumers.Consumer) bool { return slices.Contains(c.Needs, field) }) && len(linkedBy[field]) > 0 &&
			field != "Sessions" {
			t.Errorf("no consumer function needs Deps.%s: drop it from linkedBy", field)
		}
	}
	for _, c := range lambdas {
		for _, f := range c.Needs {
			if _, ok := linkedBy[f]; !ok {
				t.Fatalf("the consumer of %q needs Deps.%s, which linkedBy does not know: add what building it links", c.Queue, f)
			}
		}
		t.Run(c.On.Function, func(t *testing.T) { checkLinks(t, c, filepath.Join(dir, c.On.Function)) })
	}
}

// checkLinks builds c's function as `make lambdas` does, but with its symbol table, and checks what it links.
func checkLinks(t *testing.T, c consumers.Consumer, bin string) {
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "../../functions/"+c.On.Function)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	linked := func(prefix string) string {
		for _, s := range syms {
			if strings.HasPrefix(s.Name, prefix) {
				return s.Name
			}
		}
		return ""
	}
	allowed := map[string]bool{}
	for _, f := range c.Needs {
		for _, p := range linkedBy[f] {
			allowed[p] = true
			if linked(p) == "" {
				t.Errorf("links nothing of %s, which building Deps.%s links", p, f)
			}
		}
	}
	for q, p := range handlerOf {
		if s := linked(p); (s != "") != (q == c.Queue) {
			t.Errorf("consumer of %q: links %q for the handler of %q", c.Queue, s, q)
		}
	}
	for f, prefixes := range linkedBy {
		for _, p := range prefixes {
			if s := linked(p); s != "" && !allowed[p] {
				t.Errorf("links %s (what builds Deps.%s), which its entry does not need (Needs %v)", s, f, c.Needs)
			}
		}
	}
}
