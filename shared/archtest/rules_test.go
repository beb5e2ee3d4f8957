package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseDir parses the non-test Go files of a folder of the module (relative to its root).
func parseDir(t *testing.T, dir string) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	ents, err := os.ReadDir(filepath.Join("..", "..", dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		path := filepath.Join("..", "..", dir, e.Name())
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[path] = f
	}
	return fset, files
}

// TestUpdatesKeepFixedFields: the stores save what they are given, so which fields of a key, a user, a webhook or
// a delivery may change is the domain's rule: every change handed to a store's Update* (and RecordAttempt) in the
// domain packages goes through the package's keep…Fixed wrapper (a Store that decorates a Store, as sealedStore,
// passes its caller's change on).
func TestUpdatesKeepFixedFields(t *testing.T) {
	updates := map[string]bool{"UpdateKey": true, "UpdateUser": true, "UpdateWebhook": true, "UpdateDelivery": true, "RecordAttempt": true}
	calls := 0
	for _, dir := range []string{"shared/apikey", "shared/tenant", "shared/webhook"} {
		fset, files := parseDir(t, dir)
		for _, f := range files {
			inside := "" // the function declaration being walked
			ast.Inspect(f, func(n ast.Node) bool {
				if fd, ok := n.(*ast.FuncDecl); ok {
					inside = fd.Name.Name
				}
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !updates[sel.Sel.Name] || len(call.Args) == 0 || inside == sel.Sel.Name {
					return true // a Store decorating a Store (sealedStore) passes its caller's change on
				}
				calls++
				last, ok := call.Args[len(call.Args)-1].(*ast.CallExpr)
				if id, isIdent := func() (*ast.Ident, bool) {
					if !ok {
						return nil, false
					}
					id, ok := last.Fun.(*ast.Ident)
					return id, ok
				}(); !isIdent || !strings.HasPrefix(id.Name, "keep") || !strings.HasSuffix(id.Name, "Fixed") {
					t.Errorf("%s: %s's change does not go through the package's keep…Fixed", fset.Position(call.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
	if calls < 10 {
		t.Fatalf("found %d store updates in the domain packages; the test no longer sees them", calls)
	}
}

// scopeLayers are the only files that check a caller's scopes (auth.Principal.Can): the API's route table
// (authorize, and requireScope for a rule that depends on the request) and the live feed's topic table (its
// subscriptions). The domain services check none: they act for the tenant the caller names and apply the rules of
// roles (only an owner touches an owner, a key never exceeds its creator); an operation that comes through no
// route (setup, a consumer, a campaign's or a bot's sends) acts as the system and needs no scope.
var scopeLayers = map[string]string{
	"shared/auth/principal.go":    "defines Can (and CanGrant, which uses it)",
	"shared/httpapi/server.go":    "the route table's authorize and requireScope",
	"shared/realtime/topics.go":   "the live feed's topic table: which events a subscriber may see",
	"shared/realtime/protocol.go": "the live feed's subscribe command, checked against the topic table",
}

// TestScopesAreCheckedInOneLayer: no code outside scopeLayers calls Can, so every operation has its scope checked
// in exactly one layer (TestRoutesRefuseCallersWithoutTheirScope in shared/httpapi proves the route table refuses
// each route's callers without its scope).
func TestScopesAreCheckedInOneLayer(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" || d.Name() == "dashboard") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Can" && len(call.Args) == 1 {
				if _, ok := scopeLayers[rel]; !ok {
					t.Errorf("%s: checks a scope (Can); scopes are checked only by the route table and the live feed's topic table (scopeLayers)", fset.Position(call.Pos()))
				}
				seen[rel] = true
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file := range scopeLayers {
		if !seen[file] {
			t.Errorf("%s is listed in scopeLayers but checks no scope: remove it or fix the walk", file)
		}
	}
}
