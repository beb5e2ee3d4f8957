// Package wsgateway is the live feed of the AWS runtime: what the functions behind API Gateway's WebSocket API do
// with the protocol of shared/realtime. $connect redeems the ticket and stores the connection with its principal;
// $default answers the client's frames (subscribe, unsubscribe, ping) with the same validation, error codes and
// rate limit as the standalone hub; the push function posts each event on the feed to the tenant's connections
// that subscribed to its topic and whose principal may see it, and keeps each tenant's recent window so a
// resuming client gets what it missed or a resync frame. Connections and the window are in a Store (DynamoDB),
// frames leave through a Poster (the Management API); a connection the Management API reports gone is removed.
package wsgateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
)

// Config tunes a Gateway. Zero values take the documented defaults (the standalone hub's).
type Config struct {
	Store   Store
	Poster  Poster
	Tickets Redeemer
	Log     *slog.Logger
	// FrameRate and FrameBurst size each connection's token bucket for client frames (defaults 10/s, burst 20).
	// Frames over it are dropped with a rate_limited error frame (at most one a second); MaxDropped drops in a
	// row close the connection (default 200).
	FrameRate  float64
	FrameBurst int
	MaxDropped int
	// WindowSize and WindowAge bound each tenant's resumption window (defaults 1,000 frames, 5 minutes).
	WindowSize int
	WindowAge  time.Duration
	// ConnectionTTL is how long a connection is kept without a $disconnect (default 2 h 10 min: API Gateway
	// closes every connection after 2 hours, and $disconnect is best effort).
	ConnectionTTL time.Duration
	// PostConcurrency bounds the posts of one event in flight at once (default 16).
	PostConcurrency int
	Now             func() time.Time
}

func (c *Config) setDefaults() {
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.FrameRate <= 0 {
		c.FrameRate = 10
	}
	if c.FrameBurst <= 0 {
		c.FrameBurst = 20
	}
	if c.MaxDropped <= 0 {
		c.MaxDropped = 200
	}
	if c.WindowSize <= 0 {
		c.WindowSize = 1000
	}
	if c.WindowAge <= 0 {
		c.WindowAge = 5 * time.Minute
	}
	if c.ConnectionTTL <= 0 {
		c.ConnectionTTL = 2*time.Hour + 10*time.Minute
	}
	if c.PostConcurrency <= 0 {
		c.PostConcurrency = 16
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Validate reports every missing dependency at once.
func (c *Config) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("wsgateway: Store is required"))
	}
	if c.Poster == nil {
		errs = append(errs, errors.New("wsgateway: Poster is required"))
	}
	return errors.Join(errs...)
}

// Gateway handles the WebSocket API's routes and pushes events.
type Gateway struct {
	cfg Config
	log *slog.Logger
}

// New returns a gateway.
func New(cfg Config) (*Gateway, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Gateway{cfg: cfg, log: cfg.Log}, nil
}

// maxUpdateAttempts bounds the optimistic retries of one frame's connection update.
const maxUpdateAttempts = 5

// Connect is $connect: it redeems the ticket and stores the connection. A missing, malformed, unknown, used or
// expired ticket is an apperr.Unauthorized error (the function answers 401 and API Gateway refuses the
// connection); nothing is stored then.
func (g *Gateway) Connect(ctx context.Context, connectionID, ticket string) error {
	if g.cfg.Tickets == nil {
		return errors.New("wsgateway: no ticket redeemer")
	}
	if connectionID == "" {
		return errors.New("wsgateway: $connect without a connection ID")
	}
	if ticket == "" {
		return apperr.New(apperr.Unauthorized, "missing ticket: ask POST /api/realtime/ticket for one and connect with ?ticket=<ticket>")
	}
	p, err := g.cfg.Tickets.Redeem(ctx, ticket)
	if err != nil {
		return err
	}
	now := g.cfg.Now().UTC()
	c := Connection{ID: connectionID, Principal: p, Subs: realtime.Subscriptions{}, ConnectedAt: now,
		ExpiresAt: now.Add(g.cfg.ConnectionTTL), Tokens: float64(g.cfg.FrameBurst), Refilled: now}
	if err := g.cfg.Store.PutConnection(ctx, c); err != nil {
		return fmt.Errorf("wsgateway: store connection: %w", err)
	}
	g.log.DebugContext(ctx, "wsgateway: connected", "connection", connectionID, "tenant", p.TenantID, "user", p.UserID, "key", p.KeyID)
	return nil
}

// Disconnect is $disconnect: it forgets the connection.
func (g *Gateway) Disconnect(ctx context.Context, connectionID string) error {
	if err := g.cfg.Store.DeleteConnection(ctx, connectionID); err != nil {
		return fmt.Errorf("wsgateway: delete connection: %w", err)
	}
	return nil
}

