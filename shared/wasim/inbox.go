package wasim

import (
	"database/sql"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
)

// inboxEntry is a received message and its position in the server's inboxes, also on disk.
type inboxEntry struct {
	Received
	seq     int64
	account string // the sending account's phone number
}

// arrival is a message a phone decrypted, before it is filed in the phone's inbox.
type arrival struct {
	phone   *Phone
	msg     Received
	account string // the sending account's phone number
	seq     int64  // its inbox position, if new
}

// Inbox lists every message clients sent to this phone, in the order it received them, with the times of the
// receipts it sent for them. A message ID arrives once per sending account: a second copy is acked to the client
// (which also gets a delivery receipt again) but not kept, as WhatsApp clients deduplicate by ID. NextMessage does
// not consume it, and with Options.Dir it survives a restart.
func (p *Phone) Inbox() []Received {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	out := make([]Received, len(p.history))
	for i, e := range p.history {
		out[i] = e.Received
		out[i].Message = proto.CloneOf(e.Message)
	}
	return out
}

// Copies reports how many copies of the message ID reached the phone since the server started, duplicates
// included: the Inbox keeps one, so a test that must show a message was sent once asks here.
func (p *Phone) Copies(id string) int {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	return p.copies[id]
}

// InboxFrom is Inbox restricted to the messages the given accounts (phone numbers) sent: what one WhatsApp user
// can know about another's chat with this phone.
func (p *Phone) InboxFrom(accounts ...string) []Received {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	out := []Received{}
	for _, e := range p.history {
		if slices.Contains(accounts, e.account) {
			r := e.Received
			r.Message = proto.CloneOf(e.Message)
			out = append(out, r)
		}
	}
	return out
}

// AutoReply makes the phone answer every new message a client sends it with the text reply returns for it ("" for
// no answer), sent to the sending account's companions shortly after the phone acked and receipted the message,
// as a demo contact would. reply runs on a server goroutine, one message at a time per phone in the order the
// messages came. Nil turns it off. Behaviours are not kept across a restart.
func (p *Phone) AutoReply(reply func(Received) string) *Phone {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.autoReply = reply
	return p
}

// AutoRead makes the phone send a read receipt (MarkRead) for every new message a client sends it, shortly after
// the delivery receipt and before any AutoReply. Behaviours are not kept across a restart.
func (p *Phone) AutoRead(on bool) *Phone {
	p.srv.mu.Lock()
	defer p.srv.mu.Unlock()
	p.autoRead = on
	return p
}

// arriveLocked files messages the account's companion sent into their phones' inboxes and reports which were new:
// a phone keeps a message ID once per sending account, as WhatsApp clients deduplicate. The caller holds s.mu.
func (s *Server) arriveLocked(account string, got []arrival) []bool {
	fresh := make([]bool, len(got))
	for i := range got {
		a := &got[i]
		a.account = account
		key := account + "/" + a.msg.ID
		if a.phone.copies == nil {
			a.phone.copies = map[string]int{}
		}
		a.phone.copies[a.msg.ID]++
		if _, dup := a.phone.seen[key]; dup {
			continue
		}
		s.seq++
		a.seq = s.seq
		a.phone.seen[key] = len(a.phone.history)
		a.phone.history = append(a.phone.history, inboxEntry{Received: a.msg, seq: a.seq, account: account})
		fresh[i] = true
	}
	return fresh
}

// saveArrivals writes the recipients' Signal state and the new inbox entries.
func saveArrivals(tx *sql.Tx, got []arrival, fresh []bool) error {
	for i, a := range got {
		if err := a.phone.signal.flush(tx); err != nil {
			return err
		}
		if !fresh[i] {
			continue
		}
		raw, err := proto.Marshal(a.msg.Message)
		if err != nil {
			return fmt.Errorf("marshal message %s: %w", a.msg.ID, err)
		}
		if err := exec(tx, `INSERT INTO inbox (seq, number, id, sender, account, message, prekey, at, delivered, read)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.seq, a.phone.number, a.msg.ID, a.msg.From.String(), a.account,
			raw, a.msg.PreKey, nanos(a.msg.Time), nanos(a.msg.Delivered), nanos(a.msg.Read)); err != nil {
			return err
		}
	}
	return nil
}

// behave runs the phone's behaviours for a new message from account on a goroutine Close waits for, after those
// of the phone's earlier messages, so replies go out in the order the messages came.
func (s *Server) behave(p *Phone, account string, r Received) {
	s.mu.Lock()
	reply, read := p.autoReply, p.autoRead
	from := s.phones[account]
	if (reply == nil && !read) || from == nil {
		s.mu.Unlock()
		return
	}
	prev, done := p.behaving, make(chan struct{})
	p.behaving = done
	s.mu.Unlock()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer close(done)
		if prev != nil {
			<-prev
		}
		if read {
			if err := p.MarkRead(from, r.ID); err != nil {
				s.problem(fmt.Sprintf("%s auto-reads %s: %v", p.number, r.ID, err))
			}
		}
		if reply == nil {
			return
		}
		if text := reply(r); text != "" {
			if _, err := p.SendText(s.ctx, from, text); err != nil {
				s.problem(fmt.Sprintf("%s auto-replies to %s: %v", p.number, r.ID, err))
			}
		}
	}()
}
