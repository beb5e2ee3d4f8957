package wshub

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/realtime"
)

// readLimit is the largest message the socket reads at all; larger ones close it with 1009. Between
// realtime.MaxFrameBytes and readLimit a frame gets a frame_too_large error frame and the connection stays.
const readLimit = 64 << 10

// conn is one WebSocket connection.
type conn struct {
	h      *Hub
	ws     *websocket.Conn
	p      auth.Principal
	feed   *tenantFeed
	queue  *sendQueue
	log    *slog.Logger
	ctx    context.Context // the connection's context, for log lines
	cancel context.CancelFunc

	// closing is closed by close; the writer then sends the close frame with closeCode and closeReason.
	closing     chan struct{}
	closeCode   websocket.StatusCode
	closeReason string

	// subs is guarded by feed.mu: Publish reads it while offering.
	subs realtime.Subscriptions

	closeOnce sync.Once
}

// ServeHTTP is GET /ws?ticket=…: it redeems the ticket (refusing a bad, expired or used one with 401 before any
// upgrade), upgrades to a WebSocket and serves the connection until it ends.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, apperr.MethodNotAllowed, "use GET with a WebSocket upgrade")
		return
	}
	if h.closing.Load() {
		writeError(w, http.StatusServiceUnavailable, apperr.ServiceUnavailable, "shutting down: reconnect in a moment")
		return
	}
	ticket := r.URL.Query().Get("ticket")
	if ticket == "" {
		writeError(w, http.StatusUnauthorized, apperr.Unauthorized, "missing ticket: ask POST /api/realtime/ticket for one and connect to /ws?ticket=<ticket>")
		return
	}
	p, err := h.cfg.Tickets.Redeem(r.Context(), ticket)
	if err != nil {
		if apperr.Is(err, apperr.Unauthorized) {
			writeError(w, http.StatusUnauthorized, apperr.Unauthorized, err.Error())
			return
		}
		h.log.ErrorContext(r.Context(), "wshub: redeem ticket", "error", err)
		writeError(w, http.StatusInternalServerError, apperr.Internal, "internal error")
		return
	}
	// The server's read and write timeouts are for requests; a socket lives on, with its own heartbeat.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: h.cfg.OriginPatterns})
	if err != nil {
		return // Accept answered the request
	}
	ws.SetReadLimit(readLimit)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c := &conn{h: h, ws: ws, p: p, queue: newSendQueue(h.cfg.SendQueue),
		log: h.log.With("tenant", p.TenantID, "user", p.UserID, "key", p.KeyID), ctx: ctx, cancel: cancel,
		closing: make(chan struct{}), subs: realtime.Subscriptions{}}
	h.active.Add(1)
	defer h.active.Add(-1)
	c.feed = h.lockFeed(p.TenantID) // a feed with a connection is never swept
	c.feed.conns[c] = struct{}{}
	c.feed.mu.Unlock()
	h.stats.connected.Add(1)
	defer func() {
		c.feed.mu.Lock()
		delete(c.feed.conns, c)
		c.feed.mu.Unlock()
		h.stats.connected.Add(-1)
		cancel()
	}()
	c.log.DebugContext(ctx, "wshub: connected")
	if h.closing.Load() { // Shutdown began after the check above and may have missed this connection
		c.close(websocket.StatusGoingAway, "server shutting down")
	}

	var wg sync.WaitGroup
	wg.Go(func() { c.writeLoop(ctx) })
	wg.Go(func() { c.heartbeat(ctx) })
	c.readLoop(ctx)
	cancel()
	wg.Wait()
	_ = ws.CloseNow()
}

func writeError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

// close ends the connection with a close code, once, without blocking: the writer stops sending event frames and
// performs the close handshake (the library waits up to 5 s to write the close frame and 5 s for the peer's).
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		switch code {
		case realtime.CloseSlowConsumer:
			c.h.stats.closedSlow.Add(1)
		case realtime.CloseHeartbeatTimeout:
			c.h.stats.closedHeartbeat.Add(1)
		case realtime.CloseRateLimited:
			c.h.stats.closedRate.Add(1)
		}
		c.log.InfoContext(c.ctx, "wshub: closing connection", "code", int(code), "reason", reason)
		close(c.closing)
	})
}

// offer queues an event frame if the connection may see it. Called with feed.mu held; never blocks.
func (c *conn) offer(it realtime.Item) {
	if !realtime.Visible(c.p, c.subs, it) {
		return
	}
	if !c.queue.push(it.Frame, it.CoalesceKey) {
		c.close(realtime.CloseSlowConsumer, "too slow: send queue full")
	}
}

// send queues a control frame (ack, pong, error, resync).
func (c *conn) send(v any) {
	b, err := event.Marshal(v)
	if err != nil {
		c.log.ErrorContext(c.ctx, "wshub: encode frame", "error", err)
		return
	}
	if !c.queue.push(b, "") {
		c.close(realtime.CloseSlowConsumer, "too slow: send queue full")
	}
}

