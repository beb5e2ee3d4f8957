// Package wasim is a protocol-level fake WhatsApp server for tests. The real, unmodified whatsmeow client talks to
// it over 127.0.0.1: WebSocket, Noise XX with the fake's own certificate authority (whatsmeow.WACertPubKey),
// binary XML, Signal. Fake phones (Phone) are WhatsApp accounts: they link companions by QR code or pairing code,
// receive and decrypt what a client sends them, and send it messages and receipts.
//
//	srv := wasim.New(t)
//	alice, bob := srv.Phone("15550000100"), srv.Phone("15550000200")
//	cli := whatsmeow.NewClient(container.NewDevice(), log)
//	srv.Configure(cli)                      // dial the fake instead of web.whatsapp.com
//	qr, _ := cli.GetQRChannel(ctx); cli.Connect()
//	alice.Scan((<-qr).Code)                 // PairSuccess, 515, login, events.Connected
//	cli.SendMessage(ctx, bob.JID(), msg)    // bob.NextMessage(ctx) returns it decrypted
//	bob.SendText(ctx, alice, "hi")          // events.Message on cli
//
// Covered: handshake, QR and code pairing, login and prekey upload, usync (LID and devices), prekey bundles, 1:1
// text and media messages both ways, delivery and read receipts both ways, an offline queue with at-least-once
// redelivery, each phone's Inbox (deduplicated by message ID, with the receipts it sent), demo contacts that read
// and answer by themselves (AutoRead, AutoReply), state kept on disk across restarts (Options.Dir), and failure
// injection (Kick, Replace, Unlink, Ban, DropPings). Not covered: groups, app state, history sync, presence, retry
// receipts, and phones with more than device 0. Problems lists anything the client sent that the fake could not
// handle.
//
// The certificate authority is process-wide: every Server shares one root key, installed once. A server restarted
// in the same process (Close, then Start on the same Dir) is therefore trusted by clients configured before.
package wasim

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// refsPerPairing is how many QR refs the server offers a new client, as WhatsApp does.
const refsPerPairing = 6

// Options tunes a Server. The zero value is ready to use.
type Options struct {
	// Logger receives every node sent and received, at debug level. Nil discards.
	Logger *slog.Logger
	// Timeout bounds each wait for a client answer, such as the pair-device-sign after Phone.Scan. Default 10 s.
	Timeout time.Duration
	// Dir, when set, keeps everything the server knows in a SQLite file under it (created if needed), written
	// through as it changes: phones (numbers, names, LIDs, keys, Signal sessions, inboxes), companions (keys,
	// registration, signed and remaining one-time prekeys, bans), unacked stanzas and uploaded media. A later Start
	// on the same Dir resumes as WhatsApp does after the client's process restarts: linked clients log in again
	// without a QR code and keep their Signal sessions. The Noise static key and certificate chain are new on
	// every Start, which clients accept. Pairings in progress, Problems and injected failures (DropPings) are not
	// kept, nor phone behaviours (AutoReply, AutoRead). One Server at a time per Dir. Empty keeps everything in
	// memory.
	Dir string
}

func (o *Options) setDefaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
}

// Server is a fake WhatsApp server listening on 127.0.0.1. Create it with Start or New; it is safe for concurrent
// use by tests and clients.
type Server struct {
	opts      Options
	http      *httptest.Server
	ctx       context.Context
	cancel    context.CancelFunc
	static    *keys.KeyPair
	certChain []byte
	disk      *disk          // nil without Options.Dir
	running   sync.WaitGroup // connections and phone behaviours; Close waits for them before closing the disk
	closeOnce sync.Once

	problemMu sync.Mutex
	problems  []string

	mu         sync.Mutex
	conns      map[*conn]struct{}
	refs       map[string]*conn
	codes      map[string]*codePairing // by phone number
	media      map[string][]byte       // uploaded blobs by token
	phones     map[string]*Phone
	companions map[types.JID]*companion
	nextLID    uint64
	seq        int64 // last position used in the offline queues and inboxes
	ext        extension
	stats      connStats
}