// Receive is $default: one client frame. It applies the rate limit, then parses the frame for the connection's
// principal and answers it (ack, pong or error frame), exactly as the standalone hub does; a subscribe with lastId
// is followed by the frames the new topics missed, or by a resync frame. A frame of a connection the store does
// not know (its $connect failed half-way, or it expired) closes it.
func (g *Gateway) Receive(ctx context.Context, connectionID string, body []byte, binary bool) error {
	var (
		c       Connection
		replies [][]byte
		resume  *realtime.ClientFrame
		added   realtime.Subscriptions
		closeIt bool
	)
	for attempt := 0; ; attempt++ {
		var err error
		c, err = g.cfg.Store.GetConnection(ctx, connectionID)
		if errors.Is(err, ErrConnectionNotFound) {
			g.log.InfoContext(ctx, "wsgateway: frame from an unknown connection; closing it", "connection", connectionID)
			return g.close(ctx, connectionID)
		}
		if err != nil {
			return fmt.Errorf("wsgateway: read connection: %w", err)
		}
		replies, resume, added, closeIt = g.handle(&c, body, binary)
		err = g.cfg.Store.UpdateConnection(ctx, c)
		if err == nil {
			break
		}
		if errors.Is(err, ErrConnectionNotFound) {
			return g.close(ctx, connectionID)
		}
		if !errors.Is(err, ErrConnectionChanged) || attempt+1 >= maxUpdateAttempts {
			return fmt.Errorf("wsgateway: update connection: %w", err)
		}
	}
	for _, r := range replies {
		if err := g.post(ctx, c, r); err != nil {
			return err
		}
	}
	if closeIt {
		g.log.InfoContext(ctx, "wsgateway: closing connection", "connection", c.ID, "tenant", c.Principal.TenantID, "reason", "too many frames")
		return g.close(ctx, connectionID)
	}
	if resume != nil && len(added) > 0 {
		return g.replay(ctx, c, *resume, added)
	}
	return nil
}

// handle decides what one frame does to c (in memory) and which frames answer it.
func (g *Gateway) handle(c *Connection, body []byte, binary bool) (replies [][]byte, resume *realtime.ClientFrame,
	added realtime.Subscriptions, closeIt bool) {
	now := g.cfg.Now().UTC()
	if !g.allow(c, now) {
		c.Dropped++
		if c.Dropped >= g.cfg.MaxDropped {
			return nil, nil, nil, true
		}
		if now.Sub(c.LimitedAt) >= time.Second {
			c.LimitedAt = now
			return [][]byte{mustFrame(realtime.ErrorFrame{Type: realtime.TypeError, Code: realtime.CodeRateLimited,
				Message: "too many frames: this one and the next ones over the limit are dropped"})}, nil, nil, false
		}
		return nil, nil, nil, false
	}
	c.Dropped = 0
	if binary {
		return [][]byte{mustFrame(realtime.ErrorFrame{Type: realtime.TypeError, Code: realtime.CodeMalformedJSON,
			Message: "frames must be JSON text"})}, nil, nil, false
	}
	f, err := realtime.ParseClientFrame(body, c.Principal)
	var fe *realtime.FrameError
	if errors.As(err, &fe) {
		return [][]byte{mustFrame(realtime.ErrorFrame{Type: realtime.TypeError, Ref: fe.Ref, Code: fe.Code, Message: fe.Message})}, nil, nil, false
	}
	switch f.Type {
	case realtime.TypePing:
		return [][]byte{mustFrame(realtime.PongFrame{Type: realtime.TypePong, Ref: f.Ref, TS: f.TS, Time: now})}, nil, nil, false
	default: // subscribe, unsubscribe
		if f.Type == realtime.TypeSubscribe && f.LastID != "" {
			added = realtime.Subscriptions{}
			for _, t := range f.Topics {
				if _, ok := c.Subs[t]; !ok {
					added[t] = realtime.Filter{SessionID: f.SessionID, CampaignID: f.CampaignID}
				}
			}
			resume = &f
		}
		if c.Subs == nil {
			c.Subs = realtime.Subscriptions{}
		}
		c.Subs.Apply(f)
		return [][]byte{mustFrame(realtime.AckFrame{Type: realtime.TypeAck, Ref: f.Ref, Op: f.Type, Topics: c.Subs.List()})}, resume, added, false
	}
}

// allow takes a token from c's bucket.
func (g *Gateway) allow(c *Connection, now time.Time) bool {
	if elapsed := now.Sub(c.Refilled).Seconds(); elapsed > 0 {
		c.Tokens = min(float64(g.cfg.FrameBurst), c.Tokens+elapsed*g.cfg.FrameRate)
	}
	c.Refilled = now
	if c.Tokens < 1 {
		return false
	}
	c.Tokens--
	return true
}

// replay posts what the newly subscribed topics missed since lastId, or a resync frame. It runs after the new
// subscriptions are stored, and the push function adds an event to the window before it reads the connections,
// so an event is in the replay, or pushed live, or both (never neither).
func (g *Gateway) replay(ctx context.Context, c Connection, f realtime.ClientFrame, added realtime.Subscriptions) error {
	now := g.cfg.Now().UTC()
	missed, ok, err := g.cfg.Store.RecentAfter(ctx, c.Principal.TenantID, f.LastID, now.Add(-g.cfg.WindowAge), g.cfg.WindowSize)
	if err != nil {
		return fmt.Errorf("wsgateway: read the recent window: %w", err)
	}
	// lastId is in the window of the last WindowSize frames only if fewer than WindowSize came after it.
	if !ok || len(missed) >= g.cfg.WindowSize {
		return g.post(ctx, c, mustFrame(realtime.ResyncFrame{Type: realtime.TypeResync,
			Reason: "the frames after lastId are no longer in the recent window: reload the state through the API"}))
	}
	for _, it := range missed {
		if realtime.Visible(c.Principal, added, it) {
			if err := g.post(ctx, c, it.Frame); err != nil {
				return err
			}
		}
	}
	return nil
}

