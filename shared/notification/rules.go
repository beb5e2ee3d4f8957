package notification

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/session"
)

// Kind names what a notification is about; users mute kinds (Preferences). Kinds are stable API values.
type Kind string

// Kinds of the rules. A new rule brings its kind here and in Kinds.
const (
	KindSessionLoggedOut    Kind = "session.logged_out"
	KindSessionBanned       Kind = "session.banned"
	KindSessionReplaced     Kind = "session.replaced"
	KindSessionOutdated     Kind = "session.outdated"
	KindSessionDisconnected Kind = "session.disconnected"
	KindSessionQRWaiting    Kind = "session.qr_waiting"
	KindSessionUnreachable  Kind = "session.unreachable"
	KindWebhookFailing      Kind = "webhook.failing"
	KindWebhookRecovered    Kind = "webhook.recovered"
	KindWebhookDisabled     Kind = "webhook.disabled"
	KindDeliveryFailed      Kind = "webhook.delivery_failed"
	KindSignInPaused        Kind = "user.sign_in_paused"
)

// Kinds lists every kind a user can mute, in the order the preferences show them.
var Kinds = []Kind{KindSessionLoggedOut, KindSessionBanned, KindSessionReplaced, KindSessionOutdated,
	KindSessionDisconnected, KindSessionQRWaiting, KindSessionUnreachable, KindWebhookFailing, KindWebhookRecovered,
	KindWebhookDisabled, KindDeliveryFailed, KindSignInPaused}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Grace periods of the rules that wait before they notify.
const (
	// DisconnectGrace is how long a paired session may stay disconnected (reconnecting) before its users are told:
	// WhatsApp drops connections now and then and the client reconnects by itself within seconds.
	DisconnectGrace = 2 * time.Minute
	// QRWait is how long a pairing attempt may show its QR code before its users are told it waits for a scan:
	// whoever started the pairing is usually scanning already.
	QRWait = 30 * time.Second
)

// Fact is what a rule looks at: a source event, with its data decoded for the rules, or a producer's Signal (then
// Event holds the signal's tenant, session, time and Key as its ID).
type Fact struct {
	Event     event.Envelope
	Status    event.SessionStatusData    // session.status only
	Failing   event.WebhookFailingData   // webhook.failing only
	Recovered event.WebhookRecoveredData // webhook.recovered only
	Signal    Signal                     // signal rules only
	// Session is the fact's session (Event.SessionID) as the center read it before drafting; nil for facts of no
	// session and for a session deleted meanwhile.
	Session *session.Session
}

// Audience is who of a tenant's users a rule's notification goes to (each minus those who muted its kind).
type Audience struct {
	// Scope: every user whose role grants it (auth.RoleScopes), that is who may see what the notification links to.
	Scope auth.Scope
	// Subject: also the user the fact is about (Signal.UserID), whatever their role.
	Subject bool
}

// Includes reports whether a user of the role (and whether they are the fact's subject) is in the audience.
func (a Audience) Includes(role auth.Role, subject bool) bool {
	return (a.Subject && subject) || slices.Contains(auth.Expand(auth.RoleScopes(role)), a.Scope)
}

// Draft is a notification a rule wants to create, before it is addressed to users.
type Draft struct {
	Type    string
	Title   string
	Message string
	Icon    string
	Link    string
}

// Rule turns one kind of fact into a notification.
type Rule struct {
	Kind Kind
	// Source is the event type the rule looks at; "" makes it a signal rule: its facts are Signals of its Kind,
	// which producers raise through Center.Raise (the facts no catalog event carries).
	Source string
	// Audience is who receives the notification.
	Audience Audience
	// Match reports whether the fact is one the rule notifies about (event rules; a signal is always one).
	Match func(f Fact) bool
	// Wait, when set, makes the rule a pending check: the notification is created only if Still holds when the
	// event is Wait old. The check is the source event's queue message coming back (queue.RetryAfter), so it works
	// alike in both runtimes and survives restarts; the session coming back makes Still false, which cancels it.
	Wait time.Duration
	// Still reports, at check time, whether the session is still in the state the event reported (Wait rules).
	Still func(s session.Session, f Fact) bool
	// Draft builds the notification.
	Draft func(f Fact) Draft
}

