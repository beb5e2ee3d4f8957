// Package client is a Go client of the live feed (docs/realtime.md): it connects with a ticket, subscribes, reads
// frames, reconnects with backoff (1 s doubling to 30 s, with jitter), resubscribes, resumes from the last event
// ID it saw and measures the ping round trip. The tests use it; so can Go programs.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/waqtor/waqtor/shared/realtime"
)

// Frame is any server frame, decoded.
type Frame struct {
	Type      string          `json:"type"`
	Topic     realtime.Topic  `json:"topic,omitempty"`
	Event     string          `json:"event,omitempty"`
	ID        string          `json:"id,omitempty"`
	Time      time.Time       `json:"time"`
	SessionID string          `json:"sessionId,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	Ref       string          `json:"ref,omitempty"`
	Op        string          `json:"op,omitempty"`
	Topics    []string        `json:"topics,omitempty"`
	Code      string          `json:"code,omitempty"`
	Message   string          `json:"message,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	TS        int64           `json:"ts,omitempty"`
	// Raw is the frame as received.
	Raw []byte `json:"-"`
}

// Conn is one WebSocket connection to /ws.
type Conn struct {
	ws *websocket.Conn
}

// Dial connects to wsURL (ws://host/ws) with a ticket. A refused ticket is an error carrying the HTTP status.
func Dial(ctx context.Context, wsURL, ticket string, hc *http.Client) (*Conn, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	if ticket != "" {
		q := u.Query()
		q.Set("ticket", ticket)
		u.RawQuery = q.Encode()
	}
	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		if resp != nil {
			return nil, &RefusedError{Status: resp.StatusCode, Err: err}
		}
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	return &Conn{ws: ws}, nil
}

// RefusedError is a connection the server refused before upgrading (for example 401 for a bad ticket).
type RefusedError struct {
	Status int
	Err    error
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused with HTTP %d: %v", e.Status, e.Err)
}
func (e *RefusedError) Unwrap() error { return e.Err }

// Send writes one client frame.
func (c *Conn) Send(ctx context.Context, f realtime.ClientFrame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// SendRaw writes raw bytes as a text frame (tests use it for bad frames).
func (c *Conn) SendRaw(ctx context.Context, b []byte) error {
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// Read returns the next frame. A closed connection's error carries its close code (websocket.CloseStatus).
func (c *Conn) Read(ctx context.Context) (Frame, error) {
	_, b, err := c.ws.Read(ctx)
	if err != nil {
		return Frame{}, err
	}
	var f Frame
	if err := json.Unmarshal(b, &f); err != nil {
		return Frame{}, fmt.Errorf("decode frame: %w", err)
	}
	f.Raw = b
	return f, nil
}

// Close closes the connection normally.
func (c *Conn) Close() error { return c.ws.Close(websocket.StatusNormalClosure, "") }

// CloseNow drops the connection without a close handshake (a network failure, as far as the server can tell).
func (c *Conn) CloseNow() error { return c.ws.CloseNow() }

// CloseStatus is the close code in a Read error, or -1.
func CloseStatus(err error) int { return int(websocket.CloseStatus(err)) }

// Options configures a Client.
type Options struct {
	// URL is the WebSocket endpoint, ws://host/ws.
	URL string
	// Ticket returns a fresh ticket for each connection (POST /api/realtime/ticket).
	Ticket func(ctx context.Context) (string, error)
	// Subscriptions are sent after each connect, with the last event ID seen.
	Subscriptions []realtime.ClientFrame
	// HTTPClient dials (default http.DefaultClient).
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the reconnect delay (defaults 1 s and 30 s); it doubles after each
	// failure, with ±20% jitter, and starts again at MinBackoff after a successful connect.
	MinBackoff, MaxBackoff time.Duration
}

// Client keeps a connection up: it reconnects with backoff, resubscribes and resumes from the last ID. Frames
// (events, acks, errors, resyncs) come out of Frames in order.
type Client struct {
	opt    Options
	frames chan Frame

	mu       sync.Mutex
	lastID   string
	conn     *Conn
	pings    map[string]chan Frame
	pingSeq  int
	connects int
}

// New returns a client; Run connects it.
func New(opt Options) *Client {
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = time.Second
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 30 * time.Second
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = http.DefaultClient
	}
	return &Client{opt: opt, frames: make(chan Frame, 1024), pings: map[string]chan Frame{}}
}

// Frames delivers every frame received, in order.
func (c *Client) Frames() <-chan Frame { return c.frames }

// LastID is the ID of the last event frame received.
func (c *Client) LastID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastID
}

// Connects counts successful connections so far.
func (c *Client) Connects() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connects
}

// Backoff is the delay before reconnect attempt n (0-based): lo doubling up to hi, with ±20% jitter, never
// above hi.
func Backoff(n int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d = min(d*2, hi)
	}
	return min(time.Duration(float64(d)*(0.8+0.4*rand.Float64())), hi)
}

// Run connects and reconnects until ctx is cancelled.
func (c *Client) Run(ctx context.Context) error {
	failures := 0
	for {
		err := c.runOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil {
			failures = 0
		}
		d := Backoff(failures, c.opt.MinBackoff, c.opt.MaxBackoff)
		if err != nil {
			failures++
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// runOnce connects, subscribes and reads until the connection ends; nil when it was connected (a later drop).
func (c *Client) runOnce(ctx context.Context) error {
	ticket, err := c.opt.Ticket(ctx)
	if err != nil {
		return err
	}
	conn, err := Dial(ctx, c.opt.URL, ticket, c.opt.HTTPClient)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.conn = conn
	c.connects++
	last := c.lastID
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
		conn.CloseNow()
	}()
	for _, s := range c.opt.Subscriptions {
		s.LastID = last
		if err := conn.Send(ctx, s); err != nil {
			return nil
		}
	}
	for {
		f, err := conn.Read(ctx)
		if err != nil {
			return nil
		}
		c.mu.Lock()
		if f.Type == realtime.TypeEvent {
			c.lastID = f.ID
		}
		pong, isPong := c.pings[f.Ref]
		c.mu.Unlock()
		if f.Type == realtime.TypePong && isPong {
			pong <- f
			continue
		}
		select {
		case c.frames <- f:
		case <-ctx.Done():
			return nil
		}
	}
}

// Ping sends a ping and returns the round trip until its pong.
func (c *Client) Ping(ctx context.Context) (time.Duration, error) {
	c.mu.Lock()
	conn := c.conn
	c.pingSeq++
	ref := "ping-" + strconv.Itoa(c.pingSeq)
	ch := make(chan Frame, 1)
	c.pings[ref] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pings, ref)
		c.mu.Unlock()
	}()
	if conn == nil {
		return 0, errors.New("not connected")
	}
	start := time.Now()
	if err := conn.Send(ctx, realtime.ClientFrame{Type: realtime.TypePing, Ref: ref, TS: start.UnixMilli()}); err != nil {
		return 0, err
	}
	select {
	case <-ch:
		return time.Since(start), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Drop closes the current connection abruptly (tests: a network failure); Run reconnects.
func (c *Client) Drop() {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		conn.CloseNow()
	}
}
