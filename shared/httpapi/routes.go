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

		{"GET", "/api/webhooks", principal, auth.ScopeWebhooksRead, "list webhook endpoints", s.handleListWebhooks},
		{"POST", "/api/webhooks", principal, auth.ScopeWebhooksWrite, "register a webhook endpoint", s.handleCreateWebhook},
		{"GET", "/api/webhooks/events", principal, "", "the webhook event names", s.handleWebhookEvents},
		{"GET", "/api/webhooks/{id}", principal, auth.ScopeWebhooksRead, "get a webhook endpoint", s.handleGetWebhook},
		{"PATCH", "/api/webhooks/{id}", principal, auth.ScopeWebhooksWrite, "change a webhook endpoint", s.handleUpdateWebhook},
		{"DELETE", "/api/webhooks/{id}", principal, auth.ScopeWebhooksWrite, "delete a webhook endpoint", s.handleDeleteWebhook},
		{"POST", "/api/webhooks/{id}/test", principal, auth.ScopeWebhooksWrite, "send a signed test event now", s.handleTestWebhook},
		{"POST", "/api/webhooks/{id}/rotate-secret", principal, auth.ScopeWebhooksWrite, "rotate the signing secret", s.handleRotateSecret},
		{"GET", "/api/webhooks/{id}/deliveries", principal, auth.ScopeWebhooksRead, "the endpoint's delivery log", s.handleListDeliveries},
		{"GET", "/api/webhooks/{id}/deliveries/{deliveryId}", principal, auth.ScopeWebhooksRead, "one delivery with its attempts", s.handleGetDelivery},
		{"POST", "/api/webhooks/{id}/deliveries/{deliveryId}/replay", principal, auth.ScopeWebhooksWrite, "send a delivery again", s.handleReplayDelivery},
		{"POST", "/api/webhooks/{id}/replay", principal, auth.ScopeWebhooksWrite, "replay every failed delivery in a time range", s.handleReplayFailed},

		{"GET", "/api/notifications", principal, "", "the caller's notifications", s.handleListNotifications},
		{"GET", "/api/notifications/count", principal, "", "how many notifications are unread", s.handleCountNotifications},
		{"POST", "/api/notifications/mark-read/{id}", principal, "", "mark a notification read", s.handleMarkRead},
		{"POST", "/api/notifications/mark-all-read", principal, "", "mark every notification read", s.handleMarkAllRead},
		{"DELETE", "/api/notifications/{id}", principal, "", "delete a notification", s.handleDeleteNotification},
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