// Rules is THE table that turns events and producers' signals into notifications for a tenant's users. Each
// notification's ID derives from its source event's ID (a signal's Key), its kind and its user, so a redelivered
// event or a repeated signal creates nothing new.
//
// Audiences: session notices go to the users who may read sessions, webhook notices to those who may read
// webhooks, a paused sign-in to the user whose account it is and to those who may manage users.
//
// Campaign and SmartBot events plug in here as those features land: a rule whose Source is campaign.completed,
// campaign.failed, campaign.paused or smartbot.reply (with its kind in Kinds), and the event type in the
// "notifications" route of shared/routing (a test keeps the route's types equal to Sources()).
var Rules = []Rule{
	{
		Kind: KindSessionLoggedOut, Source: event.SessionStatus, Audience: sessionReaders,
		Match: statusIs(session.LoggedOut),
		Draft: func(f Fact) Draft {
			return Draft{Type: Error, Title: "WhatsApp session logged out", Icon: "pi pi-sign-out", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s was logged out of WhatsApp%s. Scan a new QR code to link it again.",
					sessionName(f), because(f))}
		},
	}, {
		Kind: KindSessionBanned, Source: event.SessionStatus, Audience: sessionReaders,
		Match: statusIs(session.Banned),
		Draft: func(f Fact) Draft {
			until := ""
			if f.Status.Until > 0 {
				until = " until " + time.Unix(f.Status.Until, 0).UTC().Format(time.RFC3339)
			}
			return Draft{Type: Error, Title: "WhatsApp session banned", Icon: "pi pi-ban", Link: sessionLink(f),
				Message: fmt.Sprintf("WhatsApp banned the number of session %s%s%s. It sends nothing until the ban ends.",
					sessionName(f), until, because(f))}
		},
	}, {
		Kind: KindSessionReplaced, Source: event.SessionStatus, Audience: sessionReaders,
		Match: statusIs(session.Replaced),
		Draft: func(f Fact) Draft {
			return Draft{Type: Warning, Title: "WhatsApp session replaced", Icon: "pi pi-clone", Link: sessionLink(f),
				Message: fmt.Sprintf("Another connection took over session %s, which stopped. Start it again if this "+
					"was not intended.", sessionName(f))}
		},
	}, {
		Kind: KindSessionOutdated, Source: event.SessionStatus, Audience: sessionReaders,
		Match: statusIs(session.Outdated),
		Draft: func(f Fact) Draft {
			return Draft{Type: Error, Title: "WhatsApp session needs an upgrade", Icon: "pi pi-refresh", Link: sessionLink(f),
				Message: fmt.Sprintf("WhatsApp refused the client version of session %s. Upgrade WaQtor and start the "+
					"session again.", sessionName(f))}
		},
	}, {
		// A paired session lost its connection (reconnecting, without the host's own retry schedule: a session that
		// cannot reach WhatsApp at all is reported once per outage by the session runner) and has not come back
		// after DisconnectGrace. Any status change since the event (ready, or anything else) cancels the check.
		Kind: KindSessionDisconnected, Source: event.SessionStatus, Audience: sessionReaders,
		Match: func(f Fact) bool { return f.Status.Status == string(session.Reconnecting) && f.Status.NextRetryAt == 0 },
		Wait:  DisconnectGrace,
		Still: func(s session.Session, f Fact) bool {
			return s.Status == session.Reconnecting && !s.UpdatedAt.After(f.Event.Time)
		},
		Draft: func(f Fact) Draft {
			return Draft{Type: Warning, Title: "WhatsApp session disconnected", Icon: "pi pi-wifi", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s has been disconnected from WhatsApp since %s%s and has not reconnected "+
					"for %s.", sessionName(f), f.Event.Time.UTC().Format(time.RFC3339), because(f), DisconnectGrace)}
		},
	}, {
		// A pairing attempt starts with a connecting status of a session without an account (one per attempt; QR
		// rotations publish qr statuses, not connecting). After QRWait, a session still showing a QR code waits
		// for a scan.
		Kind: KindSessionQRWaiting, Source: event.SessionStatus, Audience: sessionReaders,
		Match: func(f Fact) bool {
			return f.Status.Status == string(session.Connecting) && f.Status.ClientInfo == nil && f.Status.NextRetryAt == 0
		},
		Wait: QRWait,
		Still: func(s session.Session, f Fact) bool {
			return s.Status == session.QR && s.PairingCode == "" && s.Account == nil
		},
		Draft: func(f Fact) Draft {
			return Draft{Type: Info, Title: "Scan the QR code", Icon: "pi pi-qrcode", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s is waiting for its QR code to be scanned with WhatsApp on the phone "+
					"(Linked devices).", sessionName(f))}
		},
	}, {
		// The deliverer publishes webhook.failing once per failing run, when webhook.FailingAfter deliveries in a
		// row have failed for good, and webhook.recovered when such an endpoint takes a delivery again.
		Kind: KindWebhookFailing, Source: event.WebhookFailing, Audience: webhookReaders,
		Match: func(Fact) bool { return true },
		Draft: func(f Fact) Draft {
			code := "no answer"
			if f.Failing.LastCode > 0 {
				code = fmt.Sprintf("HTTP %d", f.Failing.LastCode)
			}
			return Draft{Type: Error, Title: "Webhook endpoint failing", Icon: "pi pi-exclamation-circle",
				Link: webhookLink(f.Failing.WebhookID),
				Message: fmt.Sprintf("The last %d deliveries to endpoint %s failed (since %s; last: %s). Check the "+
					"endpoint; failed deliveries are in its dead-letter list and can be replayed.", f.Failing.FailedDeliveries,
					f.Failing.WebhookID, time.Unix(f.Failing.Since, 0).UTC().Format(time.RFC3339), code)}
		},
	}, {
		Kind: KindWebhookRecovered, Source: event.WebhookRecovered, Audience: webhookReaders,
		Match: func(Fact) bool { return true },
		Draft: func(f Fact) Draft {
			return Draft{Type: Success, Title: "Webhook endpoint recovered", Icon: "pi pi-check-circle",
				Link: webhookLink(f.Recovered.WebhookID),
				Message: fmt.Sprintf("Endpoint %s takes deliveries again (it was failing since %s). Replay what is in "+
					"its dead-letter list if it is still wanted.", f.Recovered.WebhookID,
					time.Unix(f.Recovered.Since, 0).UTC().Format(time.RFC3339))}
		},
	},
	{
		// Signal rules: facts no catalog event carries, raised by their producers (Center.Raise).
		//
		// The session runner raises session.unreachable once per outage: from a session's first start that cannot
		// reach WhatsApp until it reaches WhatsApp again or someone acts on it (stop, logout, delete).
		Kind: KindSessionUnreachable, Audience: sessionReaders,
		Draft: func(f Fact) Draft {
			return Draft{Type: Warning, Title: "WhatsApp session cannot connect", Icon: "pi pi-wifi", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s cannot reach WhatsApp since %s: %s. WaQtor keeps trying; its status "+
					"shows the next attempt.", sessionName(f), f.Event.Time.UTC().Format(time.RFC3339),
					f.Signal.Unreachable.Reason)}
		},
	}, {
		// The deliverer raises webhook.disabled once per disabling (only the call that turned the endpoint off).
		Kind: KindWebhookDisabled, Audience: webhookReaders,
		Draft: func(f Fact) Draft {
			d := f.Signal.Disabled
			msg := "The endpoint answered 410 Gone, which means it no longer wants deliveries, so WaQtor disabled it."
			if !d.Gone {
				msg = fmt.Sprintf("Deliveries to the endpoint have failed without a success for more than %d hours, so "+
					"WaQtor disabled it.", d.FailingHours)
			}
			return Draft{Type: Error, Title: "Webhook endpoint disabled", Icon: "pi pi-ban", Link: webhookLink(d.WebhookID),
				Message: msg + " Its pending deliveries are in the dead-letter list; re-enable the endpoint and replay " +
					"them once it works again."}
		},
	}, {
		// The deliverer raises webhook.delivery_failed for each delivery that failed for good. webhook.failing
		// covers an endpoint that fails FailingAfter deliveries in a row; this one also tells of a single delivery
		// the receiver refused among successes (a payload it cannot take), so it stays, as its own kind to mute.
		Kind: KindDeliveryFailed, Audience: webhookReaders,
		Draft: func(f Fact) Draft {
			d := f.Signal.DeliveryFailed
			return Draft{Type: Error, Title: "Webhook delivery failed", Icon: "pi pi-exclamation-triangle",
				Link: deliveryLink(d.WebhookID, d.DeliveryID),
				Message: fmt.Sprintf("The %s delivery %s to endpoint %s failed after %d attempt(s): %s. It is in the "+
					"dead-letter list and can be replayed.", d.Event, d.DeliveryID, d.WebhookID, d.Attempts, d.Error)}
		},
	}, {
		// The tenant service raises user.sign_in_paused once per lock of an account's sign-in. Two rows, one kind:
		// the account's user reads of their own account, the users who may manage users of whose; a user in both
		// audiences gets the first row's.
		Kind: KindSignInPaused, Audience: Audience{Subject: true},
		Draft: func(f Fact) Draft {
			d := f.Signal.SignInPaused
			return Draft{Type: Warning, Title: "Sign-in paused after failed attempts", Icon: "pi pi-lock", Link: "/profile",
				Message: fmt.Sprintf("%d failed sign-in attempts on your account; sign-in is paused until %s UTC. "+
					"If this was not you, someone may be guessing your password: choose a long, unique one.",
					d.Failures, untilText(d.Until))}
		},
	}, {
		Kind: KindSignInPaused, Audience: Audience{Scope: auth.ScopeUsersWrite},
		Draft: func(f Fact) Draft {
			d := f.Signal.SignInPaused
			return Draft{Type: Warning, Title: "Sign-in paused after failed attempts", Icon: "pi pi-lock",
				Link: "/settings/users",
				Message: fmt.Sprintf("%d failed sign-in attempts on the account of %s; sign-in to it is paused until "+
					"%s UTC. If they were not its user's, someone may be guessing its password.", d.Failures, d.Email,
					untilText(d.Until))}
		},
	},
}

