package notification

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// Source is the producer name of the events the notification center publishes.
const Source = "waqtor.notifications"

// Users lists the IDs of a tenant's users (enabled or not: a disabled user may be enabled again and find what
// happened meanwhile). The composition roots adapt the tenant store to it.
type Users interface {
	UserIDs(ctx context.Context, tenantID string) ([]string, error)
}

// UsersFunc adapts a function to Users.
type UsersFunc func(ctx context.Context, tenantID string) ([]string, error)

// UserIDs implements Users.
func (f UsersFunc) UserIDs(ctx context.Context, tenantID string) ([]string, error) {
	return f(ctx, tenantID)
}

// Sessions reads a session at check time (session.Store implements it).
type Sessions interface {
	GetSession(ctx context.Context, tenantID, id string) (session.Session, error)
}

// Center turns events into notifications with Rules: it is the consumer of the "notifications" route's queue in
// both runtimes (standalone: the event bus; AWS: the notifications Lambda). Every field but Log and Now is
// required.
//
// Addressing: a rule's notification is fanned out to each user of the tenant who has not muted its kind, one
// notification per user (UserID set), so muting takes effect at creation and read state is each user's own. Each
// created notification is published as notification.created (data: the notification), which the live feed
// pushes on the notifications topic to that user's connections.
type Center struct {
	Store       Store
	Preferences PreferenceStore
	Users       Users
	Sessions    Sessions
	Events      event.Publisher
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// Handle is the queue consumer: m's body is a bus event. A rule with a Wait whose event is younger than that
// returns queue.RetryAfter for the rest, so the message is the pending check; every other outcome is nil (done) or
// an error (the message comes back after the consumer's backoff, and creates nothing twice).
func (c *Center) Handle(ctx context.Context, m queue.Message) error {
	e, err := DecodeBusEvent(m.Body)
	if err != nil {
		return err
	}
	return c.HandleEvent(ctx, e)
}

// HandleEvent applies the rules to one event; see Handle.
func (c *Center) HandleEvent(ctx context.Context, e event.Envelope) error {
	f, err := NewFact(e)
	if err != nil {
		c.log().WarnContext(ctx, "notifications: dropping an event whose data does not decode", "eventId", e.ID,
			"type", e.Type, "error", err)
		return nil
	}
	now := c.now()
	var wait time.Duration
	var errs []error
	var sess *session.Session
	for _, r := range Rules {
		if r.Source != e.Type || !r.Match(f) {
			continue
		}
		if r.Wait > 0 {
			if left := e.Time.Add(r.Wait).Sub(now); left > 0 {
				if wait == 0 || left < wait {
					wait = left
				}
				continue
			}
			if sess == nil {
				s, err := c.Sessions.GetSession(ctx, e.TenantID, e.SessionID)
				if apperr.Is(err, apperr.NotFound) {
					continue // deleted meanwhile: nothing to tell
				}
				if err != nil {
					errs = append(errs, fmt.Errorf("check %s of %s: %w", r.Kind, e.ID, err))
					continue
				}
				sess = &s
			}
			if !r.Still(*sess, f) {
				continue // the session came back (or moved on): the check is cancelled
			}
		}
		if err := c.deliver(ctx, e, r.Kind, r.Draft(f)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if wait > 0 {
		// Rounded up to a whole second, as SQS visibility is, so the check never comes back early.
		return queue.RetryAfter{Delay: wait.Truncate(time.Second) + time.Second}
	}
	return nil
}

// deliver creates the draft for every user of the tenant who has not muted kind, and publishes each.
func (c *Center) deliver(ctx context.Context, src event.Envelope, kind Kind, d Draft) error {
	users, err := c.Users.UserIDs(ctx, src.TenantID)
	if err != nil {
		return fmt.Errorf("list users of %s: %w", src.TenantID, err)
	}
	var out []event.Envelope
	for _, u := range users {
		p, err := c.Preferences.GetPreferences(ctx, src.TenantID, u)
		if err != nil {
			return fmt.Errorf("preferences of %s: %w", u, err)
		}
		if slices.Contains(p.Muted, kind) {
			continue
		}
		n := Notification{ID: ID(src.Time, src.ID, string(kind), u), TenantID: src.TenantID, UserID: u, Kind: kind,
			Type: d.Type, Title: d.Title, Message: d.Message, Icon: d.Icon, Link: d.Link, CreatedAt: src.Time.UTC()}
		if err := c.Store.CreateNotification(ctx, n, n.CreatedAt.Add(Retention)); err != nil {
			return fmt.Errorf("create %s for %s: %w", kind, u, err)
		}
		e, err := Created(n)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	// Published after every notification is stored: a failure makes the source event come back, which stores
	// nothing new and publishes the same event IDs again (the live feed drops frames it has sent).
	if err := event.PublishRetry(ctx, c.Events, out...); err != nil {
		return fmt.Errorf("publish %s notifications: %w", kind, err)
	}
	return nil
}

// Created is the notification.created event of n; its ID derives from n's, so publishing it again repeats it.
func Created(n Notification) (event.Envelope, error) {
	e, err := event.New(Source, event.NotificationCreated, n.TenantID, n.CreatedAt, n)
	if err != nil {
		return event.Envelope{}, err
	}
	e.ID = "evt_" + strings.TrimPrefix(n.ID, "ntf_")
	return e, nil
}

// ID is "ntf_" and a ULID with t's millisecond and entropy derived from parts: the same source and kind for the
// same user always get the same ID (so a redelivered event creates nothing new), and IDs sort by time.
func ID(t time.Time, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "ntf_" + ulid.MustNew(uint64(max(t.UnixMilli(), 0)), bytes.NewReader(sum[:10])).String()
}

// DecodeBusEvent decodes a route queue's message body (an EventBridge event) into its envelope.
func DecodeBusEvent(body []byte) (event.Envelope, error) {
	var b event.BusEvent
	if err := json.Unmarshal(body, &b); err != nil {
		return event.Envelope{}, fmt.Errorf("decode bus event: %w", err)
	}
	b.Detail.Source = b.Source
	return b.Detail, nil
}

func (c *Center) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Center) log() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.New(slog.DiscardHandler)
}
