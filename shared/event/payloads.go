package event

// Payloads of the session and message events: the "data" of their envelopes. Field names follow the seed
// (from/to/body/messageId/isGroup/timestamp in Unix seconds, status, clientInfo); the rest are additions. Chat IDs
// in from/to use the whatsapp-web.js form the seed's users know ("966501234567@c.us", groups "…@g.us"); chatId is
// the canonical WhatsApp form and phone/lid carry both identities of a user.

// ClientInfo describes the WhatsApp account of a session (the seed's clientInfo).
type ClientInfo struct {
	Platform    string `json:"platform,omitempty"`
	PhoneNumber string `json:"phoneNumber"`
	Name        string `json:"name,omitempty"`
	LID         string `json:"lid,omitempty"`
}

// SessionQRData is session.qr: a new QR code to scan.
type SessionQRData struct {
	QR        string `json:"qr"`
	Timestamp int64  `json:"timestamp"`
	// ExpiresAt is when the code is replaced by the next one (Unix seconds).
	ExpiresAt int64 `json:"expiresAt"`
}

// SessionStatusData is session.status.
type SessionStatusData struct {
	// Status is the session's status: connecting, qr, ready, reconnecting, logged_out, banned, replaced, outdated
	// or stopped.
	Status string `json:"status"`
	// State is the same in the seed's vocabulary: ready, connecting, disconnected or auth_failure.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	Until  int64  `json:"until,omitempty"`
	// NextRetryAt (Unix seconds) is when the session host tries again to reach WhatsApp, while it cannot
	// (connecting or reconnecting, with a reason naming the cause: "cannot reach WhatsApp (dns: …): …").
	NextRetryAt int64       `json:"nextRetryAt,omitempty"`
	Timestamp   int64       `json:"timestamp"`
	ClientInfo  *ClientInfo `json:"clientInfo,omitempty"`
}

// SessionStatsData is session.stats: the session's message counters since it was created.
type SessionStatsData struct {
	Sent      int64 `json:"sent"`
	Received  int64 `json:"received"`
	Timestamp int64 `json:"timestamp"`
}

// User is a WhatsApp user in both forms.
type User struct {
	Phone string `json:"phone,omitempty"`
	LID   string `json:"lid,omitempty"`
}

// Media describes a message's media file.
type Media struct {
	Kind     string `json:"kind"`
	Mime     string `json:"mime"`
	FileName string `json:"fileName,omitempty"`
	Size     int64  `json:"size"`
	// URL is the API path that serves the file to an authenticated client.
	URL string `json:"url,omitempty"`
}

// MessageReceivedData is message.received.
type MessageReceivedData struct {
	From      string `json:"from"`
	Body      string `json:"body"`
	Timestamp int64  `json:"timestamp"`
	MessageID string `json:"messageId"`
	IsGroup   bool   `json:"isGroup"`
	ChatID    string `json:"chatId"`
	Sender    User   `json:"sender"`
	PushName  string `json:"pushName,omitempty"`
	Type      string `json:"type"`
	FromMe    bool   `json:"fromMe,omitempty"`
	Media     *Media `json:"media,omitempty"`
	ReplyTo   string `json:"replyTo,omitempty"`
	// Content holds the decoded extras of non-text types (location, contact, poll, reaction).
	Content any `json:"content,omitempty"`
}

// MessageStatusData is message.sent, message.delivered, message.read and message.failed.
type MessageStatusData struct {
	To         string `json:"to"`
	MessageID  string `json:"messageId"`
	Timestamp  int64  `json:"timestamp"`
	Status     string `json:"status"`
	ChatID     string `json:"chatId"`
	Error      string `json:"error,omitempty"`
	CampaignID string `json:"campaignId,omitempty"`
}

// WebhookFailingData is webhook.failing: the endpoint's last FailedDeliveries deliveries failed for good, the first
// of them since Since (Unix seconds). It carries no URL, header or secret.
type WebhookFailingData struct {
	WebhookID        string `json:"webhookId"`
	FailedDeliveries int    `json:"failedDeliveries"`
	Since            int64  `json:"since"`
	// LastCode is the HTTP status of the last failed attempt (0: no answer).
	LastCode  int   `json:"lastCode,omitempty"`
	Timestamp int64 `json:"timestamp"`
}

// WebhookRecoveredData is webhook.recovered: a delivery to an endpoint that was failing since Since succeeded.
type WebhookRecoveredData struct {
	WebhookID string `json:"webhookId"`
	Since     int64  `json:"since"`
	Timestamp int64  `json:"timestamp"`
}
