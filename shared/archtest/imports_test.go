// Package archtest holds the package map of the module (packages_test.go) and the rules it enforces: every
// package is classified, each class imports only what its class may, whatsmeow stays in shared/whatsapp and
// shared/wasim, the AWS SDK stays in the packages the map allows it, and Lambda functions never link whatsmeow.
package archtest

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/waqtor/waqtor/"

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
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

func rel(path string) string { return strings.TrimPrefix(path, module) }

func isAWS(imp string) bool {
	return strings.HasPrefix(imp, "github.com/aws/aws-sdk-go-v2") || strings.HasPrefix(imp, "github.com/aws/aws-lambda-go")
}

func isWhatsmeow(imp string) bool { return strings.HasPrefix(imp, "go.mau.fi/") }

func entries() map[string]entry {
	m := make(map[string]entry, len(packageMap))
	for _, e := range packageMap {
		m[e.path] = e
	}
	return m
}

// TestPackageMap: the map classifies every package of the module and nothing else, and grants the AWS SDK and
// whatsmeow only where the house rules allow them.
func TestPackageMap(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range packageMap {
		if seen[e.path] {
			t.Errorf("%s is in the package map twice", e.path)
		}
		seen[e.path] = true
		if _, ok := mayImport[e.class]; !ok {
			t.Errorf("%s has class %q, which is not one of %q", e.path, e.class, classes)
		}
		if e.what == "" {
			t.Errorf("%s: say in one line what it is (the docs' package index shows it)", e.path)
		}
		if e.whatsmeow && e.path != "shared/whatsapp" && e.path != "shared/wasim" {
			t.Errorf("%s may not import whatsmeow; only shared/whatsapp and shared/wasim may", e.path)
		}
		if (e.aws || e.whatsmeow) && (e.class == domain || e.class == contract) {
			t.Errorf("%s is a %s package; those import no AWS SDK and no whatsmeow", e.path, e.class)
		}
		if strings.HasPrefix(e.path, "functions/") && e.class != mainPkg {
			t.Errorf("%s is a Lambda function; its class is %q", e.path, mainPkg)
		}
	}
	listed := map[string]bool{}
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		listed[name] = true
		if !seen[name] {
			t.Errorf("package %s is not in the package map: add it to packageMap in shared/archtest/packages_test.go "+
				"with its class (%s) and one line on what it is, then run WAQTOR_UPDATE_DOCS=1 go test -run TestPackageDoc ./shared/archtest/", name, classList())
		}
	}
	for _, e := range packageMap {
		if !listed[e.path] {
			t.Errorf("the package map lists %s, which is not a package of the module; remove it from shared/archtest/packages_test.go", e.path)
		}
	}
}

func classList() string {
	var s []string
	for _, c := range classes {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

func TestImportRules(t *testing.T) {
	m := entries()
	usedAllow := map[string]bool{}
	for _, p := range listPackages(t) {
		name := rel(p.ImportPath)
		e, classified := m[name]
		if classified && e.aws && !slices.ContainsFunc(p.Imports, isAWS) {
			t.Errorf("%s imports no AWS SDK; remove aws: true from its entry in shared/archtest/packages_test.go", name)
		}
		if classified && e.whatsmeow && !slices.ContainsFunc(p.Imports, isWhatsmeow) {
			t.Errorf("%s imports no whatsmeow; remove whatsmeow: true from its entry in shared/archtest/packages_test.go", name)
		}
		for _, imp := range p.Imports {
			switch {
			case isWhatsmeow(imp) && !e.whatsmeow:
				t.Errorf("%s imports whatsmeow; only shared/whatsapp and shared/wasim may", name)
			case isAWS(imp) && !e.aws:
				t.Errorf("%s imports %s; the AWS SDK belongs in adapter packages (the package map allows it per package)", name, imp)
			case classified && strings.HasPrefix(imp, module):
				to, ok := m[rel(imp)]
				if !ok || slices.Contains(mayImport[e.class], to.class) {
					continue // an unclassified import fails TestPackageMap
				}
				if _, ok := e.allow[to.path]; ok {
					usedAllow[name+" "+to.path] = true
					continue
				}
				t.Errorf("%s package %s imports %s package %s; a %s package may import only %s packages",
					e.class, name, to.class, to.path, e.class, joinClasses(mayImport[e.class]))
			}
		}
		// Tests too: whatsmeow stays in its two packages even in tests.
		for _, imp := range append(slices.Clone(p.TestImports), p.XTestImports...) {
			if isWhatsmeow(imp) && !e.whatsmeow {
				if _, ok := e.allow[testWhatsmeow]; ok {
					usedAllow[name+" "+testWhatsmeow] = true
					break
				}
				t.Errorf("the tests of %s import whatsmeow; only shared/whatsapp and shared/wasim may", name)
				break
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
	// An exception nobody needs any more is removed, so the list stays the reviewed truth.
	for _, e := range packageMap {
		for to := range e.allow {
			if !usedAllow[e.path+" "+to] {
				t.Errorf("%s's exception for %s is no longer needed; remove it from shared/archtest/packages_test.go", e.path, to)
			}
		}
	}
}

// testWhatsmeow is the allow key that lets a package's tests (not its code) import whatsmeow.
const testWhatsmeow = "go.mau.fi/whatsmeow in tests"

func joinClasses(cs []class) string {
	var s []string
	for _, c := range cs {
		s = append(s, fmt.Sprint(c))
	}
	return strings.Join(s, ", ")
}
