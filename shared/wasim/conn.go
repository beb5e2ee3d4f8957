package wasim

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waWa6"
	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	"google.golang.org/protobuf/proto"
)

// conn is one client WebSocket: WhatsApp's 3-byte length framing, the Noise transport after the handshake,
// and binary XML nodes on top.
type conn struct {
	srv *Server
	ws  *websocket.Conn
	ctx context.Context

	// Only the connection's goroutine reads frames; clientKey and payload are fixed by the handshake.
	buf       []byte
	sawHeader bool
	readKey   cipher.AEAD
	readCount uint32
	clientKey [32]byte             // the client's Noise static key
	payload   *waWa6.ClientPayload // what the client sent in ClientFinish

	// Set at login by the connection's goroutine under Server.mu; other goroutines read them under Server.mu.
	device *companion
	live   bool // queued stanzas are delivered to this connection

	deliverMu  sync.Mutex // orders the offline backlog before live deliveries
	writeMu    sync.Mutex // guards the write side of the Noise transport
	writeKey   cipher.AEAD
	writeCount uint32

	waitMu  sync.Mutex
	waiters map[string]chan *waBinary.Node
	nextID  atomic.Uint64
}

// serveWS upgrades the request and runs the connection until either side closes it.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	// Counted before the upgrade: httptest.Server.Close waits for requests until they are hijacked, so this Add
	// happens before Close's Wait.
	s.running.Add(1)
	defer s.running.Done()
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		s.logf("accept websocket: %v", err)
		return
	}
	ws.SetReadLimit(socket.FrameMaxSize)
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	c := &conn{srv: s, ws: ws, ctx: ctx, waiters: map[string]chan *waBinary.Node{}}
	s.track(c, true)
	defer s.track(c, false)
	defer c.failWaiters()
	if err := c.run(); !errors.Is(err, context.Canceled) && websocket.CloseStatus(err) == -1 && !errors.Is(err, io.EOF) {
		s.logf("connection ended: %v", err)
	}
	_ = ws.CloseNow()
}

// run serves the connection until it fails; it always returns the error that ended it.
func (c *conn) run() error {
	if err := c.handshake(); err != nil {
		return err
	}
	if err := c.srv.welcome(c); err != nil {
		return err
	}
	for {
		node, err := c.readNode()
		if err != nil {
			return err
		}
		if c.deliverResponse(node) {
			continue
		}
		c.srv.handle(c, node)
	}
}

// readFrame returns the next length-prefixed frame, stripping the connection header the client prepends to its
// first frame.
func (c *conn) readFrame() ([]byte, error) {
	for {
		if !c.sawHeader && len(c.buf) >= len(socket.WAConnHeader) {
			if !bytes.Equal(c.buf[:len(socket.WAConnHeader)], socket.WAConnHeader) {
				return nil, fmt.Errorf("%w: bad connection header %x", ErrHandshake, c.buf[:len(socket.WAConnHeader)])
			}
			c.buf = c.buf[len(socket.WAConnHeader):]
			c.sawHeader = true
		}
		if c.sawHeader && len(c.buf) >= socket.FrameLengthSize {
			n := int(c.buf[0])<<16 | int(c.buf[1])<<8 | int(c.buf[2])
			if len(c.buf) >= socket.FrameLengthSize+n {
				frame := c.buf[socket.FrameLengthSize : socket.FrameLengthSize+n]
				c.buf = c.buf[socket.FrameLengthSize+n:]
				return frame, nil
			}
		}
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return nil, err
		}
		if typ != websocket.MessageBinary {
			continue
		}
		c.buf = append(c.buf, data...)
	}
}

func (c *conn) writeFrame(data []byte) error {
	if len(data) >= socket.FrameMaxSize {
		return fmt.Errorf("frame of %d bytes: %w", len(data), socket.ErrFrameTooLarge)
	}
	frame := make([]byte, socket.FrameLengthSize+len(data))
	frame[0], frame[1], frame[2] = byte(len(data)>>16), byte(len(data)>>8), byte(len(data))
	copy(frame[socket.FrameLengthSize:], data)
	return c.ws.Write(c.ctx, websocket.MessageBinary, frame)
}