// post sends one frame to c; a gone connection is removed (and is not an error).
func (g *Gateway) post(ctx context.Context, c Connection, frame []byte) error {
	err := g.cfg.Poster.Post(ctx, c.ID, frame)
	if errors.Is(err, ErrGone) {
		g.log.InfoContext(ctx, "wsgateway: connection gone; removing it", "connection", c.ID, "tenant", c.Principal.TenantID)
		return g.cfg.Store.DeleteConnection(ctx, c.ID)
	}
	if err != nil {
		return fmt.Errorf("wsgateway: post to %s: %w", c.ID, err)
	}
	return nil
}

// close disconnects a connection and forgets it.
func (g *Gateway) close(ctx context.Context, connectionID string) error {
	if err := g.cfg.Poster.Close(ctx, connectionID); err != nil {
		return fmt.Errorf("wsgateway: close %s: %w", connectionID, err)
	}
	return g.cfg.Store.DeleteConnection(ctx, connectionID)
}

// PushStats says what one Push did.
type PushStats struct {
	// Posted frames, Gone connections removed, Failed posts (logged; the client resumes with lastId).
	Posted, Gone, Failed int
	// Duplicate: the event had been pushed already (a redelivery) and was not pushed again.
	Duplicate bool
}

// Push puts one event on the feed: an event on the live feed (realtime.Table) is added to its tenant's window,
// then posted to every connection of the tenant whose subscriptions and principal let it see the event
// (realtime.Visible). A connection the Management API reports gone is removed. Other failed posts are logged and
// counted, not retried (a retry would repeat the frame to the other connections; the client that missed it
// resumes with lastId). An error means nothing was posted yet or the event could not be marked pushed: the
// caller retries it, and a retry of a pushed event posts nothing.
func (g *Gateway) Push(ctx context.Context, e event.Envelope) (PushStats, error) {
	var st PushStats
	it, ok, err := realtime.NewItem(e)
	if err != nil {
		return st, err
	}
	if !ok || e.TenantID == "" {
		return st, nil
	}
	now := g.cfg.Now().UTC()
	pushed, err := g.cfg.Store.AddRecent(ctx, it, now, now.Add(g.cfg.WindowAge))
	if err != nil {
		return st, fmt.Errorf("wsgateway: add %s to the window: %w", e.ID, err)
	}
	if pushed {
		st.Duplicate = true
		return st, nil
	}
	conns, err := g.cfg.Store.TenantConnections(ctx, e.TenantID)
	if err != nil {
		return st, fmt.Errorf("wsgateway: connections of the tenant: %w", err)
	}
	var (
		wg                   sync.WaitGroup
		sem                  = make(chan struct{}, g.cfg.PostConcurrency)
		posted, gone, failed atomic.Int64
	)
	for _, c := range conns {
		if !realtime.Visible(c.Principal, c.Subs, it) {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := g.cfg.Poster.Post(ctx, c.ID, it.Frame)
			switch {
			case err == nil:
				posted.Add(1)
			case errors.Is(err, ErrGone):
				gone.Add(1)
				if err := g.cfg.Store.DeleteConnection(ctx, c.ID); err != nil {
					g.log.WarnContext(ctx, "wsgateway: remove a gone connection", "connection", c.ID, "error", err)
				}
			default:
				failed.Add(1)
				g.log.WarnContext(ctx, "wsgateway: post failed", "connection", c.ID, "tenant", c.Principal.TenantID,
					"eventId", e.ID, "type", e.Type, "error", err)
			}
		})
	}
	wg.Wait()
	st.Posted, st.Gone, st.Failed = int(posted.Load()), int(gone.Load()), int(failed.Load())
	if err := g.cfg.Store.MarkPushed(ctx, e.TenantID, e.ID); err != nil {
		return st, fmt.Errorf("wsgateway: mark %s pushed: %w", e.ID, err)
	}
	g.log.DebugContext(ctx, "wsgateway: pushed", "eventId", e.ID, "type", e.Type, "tenant", e.TenantID,
		"posted", st.Posted, "gone", st.Gone, "failed", st.Failed)
	return st, nil
}

// Handle is Push as an event.Handler: the consumer of the realtime-push queue.
func (g *Gateway) Handle(ctx context.Context, e event.BusEvent) error {
	_, err := g.Push(ctx, e.Detail)
	return err
}

func mustFrame(v any) []byte {
	b, err := event.Marshal(v)
	if err != nil {
		panic("wsgateway: encode frame: " + err.Error())
	}
	return b
}
