package httpapi

import (
	"net/http"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/session"
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
		{"POST", "/api/auth/logout-all", userOnly, "", "log out everywhere: end every token of the caller", s.handleLogoutAll},
		{"POST", "/api/auth/email", userOnly, "", "change the caller's sign-in email (the current password is checked)", s.handleChangeEmail},
		{"POST", "/api/auth/password", userOnly, "", "change the caller's password (the current one is checked); ends the caller's other tokens", s.handleChangePassword},
		{"GET", "/api/me", self, "", "who am I", s.handleMe},

		{"GET", "/api/keys", principal, auth.ScopeKeysRead, "list API keys", s.handleListKeys},
		{"POST", "/api/keys", principal, auth.ScopeKeysWrite, "create an API key (shown once)", s.handleCreateKey},
		{"GET", "/api/keys/{id}", principal, auth.ScopeKeysRead, "get an API key", s.handleGetKey},
		{"PATCH", "/api/keys/{id}", principal, auth.ScopeKeysWrite, "rename an API key or change its scopes", s.handleUpdateKey},
		{"DELETE", "/api/keys/{id}", principal, auth.ScopeKeysWrite, "revoke an API key", s.handleRevokeKey},

		{"GET", "/api/users", principal, auth.ScopeUsersRead, "list users", s.handleListUsers},
		{"POST", "/api/users", principal, auth.ScopeUsersWrite, "create a user", s.handleCreateUser},
		{"GET", "/api/users/{id}", selfOr, auth.ScopeUsersRead, "get a user", s.handleGetUser},
		{"PATCH", "/api/users/{id}", selfOr, auth.ScopeUsersWrite, "change a user", s.handleUpdateUser},
		{"DELETE", "/api/users/{id}", principal, auth.ScopeUsersWrite, "delete a user", s.handleDeleteUser},
		{"GET", "/api/users/{id}/key-impact", principal, auth.ScopeKeysRead, "which of the user's API keys a role change, disabling or deleting would narrow or stop", s.handleKeyImpact},
		{"POST", "/api/users/{id}/logout-all", selfOr, auth.ScopeUsersWrite, "log a user out everywhere: end every token of the user", s.handleUserLogoutAll},
		{"GET", "/api/users/{id}/avatar", selfOr, auth.ScopeUsersRead, "a user's avatar image", s.handleGetAvatar},
		{"PUT", "/api/users/{id}/avatar", selfOr, auth.ScopeUsersWrite, "upload a user's avatar image (JPEG, PNG, WebP or GIF, at most 1 MiB)", s.handlePutAvatar},
		{"DELETE", "/api/users/{id}/avatar", selfOr, auth.ScopeUsersWrite, "remove a user's avatar image", s.handleDeleteAvatar},
		{"GET", "/api/users/{id}/activity", selfOr, auth.ScopeActivityRead, "what one user did: the activity log filtered to the user as actor", s.handleUserActivity},

		{"GET", "/api/tenant/branding", principal, auth.ScopeSettingsRead, "the tenant's dashboard branding", s.handleGetBranding},
		{"PUT", "/api/tenant/branding", principal, auth.ScopeSettingsWrite, "change the app name, logo text and whether it shows", s.handlePutBranding},
		{"GET", "/api/tenant/branding/logo", principal, auth.ScopeSettingsRead, "the tenant's logo image", s.handleGetLogo},
		{"PUT", "/api/tenant/branding/logo", principal, auth.ScopeSettingsWrite, "upload the tenant's logo (PNG, JPEG, WebP or GIF, at most 256 KiB)", s.handlePutLogo},
		{"DELETE", "/api/tenant/branding/logo", principal, auth.ScopeSettingsWrite, "remove the tenant's logo", s.handleDeleteLogo},

		{"GET", "/api/activity", principal, auth.ScopeActivityRead, "the tenant's activity log", s.handleListActivity},

		{"GET", "/api/webhooks", principal, auth.ScopeWebhooksRead, "list webhook endpoints", s.handleListWebhooks},
		{"POST", "/api/webhooks", principal, auth.ScopeWebhooksWrite, "register a webhook endpoint", s.handleCreateWebhook},
		{"GET", "/api/webhooks/events", principal, auth.ScopeWebhooksRead, "the webhook event names", s.handleWebhookEvents},
		{"GET", "/api/webhooks/{id}", principal, auth.ScopeWebhooksRead, "get a webhook endpoint", s.handleGetWebhook},
		{"PATCH", "/api/webhooks/{id}", principal, auth.ScopeWebhooksWrite, "change a webhook endpoint", s.handleUpdateWebhook},
		{"DELETE", "/api/webhooks/{id}", principal, auth.ScopeWebhooksWrite, "delete a webhook endpoint", s.handleDeleteWebhook},
		{"POST", "/api/webhooks/{id}/test", principal, auth.ScopeWebhooksWrite, "send a signed test event now", s.handleTestWebhook},
		{"POST", "/api/webhooks/{id}/rotate-secret", principal, auth.ScopeWebhooksWrite, "rotate the signing secret", s.handleRotateSecret},
		{"GET", "/api/webhooks/{id}/deliveries", principal, auth.ScopeWebhooksRead, "the endpoint's delivery log", s.handleListDeliveries},
		{"GET", "/api/webhooks/{id}/deliveries/{deliveryId}", principal, auth.ScopeWebhooksRead, "one delivery with its attempts", s.handleGetDelivery},
		{"POST", "/api/webhooks/{id}/deliveries/{deliveryId}/replay", principal, auth.ScopeWebhooksWrite, "send a delivery again", s.handleReplayDelivery},
		{"POST", "/api/webhooks/{id}/replay", principal, auth.ScopeWebhooksWrite, "replay every failed delivery in a time range", s.handleReplayFailed},

		{"GET", "/api/sessions", principal, auth.ScopeSessionsRead, "list WhatsApp sessions", s.handleListSessions},
		{"POST", "/api/sessions", principal, auth.ScopeSessionsWrite, "create a session and start pairing it", s.handleCreateSession},
		{"GET", "/api/sessions/{id}", principal, auth.ScopeSessionsRead, "get a session (\"default\" names the default one)", s.handleGetSession},
		{"DELETE", "/api/sessions/{id}", principal, auth.ScopeSessionsWrite, "delete a session (its device is logged out)", s.handleDeleteSession},
		{"GET", "/api/sessions/{id}/status", principal, auth.ScopeSessionsRead, "a session's status", s.handleSessionStatus},
		{"GET", "/api/sessions/{id}/stats", principal, auth.ScopeMessagesRead, "a session's message counters of the last 24 hours", s.handleSessionStats},
		{"GET", "/api/sessions/{id}/qr", principal, auth.ScopeSessionsWrite, "the QR code to scan, as text", s.handleSessionQR},
		{"GET", "/api/sessions/{id}/qr.png", principal, auth.ScopeSessionsWrite, "the QR code to scan, as a PNG image", s.handleSessionQRPNG},
		{"POST", "/api/sessions/{id}/pairing-code", principal, auth.ScopeSessionsWrite, "pair by phone number: get the code to type on the phone", s.handlePairingCode},
		{"POST", "/api/sessions/{id}/logout", principal, auth.ScopeSessionsWrite, "unlink the session from the phone", s.sessionAction(session.CmdLogout)},
		{"POST", "/api/sessions/{id}/restart", principal, auth.ScopeSessionsWrite, "reconnect the session (or restart pairing)", s.sessionAction(session.CmdRestart)},
		{"POST", "/api/sessions/{id}/stop", principal, auth.ScopeSessionsWrite, "disconnect the session without unlinking it", s.sessionAction(session.CmdStop)},
		{"GET", "/api/session/state", principal, auth.ScopeSessionsRead, "the default session's state (seed)", s.handleSeedState},
		{"POST", "/api/session/logout", principal, auth.ScopeSessionsWrite, "log the default session out (seed)", s.sessionAction(session.CmdLogout)},
		{"POST", "/api/session/restart", principal, auth.ScopeSessionsWrite, "restart the default session (seed)", s.sessionAction(session.CmdRestart)},

		{"POST", "/api/messages/send-text", principal, auth.ScopeMessagesSend, "send a text message", s.handleSendText},
		{"POST", "/api/messages/send-media", principal, auth.ScopeMessagesSend, "send an image, video, audio, voice note, document or sticker", s.handleSendMedia},
		{"POST", "/api/media", principal, auth.ScopeMessagesSend, "upload a media file to send by its ID (send-media) within 24 hours", s.handleUploadMedia},
		{"POST", "/api/messages/send-poll", principal, auth.ScopeMessagesSend, "send a poll", s.handleSendPoll},
		{"POST", "/api/messages/send-location", principal, auth.ScopeMessagesSend, "send a location", s.handleSendLocation},
		{"POST", "/api/messages/send-contact", principal, auth.ScopeMessagesSend, "send a contact card", s.handleSendContact},
		{"POST", "/api/messages/send-reaction", principal, auth.ScopeMessagesSend, "react to a message", s.handleSendReaction},
		{"POST", "/api/messages/send-button", principal, auth.ScopeMessagesSend, "send quick-reply buttons (best effort on linked devices)", s.handleSendButtons},
		{"POST", "/api/messages/send-list", principal, auth.ScopeMessagesSend, "send a list menu (best effort on linked devices)", s.handleSendList},
		{"POST", "/api/messages/mark-read", principal, auth.ScopeMessagesSend, "send read receipts for incoming messages", s.handleMarkMessagesRead},
		{"GET", "/api/messages", principal, auth.ScopeMessagesRead, "list messages", s.handleListMessages},
		{"GET", "/api/messages/{id}", principal, auth.ScopeMessagesRead, "a message with its status timeline", s.handleGetMessage},
		{"GET", "/api/messages/{id}/media", principal, auth.ScopeMessagesRead, "a message's media file", s.handleMessageMedia},
		{"POST", "/api/contacts/check", principal, auth.ScopeMessagesRead, "which phone numbers are on WhatsApp", s.handleCheckContacts},

		{"GET", "/api/dev/demo/contacts", principal, auth.ScopeMessagesRead, "demo mode: the fake contacts", s.handleDemoContacts},
		{"GET", "/api/dev/demo/contacts/{phone}/messages", principal, auth.ScopeMessagesRead, "demo mode: what a fake contact received", s.handleDemoInbox},
		{"POST", "/api/dev/demo/contacts/{phone}/messages", principal, auth.ScopeSessionsWrite, "demo mode: a fake contact writes to a session", s.handleDemoWrite},
		{"POST", "/api/dev/demo/sessions/{id}/scan", principal, auth.ScopeSessionsWrite, "demo mode: the demo phone scans the session's QR code", s.handleDemoScan},
		{"POST", "/api/dev/demo/sessions/{id}/faults", principal, auth.ScopeSessionsWrite, "demo mode: inject a fault into a session", s.handleDemoFault},

		{"GET", "/api/notifications", principal, auth.ScopeNotificationsRead, "the caller's notifications", s.handleListNotifications},
		{"GET", "/api/notifications/count", principal, auth.ScopeNotificationsRead, "how many notifications are unread", s.handleCountNotifications},
		{"POST", "/api/notifications/mark-read/{id}", principal, auth.ScopeNotificationsWrite, "mark a notification read", s.handleMarkRead},
		{"POST", "/api/notifications/mark-all-read", principal, auth.ScopeNotificationsWrite, "mark every notification read", s.handleMarkAllRead},
		{"DELETE", "/api/notifications/{id}", principal, auth.ScopeNotificationsWrite, "delete a notification", s.handleDeleteNotification},
		{"GET", "/api/notifications/preferences", principal, auth.ScopeNotificationsRead, "the caller's notification preferences (muted kinds)", s.handleGetNotificationPreferences},
		{"PUT", "/api/notifications/preferences", principal, auth.ScopeNotificationsWrite, "replace the caller's notification preferences", s.handlePutNotificationPreferences},

		{"GET", "/api/plan", self, "", "the account's plan and which premium features it may use", s.handlePlan},
		{"POST", "/api/plan/redeem", userOnly, "", "redeem an access code to unlock a premium feature (owners and admins)", s.handleRedeem},
		{"GET", "/api/reports/messages", principal, auth.ScopeMessagesRead, "messages per day by direction and status, and the delivery funnel (premium: reports)", s.handleMessageReport},
		{"GET", "/api/reports/webhooks", principal, auth.ScopeWebhooksRead, "webhook deliveries per day, success rate and latency (premium: reports)", s.handleWebhookReport},
		{"POST", "/api/operator/access-codes", operator, "", "operator: issue a single-use access code for a tenant and feature", s.handleIssueAccessCode},
		{"PUT", "/api/operator/tenants/{id}/plan", operator, "", "operator: set a tenant's plan (free or premium)", s.handleSetTenantPlan},

		{"POST", "/api/realtime/ticket", self, "", "a single-use 30 s ticket to open the live feed (/ws) as the caller", s.handleRealtimeTicket},
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
