package archtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// architectureDoc is the page whose package index TestPackageDoc keeps equal to the package map.
var architectureDoc = filepath.Join("..", "..", "docs", "architecture.md")

// TestPackageDoc: the classes and the package index of docs/architecture.md are generated from the package map;
// the test fails when the page differs, and rewrites it with WAQTOR_UPDATE_DOCS=1
// (`WAQTOR_UPDATE_DOCS=1 go test -run TestPackageDoc ./shared/archtest/`).
func TestPackageDoc(t *testing.T) {
	raw, err := os.ReadFile(architectureDoc)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{"classes": renderClasses(), "packages": renderPackages()}
	updated := string(raw)
	for _, name := range []string{"classes", "packages"} {
		re := regexp.MustCompile(`(?s)(<!-- BEGIN GENERATED ` + name + ` [^>]*-->\n).*?(<!-- END GENERATED ` + name + ` -->)`)
		loc := re.FindStringSubmatchIndex(updated)
		if loc == nil {
			t.Errorf("docs/architecture.md has no generated section %q (<!-- BEGIN GENERATED %s ... --> ... <!-- END GENERATED %s -->)", name, name, name)
			continue
		}
		updated = updated[:loc[3]] + sections[name] + updated[loc[4]:]
	}
	if updated == string(raw) {
		return
	}
	if os.Getenv("WAQTOR_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(architectureDoc, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("rewrote the generated sections of docs/architecture.md")
		return
	}
	t.Errorf("docs/architecture.md differs from the package map; run WAQTOR_UPDATE_DOCS=1 go test -run TestPackageDoc ./shared/archtest/ and review the diff")
	old, got := strings.Split(string(raw), "\n"), strings.Split(updated, "\n")
	for i := 0; i < len(old) && i < len(got); i++ {
		if old[i] != got[i] {
			t.Logf("first difference at line %d:\n doc:  %s\n want: %s", i+1, old[i], got[i])
			break
		}
	}
}

// classDoc says what each class is, for the page.
var classDoc = map[class]string{
	domain:   "rules and services; ports declared by their users; no technology",
	contract: "the tables and envelopes every part agrees on: events, routes, queues, the API description",
	adapter:  "a port implemented on one technology, named after it",
	runtime:  "composition roots: wire adapters into services for one runtime",
	mainPkg:  "a binary (the `waqtor` binary, a Lambda function); only wires",
	infra:    "the CDK stack",
	harness:  "contract suites, emulators and fakes that tests run against; packages of tests",
	tool:     "a program run by hand or by make, not shipped",
}

func renderClasses() string {
	var b strings.Builder
	b.WriteString("| class | what | may import (besides the standard library and third-party modules) |\n|---|---|---|\n")
	for _, c := range classes {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c, classDoc[c], joinClasses(mayImport[c]))
	}
	return b.String()
}

func renderPackages() string {
	var b strings.Builder
	b.WriteString("| package | class | what it is |\n|---|---|---|\n")
	for _, c := range classes {
		var es []entry
		for _, e := range packageMap {
			if e.class == c {
				es = append(es, e)
			}
		}
		slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.path, b.path) })
		for _, e := range es {
			what := e.what
			var sdk []string
			if e.aws {
				sdk = append(sdk, "AWS SDK")
			}
			if e.whatsmeow {
				sdk = append(sdk, "whatsmeow")
			}
			if len(sdk) > 0 {
				what += "; imports " + strings.Join(sdk, " and ")
			}
			var allowed []string
			for to := range e.allow {
				allowed = append(allowed, to)
			}
			slices.Sort(allowed)
			for _, to := range allowed {
				imp := "`" + to + "`"
				if to == testWhatsmeow {
					imp = "whatsmeow in its tests"
				}
				what += fmt.Sprintf(". Exception: imports %s: %s", imp, e.allow[to])
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", e.path, c, what)
		}
	}
	return b.String()
}
