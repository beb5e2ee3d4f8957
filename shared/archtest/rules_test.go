package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
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
