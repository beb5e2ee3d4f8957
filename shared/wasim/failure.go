package wasim

import (
	"database/sql"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// closeGrace is how long the server keeps a connection open after a stream error or login failure. whatsmeow
// queues those nodes for its handler loop, which stops as soon as the socket closes, so closing at once could drop
// the node and its event; real servers also close a moment later.
const closeGrace = 500 * time.Millisecond

// closeSoon drops the connection after closeGrace.
func (c *conn) closeSoon() {
	time.AfterFunc(closeGrace, func() { _ = c.ws.CloseNow() })
}

// streamError sends a stream error to every connection of the companion and closes them after the grace period.
func (s *Server) streamError(jid types.JID, node waBinary.Node) int {
	var n int
	for _, c := range s.connsOf(jid.User) {
		if c.device.jid != jid {
			continue
		}
		if err := c.send(node); err != nil {
			s.logf("stream error to %s: %v", jid, err)
		}
		c.closeSoon()
		n++
	}
	return n
}

// Replace tells the companion's connections that another connection with the same keys took over (stream error
// conflict "replaced"); the client emits events.StreamReplaced and does not reconnect. It reports how many
// connections it told.
func (s *Server) Replace(jid types.JID) int {
	return s.streamError(jid, waBinary.Node{Tag: "stream:error", Content: []waBinary.Node{
		{Tag: "conflict", Attrs: waBinary.Attrs{"type": "replaced"}},
	}})
}

// Unlink removes the companion from its phone, as "Log out" in the phone's linked-devices list does: its
// connections get stream error 401 device_removed (the client emits events.LoggedOut and deletes its store), and
// later logins with its keys fail with 401. It reports how many connections it told.
func (s *Server) Unlink(jid types.JID) int {
	s.mu.Lock()
	delete(s.companions, jid)
	s.persist("unlink "+jid.String(), func(tx *sql.Tx) error {
		for _, table := range []string{"companion", "companion_prekey", "pending"} {
			if err := exec(tx, "DELETE FROM "+table+" WHERE jid = ?", jid.String()); err != nil {
				return err
			}
		}
		return nil
	})
	s.mu.Unlock()
	return s.streamError(jid, waBinary.Node{Tag: "stream:error", Attrs: waBinary.Attrs{"code": "401"},
		Content: []waBinary.Node{{Tag: "conflict", Attrs: waBinary.Attrs{"type": "device_removed"}}}})
}

// Ban bans the companion's account for d: its connections drop, and every login until the ban expires fails with
// reason 402 (the client emits events.TemporaryBan with code 101 and the remaining time, and stops reconnecting).
func (s *Server) Ban(jid types.JID, d time.Duration) {
	s.mu.Lock()
	if comp, ok := s.companions[jid]; ok {
		comp.bannedUntil = time.Now().Add(d)
		s.persist("ban "+jid.String(), func(tx *sql.Tx) error {
			return exec(tx, "UPDATE companion SET banned_until = ? WHERE jid = ?", nanos(comp.bannedUntil), jid.String())
		})
	}
	s.mu.Unlock()
	s.Kick(jid)
}

// DropPings makes the server ignore (drop true) or answer again (drop false) the companion's keepalive pings. A
// client whose pings go unanswered emits events.KeepAliveTimeout after whatsmeow.KeepAliveResponseDeadline, and
// events.KeepAliveRestored after the next answered ping.
func (s *Server) DropPings(jid types.JID, drop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if comp, ok := s.companions[jid]; ok {
		comp.dropPings = drop
	}
}
