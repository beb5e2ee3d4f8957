package wasim

import (
	"database/sql"
	"fmt"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// queued is a stanza the server owes a companion until the client acks it.
type queued struct {
	seq  int64  // position in the server's queues, also on disk
	key  string // class "/" id, as the client's ack names it
	node waBinary.Node
}

// deliver hands a message or receipt stanza to a companion with at-least-once semantics: it stays queued until
// the client acknowledges it (see settle), is sent now if the companion is connected, and is sent again on the
// companion's next login otherwise (or if the connection drops before the ack), as WhatsApp's offline queue does.
// With a disk the stanza is on it before it is sent.
func (s *Server) deliver(d *companion, node waBinary.Node) { s.deliverSigned(d, node, nil) }

// deliverSigned is deliver for a stanza encrypted with signal (the sending phone's Signal state, or nil): the
// state that encrypted it goes to disk in the same transaction as the stanza.
func (s *Server) deliverSigned(d *companion, node waBinary.Node, signal *signalStore) {
	s.mu.Lock()
	out := s.enqueueLocked(d, node, func(tx *sql.Tx) error {
		if signal == nil {
			return nil
		}
		return signal.flush(tx)
	})
	s.mu.Unlock()
	out.push(s)
}

// outgoing is a queued stanza and the connections that were live when it was queued: they get it now, the ones
// that log in later get it with their backlog, so each connection sees it once.
type outgoing struct {
	q    queued
	to   types.JID
	live []*conn
}

// enqueueLocked queues node for d, writing it to disk in one transaction after also (which may be nil). The
// caller holds s.mu and pushes the stanza once it has released it.
func (s *Server) enqueueLocked(d *companion, node waBinary.Node, also func(tx *sql.Tx) error) outgoing {
	id, _ := node.Attrs["id"].(string)
	s.seq++
	q := queued{seq: s.seq, key: node.Tag + "/" + id, node: node}
	d.pending = append(d.pending, q)
	s.persist("stanza "+q.key+" for "+d.jid.String(), func(tx *sql.Tx) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		raw, err := waBinary.Marshal(node)
		if err != nil {
			return fmt.Errorf("marshal %s: %w", q.key, err)
		}
		return exec(tx, "INSERT INTO pending (seq, jid, key, node) VALUES (?, ?, ?, ?)", q.seq, d.jid.String(), q.key, raw)
	})
	out := outgoing{q: q, to: d.jid}
	for c := range s.conns {
		if c.device == d && c.live {
			out.live = append(out.live, c)
		}
	}
	return out
}

// push sends the stanza to the connections that were live when it was queued; one that fails keeps it queued for
// the next login.
func (o outgoing) push(s *Server) {
	for _, c := range o.live {
		c.deliverMu.Lock()
		err := c.send(o.q.node)
		c.deliverMu.Unlock()
		if err != nil {
			s.logf("deliver %s to %s: %v", o.q.key, o.to, err)
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
				s.persist("ack of "+key, func(tx *sql.Tx) error {
					return exec(tx, "DELETE FROM pending WHERE seq = ?", q.seq)
				})
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
