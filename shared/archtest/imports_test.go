// Package archtest holds the import rules of the codebase: whatsmeow stays in shared/whatsapp and shared/wasim,
// the AWS SDK stays in adapter packages, domain packages import no adapter, and Lambda functions never link
// whatsmeow.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/waqtor/waqtor/"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(out)
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// Packages allowed to import the AWS SDK (and aws-lambda-go): adapters, wiring, infra and test helpers.
var awsAllowed = []string{"shared/dynamo", "shared/sqs", "shared/s3", "shared/eventbridge", "shared/awslambda", "shared/kms",
	"shared/awsrun", "shared/awshost", "shared/awstest", "infra", "functions/"}

// Domain packages: rules only, no adapters, no SDKs.
var domain = []string{"shared/activity", "shared/apikey", "shared/apperr", "shared/auth", "shared/event",
	"shared/id", "shared/idempotency", "shared/queue", "shared/routing", "shared/tenant", "shared/setup",
	"shared/webhook", "shared/notification", "shared/media", "shared/session", "shared/message", "shared/demo",
	"shared/sessionhost", "shared/crypt", "shared/realtime"}

var adapters = []string{"shared/sqlite", "shared/dynamo", "shared/sqs", "shared/s3", "shared/localdisk",
	"shared/eventbridge", "shared/router", "shared/awslambda", "shared/whatsapp", "shared/wasim", "shared/httpapi",
	"shared/standalone", "shared/awsrun", "shared/awshost", "shared/kms", "shared/wshub"}

func rel(path string) string { return strings.TrimPrefix(path, module) }

func under(path string, prefixes []string) bool {
	return slices.ContainsFunc(prefixes, func(p string) bool {
		return path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/")
	})
}

func TestImportRules(t *testing.T) {
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		for _, imp := range p.Imports {
			switch {
			case strings.HasPrefix(imp, "go.mau.fi/whatsmeow") && !under(name, []string{"shared/whatsapp", "shared/wasim"}):
				t.Errorf("%s imports whatsmeow; only shared/whatsapp and shared/wasim may", name)
			case (strings.HasPrefix(imp, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(imp, "github.com/aws/aws-lambda-go")) &&
				!under(name, awsAllowed):
				t.Errorf("%s imports %s; the AWS SDK belongs in adapter packages", name, imp)
			case under(name, domain) && strings.HasPrefix(imp, module) && under(rel(imp), adapters):
				t.Errorf("domain package %s imports adapter %s", name, rel(imp))
			}
		}
		if strings.HasPrefix(name, "functions/") && slices.ContainsFunc(p.Deps, func(d string) bool {
			return strings.HasPrefix(d, "go.mau.fi/whatsmeow")
		}) {
			t.Errorf("Lambda %s links whatsmeow", name)
		}
		if name == "shared/types" || name == "shared/common" || name == "shared/utils" || name == "shared/helpers" || name == "shared/models" {
			t.Errorf("package %s has a name the house style forbids", name)
		}
	}
}
