package wasim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// queued is a stanza the server owes a companion until the client acks it.
type queued struct {
	key  string // class "/" id, as the client's ack names it
	node waBinary.Node
}

// deliver hands a message or receipt stanza to a companion with at-least-once semantics: it stays queued until
// the client acknowledges it (see settle), is sent now if the companion is connected, and is sent again on the companion's next login
// otherwise (or if the connection drops before the ack), as WhatsApp's offline queue does.
func (s *Server) deliver(d *companion, node waBinary.Node) {
	id, _ := node.Attrs["id"].(string)
	s.mu.Lock()
	d.pending = append(d.pending, queued{key: node.Tag + "/" + id, node: node})
	var live []*conn
	for c := range s.conns {
		if c.device == d && c.live {
			live = append(live, c)
		}
	}
	s.mu.Unlock()
	for _, c := range live {
		c.deliverMu.Lock()
		err := c.send(node)
		c.deliverMu.Unlock()
		if err != nil {
			// Still queued: the next login gets it.
			s.logf("deliver %s to %s: %v", id, d.jid, err)
		}
	}
}

// receiveAck settles the receipt or notification the client acked.
func (s *Server) receiveAck(c *conn, node *waBinary.Node) {
	class, _ := node.Attrs["class"].(string)
	id, _ := node.Attrs["id"].(string)
	s.settle(c, class, id)
}

// settle drops acknowledged stanzas from the companion's queue. The client acknowledges a message with its
// receipt (it sends none when its handler failed, so the message comes again) and other stanzas with an ack.
func (s *Server) settle(c *conn, class string, ids ...string) {
	if c.device == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		key := class + "/" + id
		for i, q := range c.device.pending {
			if q.key == key {
				c.device.pending = append(c.device.pending[:i:i], c.device.pending[i+1:]...)
				break
			}
		}
	}
}

// flushOffline runs right after <success>: every stanza the companion has not acked, in order, then the
// <ib><offline count/></ib> marker (events.OfflineSyncCompleted).
//
// The connection turns live (deliver sends to it) in the same critical section that snapshots the backlog, and
// holds its delivery lock until the backlog is out: a stanza queued meanwhile is sent once, after the backlog.
func (s *Server) flushOffline(c *conn) error {
	s.mu.Lock()
	c.live = true
	backlog := make([]waBinary.Node, len(c.device.pending))
	for i, q := range c.device.pending {
		backlog[i] = q.node
	}
	c.deliverMu.Lock()
	s.mu.Unlock()
	defer c.deliverMu.Unlock()
	for _, n := range backlog {
		if err := c.send(n); err != nil {
			return err
		}
	}
	return c.send(waBinary.Node{Tag: "ib", Attrs: waBinary.Attrs{"from": types.ServerJID},
		Content: []waBinary.Node{{Tag: "offline", Attrs: waBinary.Attrs{"count": len(backlog)}}}})
}

// companionsOf lists the companions linked to the account, connected or not.
func (s *Server) companionsOf(number string) []*companion {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*companion
	for jid, d := range s.companions {
		if jid.User == number {
			out = append(out, d)
		}
	}
	return out
}

// Pending reports how many stanzas (messages and receipts) the companion has not acked yet.
func (s *Server) Pending(jid types.JID) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.companions[jid]; ok {
		return len(d.pending)
	}
	return 0
}
