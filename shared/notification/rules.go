package notification

import (
	"encoding/json"
	"fmt"
	"time"

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
	KindWebhookFailing      Kind = "webhook.failing"
	KindWebhookRecovered    Kind = "webhook.recovered"
)

// Kinds lists every kind a user can mute, in the order the preferences show them.
var Kinds = []Kind{KindSessionLoggedOut, KindSessionBanned, KindSessionReplaced, KindSessionOutdated,
	KindSessionDisconnected, KindSessionQRWaiting, KindWebhookFailing, KindWebhookRecovered}

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

// Fact is what a rule looks at: a source event, with its data decoded for the rules.
type Fact struct {
	Event     event.Envelope
	Status    event.SessionStatusData    // session.status only
	Failing   event.WebhookFailingData   // webhook.failing only
	Recovered event.WebhookRecoveredData // webhook.recovered only
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
	// Source is the event type the rule looks at.
	Source string
	// Match reports whether the fact is one the rule notifies about.
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

// Rules is THE table that turns events into notifications for a tenant's users. Each notification's ID derives
// from its source event's ID, its kind and its user, so a redelivered event creates nothing new.
//
// Campaign and SmartBot events plug in here as those features land: a rule whose Source is campaign.completed,
// campaign.failed, campaign.paused or smartbot.reply (with its kind in Kinds), and the event type in the
// "notifications" route of shared/routing (a test keeps the route's types equal to Sources()).
var Rules = []Rule{
	{
		Kind: KindSessionLoggedOut, Source: event.SessionStatus,
		Match: statusIs(session.LoggedOut),
		Draft: func(f Fact) Draft {
			return Draft{Type: Error, Title: "WhatsApp session logged out", Icon: "pi pi-sign-out", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s was logged out of WhatsApp%s. Scan a new QR code to link it again.",
					f.Event.SessionID, because(f))}
		},
	}, {
		Kind: KindSessionBanned, Source: event.SessionStatus,
		Match: statusIs(session.Banned),
		Draft: func(f Fact) Draft {
			until := ""
			if f.Status.Until > 0 {
				until = " until " + time.Unix(f.Status.Until, 0).UTC().Format(time.RFC3339)
			}
			return Draft{Type: Error, Title: "WhatsApp session banned", Icon: "pi pi-ban", Link: sessionLink(f),
				Message: fmt.Sprintf("WhatsApp banned the number of session %s%s%s. It sends nothing until the ban ends.",
					f.Event.SessionID, until, because(f))}
		},
	}, {
		Kind: KindSessionReplaced, Source: event.SessionStatus,
		Match: statusIs(session.Replaced),
		Draft: func(f Fact) Draft {
			return Draft{Type: Warning, Title: "WhatsApp session replaced", Icon: "pi pi-clone", Link: sessionLink(f),
				Message: fmt.Sprintf("Another connection took over session %s, which stopped. Start it again if this "+
					"was not intended.", f.Event.SessionID)}
		},
	}, {
		Kind: KindSessionOutdated, Source: event.SessionStatus,
		Match: statusIs(session.Outdated),
		Draft: func(f Fact) Draft {
			return Draft{Type: Error, Title: "WhatsApp session needs an upgrade", Icon: "pi pi-refresh", Link: sessionLink(f),
				Message: fmt.Sprintf("WhatsApp refused the client version of session %s. Upgrade WaQtor and start the "+
					"session again.", f.Event.SessionID)}
		},
	}, {
		// A paired session lost its connection (reconnecting, without the host's own retry schedule: a session that
		// cannot reach WhatsApp at all is reported once per outage by the session runner) and has not come back
		// after DisconnectGrace. Any status change since the event (ready, or anything else) cancels the check.
		Kind: KindSessionDisconnected, Source: event.SessionStatus,
		Match: func(f Fact) bool { return f.Status.Status == string(session.Reconnecting) && f.Status.NextRetryAt == 0 },
		Wait:  DisconnectGrace,
		Still: func(s session.Session, f Fact) bool {
			return s.Status == session.Reconnecting && !s.UpdatedAt.After(f.Event.Time)
		},
		Draft: func(f Fact) Draft {
			return Draft{Type: Warning, Title: "WhatsApp session disconnected", Icon: "pi pi-wifi", Link: sessionLink(f),
				Message: fmt.Sprintf("Session %s has been disconnected from WhatsApp since %s%s and has not reconnected "+
					"for %s.", f.Event.SessionID, f.Event.Time.UTC().Format(time.RFC3339), because(f), DisconnectGrace)}
		},
	}, {
		// A pairing attempt starts with a connecting status of a session without an account (one per attempt; QR
		// rotations publish qr statuses, not connecting). After QRWait, a session still showing a QR code waits
		// for a scan.
		Kind: KindSessionQRWaiting, Source: event.SessionStatus,
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
					"(Linked devices).", f.Event.SessionID)}
		},
	}, {
		// The deliverer publishes webhook.failing once per failing run, when webhook.FailingAfter deliveries in a
		// row have failed for good, and webhook.recovered when such an endpoint takes a delivery again.
		Kind: KindWebhookFailing, Source: event.WebhookFailing,
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
		Kind: KindWebhookRecovered, Source: event.WebhookRecovered,
		Match: func(Fact) bool { return true },
		Draft: func(f Fact) Draft {
			return Draft{Type: Success, Title: "Webhook endpoint recovered", Icon: "pi pi-check-circle",
				Link: webhookLink(f.Recovered.WebhookID),
				Message: fmt.Sprintf("Endpoint %s takes deliveries again (it was failing since %s). Replay what is in "+
					"its dead-letter list if it is still wanted.", f.Recovered.WebhookID,
					time.Unix(f.Recovered.Since, 0).UTC().Format(time.RFC3339))}
		},
	},
}

// Sources lists the event types the rules look at: the "notifications" route's detail types.
func Sources() []string {
	var out []string
	seen := map[string]bool{}
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

// webhookLink is the dashboard path of an endpoint (as webhook.WebhookLink; this package cannot import webhook).
func webhookLink(id string) string { return "/settings/webhooks/" + id }

func because(f Fact) string {
	if f.Status.Reason == "" {
		return ""
	}
	return " (" + f.Status.Reason + ")"
}
