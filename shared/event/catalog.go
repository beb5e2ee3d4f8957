package event

// Event types (dot names, from the seed). Webhook names are mapped from these in the webhook package.
const (
	SessionQR           = "session.qr"
	SessionStatus       = "session.status"
	SessionStats        = "session.stats"
	MessageReceived     = "message.received"
	MessageSent         = "message.sent"
	MessageDelivered    = "message.delivered"
	MessageRead         = "message.read"
	MessageFailed       = "message.failed"
	CampaignProgress    = "campaign.progress"
	CampaignCompleted   = "campaign.completed"
	CampaignPaused      = "campaign.paused"
	CampaignFailed      = "campaign.failed"
	SmartbotReply       = "smartbot.reply"
	SmartbotRuleUpdated = "smartbot.rule-updated"
	NotificationCreated = "notification.created"
	WebhookFailing      = "webhook.failing"
	WebhookRecovered    = "webhook.recovered"
	APIKeyCreated       = "apikey.created"
	APIKeyRevoked       = "apikey.revoked"
	UserCreated         = "user.created"
	UserUpdated         = "user.updated"
	UserDeleted         = "user.deleted"
	UserLoggedIn        = "user.logged-in"
)

// Info describes one event type of the catalog.
type Info struct {
	Type        string
	Description string
}

// Catalog lists every event type WaQtor publishes. It is the one source of truth: Validate refuses any other type.
var Catalog = map[string]Info{}

func init() {
	for _, i := range []Info{
		{SessionQR, "a new QR code to scan for a session"},
		{SessionStatus, "a session changed status"},
		{SessionStats, "periodic sent/received counters of a session"},
		{MessageReceived, "an incoming WhatsApp message was stored"},
		{MessageSent, "WhatsApp acknowledged an outgoing message"},
		{MessageDelivered, "an outgoing message reached the recipient's device"},
		{MessageRead, "the recipient read an outgoing message"},
		{MessageFailed, "an outgoing message could not be sent"},
		{CampaignProgress, "coalesced progress of a running campaign"},
		{CampaignCompleted, "a campaign finished"},
		{CampaignPaused, "a campaign was paused"},
		{CampaignFailed, "a campaign failed"},
		{SmartbotReply, "SmartBot answered an incoming message"},
		{SmartbotRuleUpdated, "a SmartBot rule was created, updated or deleted"},
		{NotificationCreated, "a notification was created for a user"},
		{WebhookFailing, "deliveries to a webhook endpoint failed several times in a row"},
		{WebhookRecovered, "a failing webhook endpoint took a delivery again"},
		{APIKeyCreated, "an API key was created"},
		{APIKeyRevoked, "an API key was revoked"},
		{UserCreated, "a dashboard user was created"},
		{UserUpdated, "a dashboard user was changed"},
		{UserDeleted, "a dashboard user was deleted"},
		{UserLoggedIn, "a dashboard user logged in"},
	} {
		Catalog[i.Type] = i
	}
}
