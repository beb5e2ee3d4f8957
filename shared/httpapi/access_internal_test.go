package httpapi

import (
	"testing"

	"github.com/waqtor/waqtor/shared/auth"
)

// TestEveryRouteDeclaresWhoMayCallIt walks the route table: every route has a scope or an explicit public,
// userOnly, self or selfOr rule, and the check refuses a route with neither.
func TestEveryRouteDeclaresWhoMayCallIt(t *testing.T) {
	routes := (&Server{}).routeTable()
	if len(routes) < 50 {
		t.Fatalf("the route table has %d routes; the walk would prove little", len(routes))
	}
	for _, rt := range routes {
		if err := rt.checkAccess(); err != nil {
			t.Errorf("%v", err)
		}
	}
	for _, bad := range []route{
		{Method: "GET", Path: "/api/x", Access: principal},
		{Method: "GET", Path: "/api/users/{id}", Access: selfOr},
		{Method: "GET", Path: "/api/x/{id}", Access: selfOr, Scope: auth.ScopeUsersRead},
		{Method: "GET", Path: "/api/x", Access: public, Scope: auth.ScopeUsersRead},
		{Method: "GET", Path: "/api/x", Access: self, Scope: auth.ScopeUsersRead},
		{Method: "GET", Path: "/api/x", Access: principal, Scope: "users:everything"},
		{Method: "GET", Path: "/api/x", Access: access(99), Scope: auth.ScopeUsersRead},
	} {
		if bad.checkAccess() == nil {
			t.Errorf("checkAccess accepts %s %s with access %d and scope %q", bad.Method, bad.Path, bad.Access, bad.Scope)
		}
	}
}