// handshake runs the responder side of Noise XX: ClientHello → ServerHello (ephemeral, encrypted static, encrypted
// certificate chain) → ClientFinish (encrypted client static and ClientPayload).
func (c *conn) handshake() error {
	frame, err := c.readFrame()
	if err != nil {
		return err
	}
	var hello waWa6.HandshakeMessage
	if err := proto.Unmarshal(frame, &hello); err != nil {
		return fmt.Errorf("%w: client hello: %w", ErrHandshake, err)
	}
	clientEph := hello.GetClientHello().GetEphemeral()
	if len(clientEph) != 32 {
		return fmt.Errorf("%w: client ephemeral of %d bytes", ErrHandshake, len(clientEph))
	}
	h, err := newHandshake(socket.NoiseStartPattern, socket.WAConnHeader)
	if err != nil {
		return err
	}
	h.authenticate(clientEph)
	eph := keys.NewKeyPair()
	h.authenticate(eph.Pub[:])
	if err := h.mix(*eph.Priv, [32]byte(clientEph)); err != nil {
		return err
	}
	static := h.encrypt(c.srv.static.Pub[:])
	if err := h.mix(*c.srv.static.Priv, [32]byte(clientEph)); err != nil {
		return err
	}
	cert := h.encrypt(c.srv.certChain)
	out, err := proto.Marshal(&waWa6.HandshakeMessage{ServerHello: &waWa6.HandshakeMessage_ServerHello{
		Ephemeral: eph.Pub[:], Static: static, Payload: cert,
	}})
	if err != nil {
		return fmt.Errorf("marshal server hello: %w", err)
	}
	if err := c.writeFrame(out); err != nil {
		return err
	}

	if frame, err = c.readFrame(); err != nil {
		return err
	}
	var finish waWa6.HandshakeMessage
	if err := proto.Unmarshal(frame, &finish); err != nil {
		return fmt.Errorf("%w: client finish: %w", ErrHandshake, err)
	}
	clientStatic, err := h.decrypt(finish.GetClientFinish().GetStatic())
	if err != nil {
		return err
	}
	if len(clientStatic) != 32 {
		return fmt.Errorf("%w: client static of %d bytes", ErrHandshake, len(clientStatic))
	}
	c.clientKey = [32]byte(clientStatic)
	if err := h.mix(*eph.Priv, c.clientKey); err != nil {
		return err
	}
	raw, err := h.decrypt(finish.GetClientFinish().GetPayload())
	if err != nil {
		return err
	}
	c.payload = &waWa6.ClientPayload{}
	if err := proto.Unmarshal(raw, c.payload); err != nil {
		return fmt.Errorf("%w: client payload: %w", ErrHandshake, err)
	}
	c.readKey, c.writeKey, err = h.finish()
	return err
}

func (c *conn) readNode() (*waBinary.Node, error) {
	for {
		frame, err := c.readFrame()
		if err != nil {
			return nil, err
		}
		plain, err := c.readKey.Open(nil, nonce(c.readCount), frame, nil)
		c.readCount++
		if err != nil {
			return nil, fmt.Errorf("decrypt frame: %w", err)
		}
		data, err := waBinary.Unpack(plain)
		if err != nil {
			return nil, fmt.Errorf("unpack frame: %w", err)
		}
		node, err := waBinary.Unmarshal(data)
		if err != nil {
			c.srv.logf("undecodable node: %v", err)
			continue
		}
		c.srv.logf("recv %s", node)
		return node, nil
	}
}

// send encrypts and writes one node. Safe for concurrent use.
func (c *conn) send(node waBinary.Node) error {
	data, err := waBinary.Marshal(node)
	if err != nil {
		return fmt.Errorf("marshal node: %w", err)
	}
	c.srv.logf("send %s", &node)
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	ct := c.writeKey.Seal(nil, nonce(c.writeCount), data, nil)
	c.writeCount++
	return c.writeFrame(ct)
}

// request sends an IQ from the server and waits for the client's result or error with the same id.
func (c *conn) request(ctx context.Context, typ string, content waBinary.Node) (*waBinary.Node, error) {
	id := "wasim-" + strconv.FormatUint(c.nextID.Add(1), 10)
	ch := make(chan *waBinary.Node, 1)
	c.waitMu.Lock()
	if c.waiters == nil {
		c.waitMu.Unlock()
		return nil, ErrClosed
	}
	c.waiters[id] = ch
	c.waitMu.Unlock()
	err := c.send(waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{
		"from": types.ServerJID, "type": typ, "id": id, "t": time.Now().Unix(),
	}, Content: []waBinary.Node{content}})
	if err != nil {
		return nil, err
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, ErrClosed
		}
		return resp, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

func (c *conn) deliverResponse(node *waBinary.Node) bool {
	id, _ := node.Attrs["id"].(string)
	typ, _ := node.Attrs["type"].(string)
	if node.Tag != "iq" || (typ != "result" && typ != "error") {
		return false
	}
	c.waitMu.Lock()
	ch, ok := c.waiters[id]
	delete(c.waiters, id)
	c.waitMu.Unlock()
	if ok {
		ch <- node
	}
	return ok
}

func (c *conn) failWaiters() {
	c.waitMu.Lock()
	defer c.waitMu.Unlock()
	for _, ch := range c.waiters {
		close(ch)
	}
	c.waiters = nil
}

// reply answers a client IQ with a result carrying the given children.
func (c *conn) reply(iq *waBinary.Node, children ...waBinary.Node) error {
	n := waBinary.Node{Tag: "iq", Attrs: waBinary.Attrs{"from": types.ServerJID, "type": "result", "id": iq.Attrs["id"]}}
	if len(children) > 0 {
		n.Content = children
	}
	return c.send(n)
}

// replyError answers a client IQ with an IQ error.
func (c *conn) replyError(iq *waBinary.Node, code int, text string) error {
	return c.send(waBinary.Node{
		Tag:     "iq",
		Attrs:   waBinary.Attrs{"from": types.ServerJID, "type": "error", "id": iq.Attrs["id"]},
		Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{"code": code, "text": text}}},
	})
}
