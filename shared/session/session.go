// Package session is the domain of linked WhatsApp numbers: a tenant's sessions, their statuses, and the port to
// WhatsApp itself (Client, Devices), which shared/whatsapp implements with whatsmeow.
package session

import (
	"context"
	"time"
)

// Status is where a session is in its life. Every WhatsApp lifecycle event maps to exactly one of these.
type Status string

// Statuses of a session.
const (
	// Connecting: the socket is being opened (first start, or a start after a stop).
	Connecting Status = "connecting"
	// QR: unpaired and waiting for the phone to scan the current QR code or enter the pairing code.
	QR Status = "qr"
	// Ready: logged in and connected; sends go out.
	Ready Status = "ready"
	// Reconnecting: the connection dropped (or its keepalives fail) and whatsmeow is reconnecting by itself.
	Reconnecting Status = "reconnecting"
	// LoggedOut: the phone unlinked this device (or never finished pairing); pairing again needs a new QR.
	LoggedOut Status = "logged_out"
	// Banned: WhatsApp refused the connection temporarily; Until says when it may be tried again.
	Banned Status = "banned"
	// Replaced: another connection with the same keys took over. WaQtor does not fight back.
	Replaced Status = "replaced"
	// Outdated: WhatsApp refused this client version (405); upgrading WaQtor fixes it.
	Outdated Status = "outdated"
	// Stopped: stopped on purpose through the API, or a QR login that no phone finished in time. (A shutdown of
	// the host leaves statuses as they are, so the next start resumes every session.)
	Stopped Status = "stopped"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{Connecting, QR, Ready, Reconnecting, LoggedOut, Banned, Replaced, Outdated, Stopped}

// Permanent reports whether the session stays in s until someone acts (pairs again, waits out a ban, upgrades,
// restarts): whatsmeow does not reconnect from these by itself.
func (s Status) Permanent() bool {
	switch s {
	case LoggedOut, Banned, Replaced, Outdated, Stopped:
		return true
	}
	return false
}

// Seed maps a status to the seed's session.status vocabulary (ready|disconnected|auth_failure|connecting),
// which the legacy endpoint GET /api/session/state and the session.status event's "status" field keep.
func (s Status) Seed() string {
	switch s {
	case Ready:
		return "ready"
	case Connecting, QR, Reconnecting:
		return "connecting"
	case LoggedOut, Banned:
		return "auth_failure"
	default:
		return "disconnected"
	}
}

// Account is the WhatsApp account a session is linked to, known once paired.
type Account struct {
	// Phone is the account's number, E.164 digits without "+".
	Phone string `json:"phoneNumber"`
	// LID is the account's WhatsApp linked ID ("…@lid").
	LID string `json:"lid,omitempty"`
	// DeviceJID is this linked device's JID ("phone:device@s.whatsapp.net"): the device store's key.
	DeviceJID    string `json:"-"`
	PushName     string `json:"name,omitempty"`
	Platform     string `json:"platform,omitempty"`
	BusinessName string `json:"businessName,omitempty"`
}

// Session is one linked (or linking) WhatsApp number of a tenant.
type Session struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	Name     string `json:"name"`
	// Default marks the session the seed's /api/session/* endpoints and sends without a sessionId act on.
	Default bool   `json:"default"`
	Status  Status `json:"status"`
	// Reason says why the status was entered (e.g. "device_removed", "keepalive timeout"), for people.
	Reason string `json:"reason,omitempty"`
	// Until is when a ban ends (Banned only).
	Until *time.Time `json:"until,omitempty"`
	// NextRetryAt is when the session host tries to reach WhatsApp again, while it cannot (Connecting or
	// Reconnecting, with a Reason naming the cause).
	NextRetryAt *time.Time `json:"nextRetryAt,omitempty"`
	Account     *Account   `json:"account,omitempty"`
	// QR is the current QR code while Status is QR (empty otherwise), and QRExpiresAt when it rotates.
	QR          string     `json:"-"`
	QRExpiresAt *time.Time `json:"-"`
	// PairingCode is the code to type on the phone while pairing by phone number (empty otherwise).
	PairingCode string    `json:"-"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

// Change is a status change to record.
type Change struct {
	Status Status
	Reason string
	Until  *time.Time
	// NextRetryAt is when the host tries to reach WhatsApp again (nil: not retrying).
	NextRetryAt *time.Time
	// Account is set when pairing finished (nil leaves the stored account as it is).
	Account *Account
	// ClearAccount forgets the account (after a logout: the device is gone).
	ClearAccount bool
	QR           string
	QRExpiresAt  *time.Time
	PairingCode  string
}

// Store keeps sessions. Every method but the host's ListAll is scoped to a tenant.
type Store interface {
	// CreateSession stores s; the first session of a tenant becomes its default.
	CreateSession(ctx context.Context, s Session) (Session, error)
	GetSession(ctx context.Context, tenantID, id string) (Session, error)
	// DefaultSession returns the tenant's default session (ErrNotFound when it has none).
	DefaultSession(ctx context.Context, tenantID string) (Session, error)
	ListSessions(ctx context.Context, tenantID string) ([]Session, error)
	// UpdateStatus records c and returns the session as stored.
	UpdateStatus(ctx context.Context, tenantID, id string, c Change, at time.Time) (Session, error)
	// DeleteSession removes the session; the next oldest becomes the default if it was.
	DeleteSession(ctx context.Context, tenantID, id string) error
	// ListAll returns every session of every tenant: the session host's list to run at start.
	ListAll(ctx context.Context) ([]Session, error)

	// PutReply stores the session host's answer to a request the API is waiting for (a number lookup), kept
	// until expires; GetReply returns it, or ErrNoReply while there is none yet.
	PutReply(ctx context.Context, tenantID, requestID string, body []byte, expires time.Time) error
	GetReply(ctx context.Context, tenantID, requestID string) ([]byte, error)
}