// Audiences of the rules.
var (
	sessionReaders = Audience{Scope: auth.ScopeSessionsRead}
	webhookReaders = Audience{Scope: auth.ScopeWebhooksRead}
)

// Signal is a fact a producer tells the center directly (Center.Raise), for the signal rules of its Kind.
type Signal struct {
	Kind     Kind
	TenantID string
	// Key identifies the fact: raising the same key of the same kind again creates nothing new.
	Key string
	// Time is when the fact happened: the notifications' CreatedAt.
	Time time.Time
	// SessionID is the session the fact is about (session.unreachable).
	SessionID string
	// UserID is the user the fact is about (user.sign_in_paused), for the rules whose Audience has Subject.
	UserID string
	// The data of each kind.
	Unreachable    UnreachableData
	DeliveryFailed DeliveryFailedData
	Disabled       DisabledData
	SignInPaused   SignInPausedData
}

// UnreachableData is the data of session.unreachable.
type UnreachableData struct {
	Reason string // why the session cannot reach WhatsApp
}

// DeliveryFailedData is the data of webhook.delivery_failed.
type DeliveryFailedData struct {
	WebhookID, DeliveryID string
	Event                 string // the delivered event's type
	Attempts              int
	Error                 string // why the last attempt failed
}

// DisabledData is the data of webhook.disabled.
type DisabledData struct {
	WebhookID string
	// Gone: the endpoint answered 410 Gone; else it failed without a success for FailingHours.
	Gone         bool
	FailingHours int
}