// writeLoop is the connection's only writer of data frames. After close it sends what is queued (unless the
// connection is too slow, which is why it closes) and then the close frame.
func (c *conn) writeLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.closing:
			if c.closeCode != realtime.CloseSlowConsumer {
				c.write(ctx, c.queue.take())
			}
			_ = c.ws.Close(c.closeCode, c.closeReason)
			return
		case <-c.queue.ready:
		}
		if !c.write(ctx, c.queue.take()) {
			return
		}
	}
}

// write sends frames until closing; false when a write failed (the library then closed the connection).
func (c *conn) write(ctx context.Context, frames [][]byte) bool {
	for _, b := range frames {
		select {
		case <-c.closing:
			if c.closeCode == realtime.CloseSlowConsumer {
				return true
			}
		default:
		}
		wctx, cancel := context.WithTimeout(ctx, c.h.cfg.WriteTimeout)
		err := c.ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.close(realtime.CloseSlowConsumer, "too slow: write timed out")
			}
			return false
		}
	}
	return true
}

// heartbeat pings every PingInterval and closes the connection when a pong takes longer than PongTimeout.
func (c *conn) heartbeat(ctx context.Context) {
	t := time.NewTicker(c.h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.closing:
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, c.h.cfg.PongTimeout)
		err := c.ws.Ping(pctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				c.close(realtime.CloseHeartbeatTimeout, "no pong")
			}
			return
		}
	}
}

func (c *conn) readLoop(ctx context.Context) {
	bucket := newBucket(c.h.cfg.FrameRate, c.h.cfg.FrameBurst, c.h.cfg.Now)
	dropped := 0
	var lastLimitErr time.Time
	for {
		typ, raw, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		select {
		case <-c.closing:
			continue // closing: discard until the close handshake ends the connection
		default:
		}
		if !bucket.allow() {
			dropped++
			if dropped >= c.h.cfg.MaxDropped {
				c.close(realtime.CloseRateLimited, "too many frames")
				continue
			}
			if now := c.h.cfg.Now(); now.Sub(lastLimitErr) >= time.Second {
				lastLimitErr = now
				c.send(realtime.ErrorFrame{Type: realtime.TypeError, Code: realtime.CodeRateLimited,
					Message: "too many frames: this one and the next ones over the limit are dropped"})
			}
			continue
		}
		dropped = 0
		if typ != websocket.MessageText {
			c.send(realtime.ErrorFrame{Type: realtime.TypeError, Code: realtime.CodeMalformedJSON, Message: "frames must be JSON text"})
			continue
		}
		f, err := realtime.ParseClientFrame(raw, c.p)
		var fe *realtime.FrameError
		if errors.As(err, &fe) {
			c.send(realtime.ErrorFrame{Type: realtime.TypeError, Ref: fe.Ref, Code: fe.Code, Message: fe.Message})
			continue
		}
		switch f.Type {
		case realtime.TypePing:
			c.send(realtime.PongFrame{Type: realtime.TypePong, Ref: f.Ref, TS: f.TS, Time: c.h.cfg.Now().UTC()})
		case realtime.TypeSubscribe, realtime.TypeUnsubscribe:
			c.apply(f)
		}
	}
}

// apply changes the subscriptions and answers with an ack; a subscribe with lastId first replays what the newly
// subscribed topics missed (or sends resync), under the feed's lock so no live frame slips in between.
func (c *conn) apply(f realtime.ClientFrame) {
	c.feed.mu.Lock()
	defer c.feed.mu.Unlock()
	var added realtime.Subscriptions
	if f.Type == realtime.TypeSubscribe && f.LastID != "" {
		added = realtime.Subscriptions{}
		for _, t := range f.Topics {
			if _, ok := c.subs[t]; !ok {
				added[t] = realtime.Filter{SessionID: f.SessionID, CampaignID: f.CampaignID}
			}
		}
	}
	c.subs.Apply(f)
	c.send(realtime.AckFrame{Type: realtime.TypeAck, Ref: f.Ref, Op: f.Type, Topics: c.subs.List()})
	if len(added) == 0 {
		return
	}
	missed, ok := c.feed.window.after(f.LastID, c.h.cfg.Now())
	if !ok {
		c.send(realtime.ResyncFrame{Type: realtime.TypeResync,
			Reason: "the frames after lastId are no longer in the recent window: reload the state through the API"})
		return
	}
	for _, it := range missed {
		if realtime.Visible(c.p, added, it) && !c.queue.push(it.Frame, it.CoalesceKey) {
			c.close(realtime.CloseSlowConsumer, "too slow: send queue full")
			return
		}
	}
}

// bucket is a token bucket.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	return &bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

func (b *bucket) allow() bool {
	now := b.now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