// companion is a device linked to a Phone, with the keys it registered and uploaded.
type companion struct {
	jid, lid       types.JID
	noiseKey       [32]byte
	identityKey    [32]byte
	registrationID uint32
	signedPreKey   preKey
	signature      []byte
	preKeys        map[uint32][32]byte
	bannedUntil    time.Time
	pending        []queued // stanzas not acked yet, oldest first
	dropPings      bool
}

type preKey struct {
	id  uint32
	pub [32]byte
}

// Start listens on a free 127.0.0.1 port, resuming the state under opts.Dir if it has one. Close it when done.
func Start(opts Options) (*Server, error) {
	opts.setDefaults()
	s := &Server{
		opts:       opts,
		static:     keys.NewKeyPair(),
		conns:      map[*conn]struct{}{},
		refs:       map[string]*conn{},
		codes:      map[string]*codePairing{},
		media:      map[string][]byte{},
		phones:     map[string]*Phone{},
		companions: map[types.JID]*companion{},
		nextLID:    100000000000001,
	}
	chain, err := certChain(installRoot(), *s.static.Pub, time.Now())
	if err != nil {
		return nil, err
	}
	s.certChain = chain
	if opts.Dir != "" {
		if s.disk, err = openDisk(opts.Dir); err != nil {
			return nil, err
		}
		if err := s.load(); err != nil {
			_ = s.disk.close()
			return nil, fmt.Errorf("load state from %s: %w", opts.Dir, err)
		}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/chat", s.serveWS)
	mux.HandleFunc("POST /mms/{type}/{token}", s.uploadMedia)
	mux.HandleFunc("GET /v/t62/{token}", s.downloadMedia)
	s.http = httptest.NewServer(mux)
	return s, nil
}

// New starts a Server for one test and closes it in tb.Cleanup.
func New(tb testing.TB, opts ...Options) *Server {
	tb.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := Start(o)
	if err != nil {
		tb.Fatalf("start wasim: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close drops every connection, stops listening, waits for connections and phone behaviours to finish, and
// closes the state on disk. Phones and their inboxes stay readable. Calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.cancel()
		s.http.CloseClientConnections()
		s.http.Close()
		s.running.Wait()
		if err := s.disk.close(); err != nil {
			s.problem(fmt.Sprintf("close state: %v", err))
		}
	})
}

// Addr is the listener's host:port.
func (s *Server) Addr() string { return s.http.Listener.Addr().String() }

// HTTPClient returns an http.Client whose every dial, plain or "TLS", goes to the server. http.Transport treats a
// conn from DialTLSContext as already secured, so whatsmeow's wss:// URL runs as plain HTTP/1.1 to the fake.
func (s *Server) HTTPClient() *http.Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr())
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial, DialTLSContext: dial}}
}

// Configure points a whatsmeow client at the server, before and after login. Call it before Connect and before
// any proxy setter, which would replace these transports.
func (s *Server) Configure(cli *whatsmeow.Client) {
	hc := s.HTTPClient()
	cli.SetPreLoginHTTPClient(hc)
	cli.SetWebsocketHTTPClient(hc)
	cli.SetMediaHTTPClient(hc)
}

// Problems lists what the server could not handle: client IQs it did not understand and answered with a 501
// error ("unanswered iq xmlns/type/child") and messages a phone could not decrypt. Tests assert it is empty to
// catch protocol drift after a whatsmeow upgrade.
// Failures to write the state to Options.Dir are listed too ("persist …").
func (s *Server) Problems() []string {
	s.problemMu.Lock()
	defer s.problemMu.Unlock()
	return append([]string(nil), s.problems...)
}

// problem records p; it takes only its own lock, so it is safe to call holding s.mu.
func (s *Server) problem(p string) {
	s.problemMu.Lock()
	s.problems = append(s.problems, p)
	s.problemMu.Unlock()
	s.logf("problem: %s", p)
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logger.Enabled(s.ctx, slog.LevelDebug) {
		s.opts.Logger.DebugContext(s.ctx, fmt.Sprintf(format, args...))
	}
}

