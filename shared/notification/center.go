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
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// Source is the producer name of the events the notification center publishes.
const Source = "waqtor.notifications"

// Member is a user of a tenant as the audiences see them.
type Member struct {
	ID   string
	Role auth.Role
}

// Users lists a tenant's users (enabled or not: a disabled user may be enabled again and find what happened
// meanwhile). The composition roots adapt the tenant store to it.
type Users interface {
	Members(ctx context.Context, tenantID string) ([]Member, error)
}

// UsersFunc adapts a function to Users.
type UsersFunc func(ctx context.Context, tenantID string) ([]Member, error)

// Members implements Users.
func (f UsersFunc) Members(ctx context.Context, tenantID string) ([]Member, error) {
	return f(ctx, tenantID)
}

// Sessions reads a session at check time (session.Store implements it).
type Sessions interface {
	GetSession(ctx context.Context, tenantID, id string) (session.Session, error)
}

// Center turns events and producers' signals into notifications with Rules: it is the consumer of the
// "notifications" route's queue in both runtimes (standalone: the event bus; AWS: the notifications Lambda), and
// the Notifier the producers raise their signals with (Raise). Every field but Log and Now is required.
//
// Addressing: a rule's notification is fanned out to each user of its Audience who has not muted its kind, one
// notification per user (UserID set), so muting takes effect at creation and read state is each user's own. Each
// created notification is published as notification.created (data: the notification), which the live feed
// pushes on the notifications topic to that user's connections. A user.deleted event deletes the user's
// notifications and preferences.
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
	if e.Type == event.UserDeleted {
		return c.forget(ctx, e)
	}
	f, err := NewFact(e)
	if err != nil {
		c.log().WarnContext(ctx, "notifications: dropping an event whose data does not decode", "eventId", e.ID,
			"type", e.Type, "error", err)
		return nil
	}
	now := c.now()
	var wait time.Duration
	var errs []error
	var sess *session.Session // the event's session (nil: none, or deleted), read once, when a rule needs it
	looked := false
	read := func(r Rule) bool {
		if !looked {
			s, err := c.session(ctx, e)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s of %s: read the session: %w", r.Kind, e.ID, err))
				return false
			}
			sess, looked = s, true
		}
		return true
	}
	served := map[string]bool{}
	for _, r := range Rules {
		if r.Source == "" || r.Source != e.Type || !r.Match(f) {
			continue
		}
		if r.Wait > 0 {
			if left := e.Time.Add(r.Wait).Sub(now); left > 0 {
				if wait == 0 || left < wait {
					wait = left
				}
				continue
			}
			if !read(r) {
				continue
			}
			if sess == nil {
				continue // deleted meanwhile: nothing to tell
			}
			if !r.Still(*sess, f) {
				continue // the session came back (or moved on): the check is cancelled
			}
		}
		if !read(r) { // drafts name the session
			continue
		}
		f.Session = sess
		if err := c.deliver(ctx, e, r, r.Draft(f), "", served); err != nil {
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

// Raise creates the notifications of a producer's signal through the signal rules of its Kind, like an event's:
// to the rules' audiences minus who muted the kind, with IDs derived from the signal's Key (raising it again
// creates nothing new), each published as notification.created.
func (c *Center) Raise(ctx context.Context, s Signal) error {
	if s.TenantID == "" || s.Key == "" || s.Time.IsZero() {
		return fmt.Errorf("notifications: signal %s needs a tenant, a key and a time", s.Kind)
	}
	e := event.Envelope{ID: s.Key, TenantID: s.TenantID, SessionID: s.SessionID, Time: s.Time}
	f := Fact{Event: e, Signal: s}
	if s.SessionID != "" {
		sess, err := c.session(ctx, e)
		if err != nil {
			return fmt.Errorf("draft %s of %s: %w", s.Kind, s.Key, err)
		}
		f.Session = sess
	}
	n := 0
	served := map[string]bool{}
	for _, r := range Rules {
		if r.Source != "" || r.Kind != s.Kind {
			continue
		}
		n++
		if err := c.deliver(ctx, e, r, r.Draft(f), s.UserID, served); err != nil {
			return err
		}
	}
	if n == 0 {
		return fmt.Errorf("notifications: no signal rule of kind %q", s.Kind)
	}
	return nil
}

// session reads the session of e, nil when e has none or it was deleted.
func (c *Center) session(ctx context.Context, e event.Envelope) (*session.Session, error) {
	if e.SessionID == "" {
		return nil, nil
	}
	s, err := c.Sessions.GetSession(ctx, e.TenantID, e.SessionID)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// deliver creates the draft for every user of r's audience (subject: the fact's user) who has not muted its kind
// and was not served the kind by an earlier row of the same fact (served), and publishes each.
func (c *Center) deliver(ctx context.Context, src event.Envelope, r Rule, d Draft, subject string, served map[string]bool) error {
	kind := r.Kind
	users, err := c.Users.Members(ctx, src.TenantID)
	if err != nil {
		return fmt.Errorf("list users of %s: %w", src.TenantID, err)
	}
	var out []event.Envelope
	for _, u := range users {
		if !r.Audience.Includes(u.Role, subject != "" && u.ID == subject) || served[string(kind)+"\x00"+u.ID] {
			continue
		}
		served[string(kind)+"\x00"+u.ID] = true
		p, err := c.Preferences.GetPreferences(ctx, src.TenantID, u.ID)
		if err != nil {
			return fmt.Errorf("preferences of %s: %w", u.ID, err)
		}
		if slices.Contains(p.Muted, kind) {
			continue
		}
		n := Notification{ID: ID(src.Time, src.ID, string(kind), u.ID), TenantID: src.TenantID, UserID: u.ID, Kind: kind,
			Type: d.Type, Title: d.Title, Message: d.Message, Icon: d.Icon, Link: d.Link, CreatedAt: src.Time.UTC()}
		stored, err := c.Store.CreateNotification(ctx, n, n.CreatedAt.Add(Retention))
		if err != nil {
			return fmt.Errorf("create %s for %s: %w", kind, u.ID, err)
		}
		if stored.Read { // a late redelivery: the user has seen it, and a frame would show it as new again
			continue
		}
		e, err := Created(stored)
		if err != nil {
			return err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil
	}
	// Published after every notification is stored: a failure makes the source event come back (a signal's
	// producer raise it again), which stores nothing new and publishes the same event IDs again, as stored (the
	// live feed drops frames it has sent); a notification already read is not published again.
	if err := event.PublishRetry(ctx, c.Events, out...); err != nil {
		return fmt.Errorf("publish %s notifications: %w", kind, err)
	}
	return nil
}

// forget deletes the notifications and preferences of the user a user.deleted event is about. Notifications to
// every user (UserID "", from before the rules addressed each user) stay.
func (c *Center) forget(ctx context.Context, e event.Envelope) error {
	var d struct {
		UserID string `json:"userId"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil || d.UserID == "" {
		c.log().WarnContext(ctx, "notifications: dropping a user.deleted event without a user", "eventId", e.ID)
		return nil
	}
	if _, err := c.Store.DeleteUserNotifications(ctx, e.TenantID, d.UserID); err != nil {
		return fmt.Errorf("delete notifications of %s: %w", d.UserID, err)
	}
	if err := c.Preferences.DeletePreferences(ctx, e.TenantID, d.UserID); err != nil {
		return fmt.Errorf("delete preferences of %s: %w", d.UserID, err)
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
