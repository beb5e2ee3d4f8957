package session

// Commands the API (and campaigns, SmartBot) give the session host through the queues. The host is the only
// process holding WhatsApp connections, so everything that needs one travels as a command.

// Queue names of the session host's commands (see queue.Catalog).
const (
	SendsQueue   = "session-sends.fifo"
	ControlQueue = "session-control.fifo"
)

// Send is the body of a session-sends.fifo message: send the stored pending message. The content is in the
// message store, so a retried command sends exactly what was accepted, under the same WhatsApp message ID.
type Send struct {
	TenantID  string `json:"tenantId"`
	SessionID string `json:"sessionId"`
	MessageID string `json:"messageId"`
}

// Control command kinds.
const (
	// CmdStart starts a session: log in when paired, otherwise begin QR pairing.
	CmdStart = "start"
	// CmdPairCode begins pairing by phone code for Phone; the code appears on the session (PairingCode).
	CmdPairCode = "pair-code"
	// CmdRestart reconnects (and restarts pairing if unpaired).
	CmdRestart = "restart"
	// CmdLogout unlinks the device from the phone.
	CmdLogout = "logout"
	// CmdStop disconnects without unlinking.
	CmdStop = "stop"
	// CmdDelete logs out (when paired) and forgets the session's device.
	CmdDelete = "delete"
	// CmdLookup asks WhatsApp which Phones are on WhatsApp; the answer is stored as the reply RequestID.
	CmdLookup = "lookup"
	// CmdMarkRead sends read receipts for IDs in Chat (Sender in groups).
	CmdMarkRead = "mark-read"
)

// Control is the body of a session-control.fifo message.
type Control struct {
	Kind      string   `json:"kind"`
	TenantID  string   `json:"tenantId"`
	SessionID string   `json:"sessionId"`
	Phone     string   `json:"phone,omitempty"`
	Phones    []string `json:"phones,omitempty"`
	RequestID string   `json:"requestId,omitempty"`
	Chat      Address  `json:"chat,omitzero"`
	Sender    Address  `json:"sender,omitzero"`
	IDs       []string `json:"ids,omitempty"`
	// Device is the linked device of a deleted session (CmdDelete), whose record is gone by then.
	Device string `json:"device,omitempty"`
}