func (s *Server) track(c *conn, open bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if open {
		s.conns[c] = struct{}{}
		return
	}
	delete(s.conns, c)
	s.dropRefsLocked(c)
	for number, pc := range s.codes {
		if pc.conn == c {
			delete(s.codes, number)
		}
	}
}

// dropRefsLocked forgets the QR refs offered to c. The caller holds s.mu.
func (s *Server) dropRefsLocked(c *conn) {
	for ref, rc := range s.refs {
		if rc == c {
			delete(s.refs, ref)
		}
	}
}

// welcome runs right after the handshake: a registering client gets QR refs, a logging-in client gets
// <success> if its device is linked and its Noise key matches, <failure reason=401> otherwise.
func (s *Server) welcome(c *conn) error {
	if c.payload.Username == nil {
		if c.payload.GetDevicePairingData() == nil {
			return fmt.Errorf("%w: client payload has neither login nor registration", ErrHandshake)
		}
		return s.offerRefs(c)
	}
	jid := types.JID{User: strconv.FormatUint(c.payload.GetUsername(), 10), Device: uint16(c.payload.GetDevice()),
		Server: types.DefaultUserServer}
	s.mu.Lock()
	comp, ok := s.companions[jid]
	s.mu.Unlock()
	if !ok || comp.noiseKey != c.clientKey {
		c.closeSoon()
		return c.send(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{"reason": 401, "location": "wasim"}})
	}
	s.mu.Lock()
	banned := time.Until(comp.bannedUntil)
	s.mu.Unlock()
	if banned > 0 {
		c.closeSoon()
		return c.send(waBinary.Node{Tag: "failure", Attrs: waBinary.Attrs{
			"reason": 402, "code": 101, "expire": int64(banned.Seconds() + 0.5), "location": "wasim"}})
	}
	if refusal, ok := s.loginRefusal(comp); ok {
		c.closeSoon()
		return c.send(refusal)
	}
	s.mu.Lock()
	c.device = comp
	s.loggedInLocked(c)
	s.mu.Unlock()
	if err := c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t": time.Now().Unix(), "lid": comp.lid, "props": "1", "location": "wasim",
	}}); err != nil {
		return err
	}
	return s.flushOffline(c)
}

// Kick drops every connection logged in as the companion jid without a stream error, as a network failure
// would; a client with auto-reconnect emits events.Disconnected and logs in again. It reports how many
// connections it dropped.
func (s *Server) Kick(jid types.JID) int {
	s.mu.Lock()
	var drop []*conn
	for c := range s.conns {
		if c.device != nil && c.device.jid == jid {
			drop = append(drop, c)
		}
	}
	s.mu.Unlock()
	for _, c := range drop {
		_ = c.ws.CloseNow()
	}
	return len(drop)
}

func (s *Server) offerRefs(c *conn) error {
	refs := make([]waBinary.Node, refsPerPairing)
	s.mu.Lock()
	for i := range refs {
		raw := make([]byte, 18)
		_, _ = rand.Read(raw)
		ref := "2@" + base64.StdEncoding.EncodeToString(raw)
		s.refs[ref] = c
		refs[i] = waBinary.Node{Tag: "ref", Content: []byte(ref)}
	}
	s.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(c.ctx, s.opts.Timeout)
		defer cancel()
		if _, err := c.request(ctx, "set", waBinary.Node{Tag: "pair-device", Content: refs}); err != nil {
			s.logf("pair-device: %v", err)
		}
	}()
	return nil
}

// handle answers one node the client sent on its own initiative.
func (s *Server) handle(c *conn, node *waBinary.Node) {
	switch node.Tag {
	case "message":
		s.receiveMessage(c, node)
		return
	case "receipt":
		s.receiveReceipt(c, node)
		return
	case "ack":
		s.receiveAck(c, node)
		return
	case "iq":
	default:
		return // ib, ack, receipt, presence: nothing to answer yet
	}
	typ, _ := node.Attrs["type"].(string)
	if typ != "get" && typ != "set" {
		return
	}
	if err := s.handleIQ(c, node, typ); err != nil && !errors.Is(err, context.Canceled) {
		s.logf("answer iq: %v", err)
	}
}

