package httpapi

import (
	"net/http"

	"github.com/waqtor/waqtor/shared/auth"
)

// routeTable is every route of the API. docs/openapi.yaml must describe exactly these (TestOpenAPIMatchesRoutes).
func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/healthz", public, "", "liveness", s.handleHealthz},
		{"GET", "/readyz", public, "", "readiness", s.handleReadyz},
		{"GET", "/metrics", public, "", "Prometheus metrics", s.handleMetrics},
		{"GET", "/api/openapi.yaml", public, "", "this API's OpenAPI description", s.handleOpenAPI},

		{"POST", "/api/auth/login", public, "", "log in with email and password", s.handleLogin},
		{"POST", "/api/auth/signup", public, "", "create a tenant and its owner", s.handleSignup},
		{"POST", "/api/auth/refresh", userOnly, "", "exchange a valid token for a fresh one", s.handleRefresh},
		{"GET", "/api/me", principal, "", "who am I", s.handleMe},

		{"GET", "/api/keys", principal, auth.ScopeKeysRead, "list API keys", s.handleListKeys},
		{"POST", "/api/keys", principal, auth.ScopeKeysWrite, "create an API key (shown once)", s.handleCreateKey},
		{"GET", "/api/keys/{id}", principal, auth.ScopeKeysRead, "get an API key", s.handleGetKey},
		{"PATCH", "/api/keys/{id}", principal, auth.ScopeKeysWrite, "rename an API key or change its scopes", s.handleUpdateKey},
		{"DELETE", "/api/keys/{id}", principal, auth.ScopeKeysWrite, "revoke an API key", s.handleRevokeKey},

		{"GET", "/api/users", principal, auth.ScopeUsersRead, "list users", s.handleListUsers},
		{"POST", "/api/users", principal, auth.ScopeUsersWrite, "create a user", s.handleCreateUser},
		{"GET", "/api/users/{id}", principal, "", "get a user", s.handleGetUser},
		{"PATCH", "/api/users/{id}", principal, "", "change a user", s.handleUpdateUser},
		{"DELETE", "/api/users/{id}", principal, auth.ScopeUsersWrite, "delete a user", s.handleDeleteUser},

		{"GET", "/api/activity", principal, auth.ScopeActivityRead, "the tenant's activity log", s.handleListActivity},
	}
}

func (s *Server) routes() { s.mount(s.routeTable()) }

// Routes lists "METHOD /path" of every route, for the OpenAPI sync test and the docs.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routeTable() {
		out = append(out, rt.Method+" "+rt.Path)
	}
	return out
}

var _ http.Handler = (*Server)(nil)
