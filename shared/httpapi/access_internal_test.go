package httpapi

import (
	"net/http/httptest"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
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

// TestRoutesRefuseCallersWithoutTheirScope: the route table is the API's one layer of scope checks (the services
// check none: TestScopesAreCheckedInOneLayer in shared/archtest), so every route with a scope refuses an API key
// without it and lets one with it through; selfOr lets a dashboard user at their own record only; userOnly refuses
// API keys.
func TestRoutesRefuseCallersWithoutTheirScope(t *testing.T) {
	checked := 0
	for _, rt := range (&Server{}).routeTable() {
		r := httptest.NewRequest(rt.Method, "/", nil)
		r.SetPathValue("id", "usr_other")
		other := auth.ScopeActivityRead
		if rt.Scope == other {
			other = auth.ScopeMessagesSend
		}
		key := auth.Principal{TenantID: "ten_a", UserID: "usr_me", KeyID: "key_1", Scopes: []auth.Scope{other}}
		switch rt.Access {
		case principal, selfOr:
			checked++
			if err := rt.authorize(r, key); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s %s with a key holding only %s = %v, want forbidden", rt.Method, rt.Path, other, err)
			}
			key.Scopes = []auth.Scope{rt.Scope}
			if err := rt.authorize(r, key); err != nil {
				t.Errorf("%s %s with a key holding %s = %v, want allowed", rt.Method, rt.Path, rt.Scope, err)
			}
		case userOnly:
			if err := rt.authorize(r, auth.Principal{TenantID: "ten_a", UserID: "usr_me", KeyID: "key_1", Scopes: []auth.Scope{auth.ScopeAll}}); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s %s with an API key = %v, want forbidden", rt.Method, rt.Path, err)
			}
		}
		if rt.Access == selfOr {
			user := auth.Principal{TenantID: "ten_a", UserID: "usr_me", Scopes: []auth.Scope{other}}
			if err := rt.authorize(r, user); !apperr.Is(err, apperr.Forbidden) {
				t.Errorf("%s %s for another user without %s = %v, want forbidden", rt.Method, rt.Path, rt.Scope, err)
			}
			r.SetPathValue("id", "usr_me")
			if err := rt.authorize(r, user); err != nil {
				t.Errorf("%s %s for one's own record = %v, want allowed", rt.Method, rt.Path, err)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked %d routes with a scope; the walk would prove little", checked)
	}
}