func (s *Server) handleIQ(c *conn, iq *waBinary.Node, typ string) error {
	xmlns, _ := iq.Attrs["xmlns"].(string)
	var child string
	if children := iq.GetChildren(); len(children) > 0 {
		child = children[0].Tag
	}
	if ok, err := s.answerExtra(c, iq, xmlns, typ, child); ok {
		return err
	}
	switch {
	case xmlns == "w:p":
		s.mu.Lock()
		drop := c.device != nil && c.device.dropPings
		s.mu.Unlock()
		if drop {
			return nil
		}
		return c.reply(iq)
	case xmlns == "passive":
		return c.reply(iq)
	case xmlns == "encrypt" && typ == "get" && child == "count" && c.device != nil:
		s.mu.Lock()
		n := len(c.device.preKeys) // c.device is written only by this goroutine; the lock guards preKeys
		s.mu.Unlock()
		return c.reply(iq, waBinary.Node{Tag: "count", Attrs: waBinary.Attrs{"value": n}})
	case xmlns == "encrypt" && typ == "get" && child == "key":
		return s.answerPreKeys(c, iq)
	case xmlns == "usync" && child == "usync":
		return s.answerUsync(c, iq)
	case xmlns == "md" && typ == "set" && child == "link_code_companion_reg":
		return s.answerLinkCode(c, iq)
	case xmlns == "privacy" && typ == "set" && child == "tokens":
		return c.reply(iq)
	case xmlns == "w:m" && typ == "set" && child == "media_conn":
		return c.reply(iq, mediaConn())
	case xmlns == "privacy" && typ == "get" && child == "privacy":
		return c.reply(iq, privacySettings())
	case xmlns == "encrypt" && typ == "set" && child == "registration" && c.device != nil:
		if err := s.storePreKeys(c.device, iq); err != nil {
			return errors.Join(err, c.replyError(iq, 400, "bad-request"))
		}
		return c.reply(iq)
	}
	s.problem("unanswered iq " + xmlns + "/" + typ + "/" + child)
	return c.replyError(iq, 501, "feature-not-implemented")
}

// storePreKeys keeps the one-time and signed prekeys the client uploads; a contact needs them to open a Signal
// session to the client.
func (s *Server) storePreKeys(d *companion, iq *waBinary.Node) error {
	list := iq.GetChildByTag("list")
	keys := make(map[uint32][32]byte, len(list.GetChildren()))
	for _, k := range list.GetChildren() {
		pk, err := parsePreKey(k)
		if err != nil {
			return err
		}
		keys[pk.id] = pk.pub
	}
	skey := iq.GetChildByTag("skey")
	spk, err := parsePreKey(skey)
	if err != nil {
		return err
	}
	sig, _ := skey.GetChildByTag("signature").Content.([]byte)
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, pub := range keys {
		d.preKeys[id] = pub
	}
	d.signedPreKey, d.signature = spk, sig
	err = s.disk.update(func(tx *sql.Tx) error {
		for id, pub := range keys {
			if err := exec(tx, "INSERT OR REPLACE INTO companion_prekey (jid, id, pub) VALUES (?, ?, ?)",
				d.jid.String(), id, pub[:]); err != nil {
				return err
			}
		}
		return exec(tx, "UPDATE companion SET signed_prekey_id = ?, signed_prekey = ?, signature = ? WHERE jid = ?",
			spk.id, spk.pub[:], sig, d.jid.String())
	})
	if err != nil {
		s.problem(fmt.Sprintf("persist prekeys of %s: %v", d.jid, err))
	}
	return err
}

func parsePreKey(n waBinary.Node) (preKey, error) {
	id, _ := n.GetChildByTag("id").Content.([]byte)
	val, _ := n.GetChildByTag("value").Content.([]byte)
	if len(id) != 3 || len(val) != 32 {
		return preKey{}, fmt.Errorf("prekey node %s: id %d bytes, value %d bytes", n.Tag, len(id), len(val))
	}
	return preKey{id: binary.BigEndian.Uint32(append([]byte{0}, id...)), pub: [32]byte(val)}, nil
}