// SignInPausedData is the data of user.sign_in_paused.
type SignInPausedData struct {
	Email    string // the account's
	Failures int
	Until    time.Time
}

// Sources lists the event types the center consumes, the "notifications" route's detail types: those the rules
// look at, and user.deleted (a deleted user's notifications and preferences go with them).
func Sources() []string {
	out := []string{event.UserDeleted}
	seen := map[string]bool{"": true} // signal rules look at no event
	for _, r := range Rules {
		if !seen[r.Source] {
			seen[r.Source] = true
			out = append(out, r.Source)
		}
	}
	return out
}

// NewFact decodes what the rules need from e.
func NewFact(e event.Envelope) (Fact, error) {
	f := Fact{Event: e}
	var dst any
	switch e.Type {
	case event.SessionStatus:
		dst = &f.Status
	case event.WebhookFailing:
		dst = &f.Failing
	case event.WebhookRecovered:
		dst = &f.Recovered
	default:
		return f, nil
	}
	if err := json.Unmarshal(e.Data, dst); err != nil {
		return Fact{}, fmt.Errorf("decode %s data: %w", e.Type, err)
	}
	return f, nil
}

func statusIs(st session.Status) func(Fact) bool {
	return func(f Fact) bool { return f.Status.Status == string(st) }
}

func sessionLink(f Fact) string { return "/sessions/" + f.Event.SessionID }

// sessionName names the fact's session for people: "Sales (ses_1)", or its ID alone when it has no name or was
// not found.
func sessionName(f Fact) string {
	if f.Session != nil && f.Session.Name != "" {
		return fmt.Sprintf("%q (%s)", f.Session.Name, f.Event.SessionID)
	}
	return f.Event.SessionID
}

// deliveryLink is the dashboard path of a delivery (as webhook.DeliveryLink).
func deliveryLink(webhookID, deliveryID string) string {
	return webhookLink(webhookID) + "/deliveries/" + deliveryID
}

// untilText is t in UTC, rounded up to the second ("until 14:05:31", never a second early).
func untilText(t time.Time) string {
	until := t.UTC()
	if r := until.Truncate(time.Second); !r.Equal(until) {
		until = r.Add(time.Second)
	}
	return until.Format("2006-01-02 15:04:05")
}

// webhookLink is the dashboard path of an endpoint (as webhook.WebhookLink; this package cannot import webhook).
func webhookLink(id string) string { return "/settings/webhooks/" + id }

func because(f Fact) string {
	if f.Status.Reason == "" {
		return ""
	}
	return " (" + f.Status.Reason + ")"
}
