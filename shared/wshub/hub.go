// Package wshub is the live feed of the standalone runtime: a WebSocket endpoint (/ws?ticket=…) fed in process
// with every published event. It speaks the protocol of shared/realtime: each connection gets only its tenant's
// events, only on topics it subscribed to and its principal's scopes allow, through a bounded send queue that
// coalesces periodic snapshots; a connection that stays too slow is closed (4008) without delaying the others.
// Each tenant's recent frames are kept in a bounded window, so a client that resubscribes with the last ID it saw
// gets what it missed, or a resync frame.
package wshub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
)

// Redeemer turns a connect ticket into its principal (realtime.Tickets).
type Redeemer interface {
	Redeem(ctx context.Context, ticket string) (auth.Principal, error)
}

// Config tunes a Hub. Zero values take the documented defaults.
type Config struct {
	Tickets Redeemer
	Log     *slog.Logger
	// PingInterval is how often the server pings (default 15 s); PongTimeout how long it waits for the pong
	// before closing with 4000 (default 10 s).
	PingInterval time.Duration
	PongTimeout  time.Duration
	// SendQueue is the most frames waiting for one connection (default 256); past it the connection is closed
	// with 4008.
	SendQueue int
	// WriteTimeout bounds one frame's write (default 10 s); a write that takes longer closes the connection.
	WriteTimeout time.Duration
	// WindowSize and WindowAge bound each tenant's resumption window (defaults 1,000 frames, 5 minutes).
	WindowSize int
	WindowAge  time.Duration
	// FrameRate and FrameBurst size each connection's token bucket for client frames (defaults 10/s, burst 20).
	// Frames over it are dropped with a rate_limited error frame; MaxDropped drops in a row close the
	// connection with 4029 (default 200).
	FrameRate  float64
	FrameBurst int
	MaxDropped int
	// OriginPatterns are the browser origins (host patterns) allowed to connect besides the API's own host.
	OriginPatterns []string
	Now            func() time.Time
}

func (c *Config) setDefaults() {
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 15 * time.Second
	}
	if c.PongTimeout <= 0 {
		c.PongTimeout = 10 * time.Second
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.WindowSize <= 0 {
		c.WindowSize = 1000
	}
	if c.WindowAge <= 0 {
		c.WindowAge = 5 * time.Minute
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
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Hub fans published events out to the connections of their tenant.
type Hub struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	tenants map[string]*tenantFeed
	swept   time.Time    // last sweep of idle feeds (guarded by mu)
	active  atomic.Int64 // connections being served (until their handler returns)
	closing atomic.Bool  // set by Shutdown: new connections are refused

	stats struct {
		connected, closedSlow, closedHeartbeat, closedRate, published atomic.Int64
	}
}

// tenantFeed is one tenant's connections and recent window. Its lock orders publishing against resumption, so a
// resuming connection gets every frame exactly once: the missed ones from the window, then the live ones.
type tenantFeed struct {
	mu     sync.Mutex
	conns  map[*conn]struct{}
	window *window
	// gone is set when sweep dropped the feed from the hub; whoever finds it set looks the tenant up again.
	gone bool
}

// New returns a hub.
func New(cfg Config) *Hub {
	cfg.setDefaults()
	return &Hub{cfg: cfg, log: cfg.Log, tenants: map[string]*tenantFeed{}}
}

// lockFeed returns the tenant's feed, locked, creating it if needed.
func (h *Hub) lockFeed(tenantID string) *tenantFeed {
	for {
		h.mu.Lock()
		f, ok := h.tenants[tenantID]
		if !ok {
			f = &tenantFeed{conns: map[*conn]struct{}{}, window: newWindow(h.cfg.WindowSize, h.cfg.WindowAge)}
			h.tenants[tenantID] = f
		}
		h.mu.Unlock()
		f.mu.Lock()
		if !f.gone {
			return f
		}
		f.mu.Unlock()
	}
}

var _ event.Publisher = (*Hub)(nil)

// Publish puts the events on the feed: each one on the live feed (realtime.Table) is added to its tenant's window
// and offered to the tenant's connections that may see it. It never blocks on a connection and never fails: an
// event redelivered while still in the window is dropped.
func (h *Hub) Publish(ctx context.Context, events ...event.Envelope) error {
	now := h.cfg.Now()
	h.sweep(now)
	for _, e := range events {
		it, ok, err := realtime.NewItem(e)
		if err != nil {
			h.log.WarnContext(ctx, "wshub: event not put on the feed", "eventId", e.ID, "type", e.Type, "error", err)
			continue
		}
		if !ok || e.TenantID == "" {
			continue
		}
		f := h.lockFeed(e.TenantID)
		if f.window.add(it, now) {
			h.stats.published.Add(1)
			for c := range f.conns {
				c.offer(it)
			}
		}
		f.mu.Unlock()
	}
	return nil
}

// sweep, at most once a minute, drops frames older than the window's age from every tenant's window and forgets
// tenants with neither connections nor recent frames, so a tenant that went quiet holds no memory.
func (h *Hub) sweep(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if now.Sub(h.swept) < time.Minute {
		return
	}
	h.swept = now
	for id, f := range h.tenants {
		f.mu.Lock()
		f.window.expire(now)
		if f.window.n == 0 && len(f.conns) == 0 {
			f.gone = true
			delete(h.tenants, id)
		}
		f.mu.Unlock()
	}
}

// Stats are the hub's counters.
type Stats struct {
	// Connections open now.
	Connections int64
	// Published is the number of events put on the feed.
	Published int64
	// Feeds is the number of tenants whose feed the hub holds (with connections or recent frames).
	Feeds int
	// ClosedSlow, ClosedHeartbeat and ClosedRateLimited count connections closed with 4008, 4000 and 4029.
	ClosedSlow, ClosedHeartbeat, ClosedRateLimited int64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	feeds := len(h.tenants)
	h.mu.Unlock()
	return Stats{Feeds: feeds, Connections: h.stats.connected.Load(), Published: h.stats.published.Load(),
		ClosedSlow: h.stats.closedSlow.Load(), ClosedHeartbeat: h.stats.closedHeartbeat.Load(),
		ClosedRateLimited: h.stats.closedRate.Load()}
}

// Publisher returns a publisher that publishes to next and, once next accepted the events, to the hub: the
// standalone bus with the live feed tapped onto it. An event next refused is not on the feed (its producer
// retries with the same ID, and the hub drops a second copy).
func (h *Hub) Publisher(next event.Publisher) event.Publisher {
	return event.PublisherFunc(func(ctx context.Context, events ...event.Envelope) error {
		if err := next.Publish(ctx, events...); err != nil {
			return err
		}
		return h.Publish(ctx, events...)
	})
}

// Shutdown closes every connection with 1001 (going away) and waits until they have ended or ctx is done:
// clients reconnect to the next process and resubscribe with their last ID (they get resync, as the window lived
// in this process).
func (h *Hub) Shutdown(ctx context.Context) error {
	h.closing.Store(true)
	h.mu.Lock()
	feeds := make([]*tenantFeed, 0, len(h.tenants))
	for _, f := range h.tenants {
		feeds = append(feeds, f)
	}
	h.mu.Unlock()
	for _, f := range feeds {
		f.mu.Lock()
		for c := range f.conns {
			c.close(websocket.StatusGoingAway, "server shutting down")
		}
		f.mu.Unlock()
	}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for h.active.Load() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("wshub: shutdown: %d connections still open: %w", h.active.Load(), ctx.Err())
		}
	}
	return nil
}
