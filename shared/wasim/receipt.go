package wasim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Receipt is a receipt a client sent to a phone: for messages the phone sent (delivery, "inactive" while the
// client is not marked active) or for messages the client read ("read").
type Receipt struct {
	// IDs are the message IDs the receipt covers.
	IDs []string
	// Type is the receipt type: "" (delivered), "inactive", "read", …
	Type types.ReceiptType
	// From is the companion that sent the receipt.
	From types.JID
}

// NextReceipt waits for the next receipt a client sent to this phone.
func (p *Phone) NextReceipt(ctx context.Context) (Receipt, error) {
	select {
	case r := <-p.receipts:
		return r, nil
	case <-ctx.Done():
		return Receipt{}, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
}

// MarkRead tells every companion of the account to that this phone read the given messages they sent
// (events.Receipt with type read), queued like Send for companions that are offline, and records the time as Read
// on those messages in the phone's Inbox. It returns ErrNotLinked when to has no companion.
func (p *Phone) MarkRead(to *Phone, ids ...string) error {
	if len(ids) == 0 {
		return errors.New("wasim: MarkRead needs at least one message ID")
	}
	companions := p.srv.companionsOf(to.number)
	if len(companions) == 0 {
		return fmt.Errorf("%s: %w", to.JID(), ErrNotLinked)
	}
	now := time.Now()
	node := waBinary.Node{Tag: "receipt", Attrs: waBinary.Attrs{
		"from": p.LID(), "id": ids[0], "t": now.Unix(), "type": string(types.ReceiptTypeRead),
	}}
	if len(ids) > 1 {
		items := make([]waBinary.Node, len(ids)-1)
		for i, id := range ids[1:] {
			items[i] = waBinary.Node{Tag: "item", Attrs: waBinary.Attrs{"id": id}}
		}
		node.Content = []waBinary.Node{{Tag: "list", Content: items}}
	}
	s := p.srv
	s.mu.Lock()
	var read []int64 // inbox positions
	for _, id := range ids {
		if i, ok := p.seen[to.number+"/"+id]; ok && p.history[i].Read.IsZero() {
			p.history[i].Read = now
			read = append(read, p.history[i].seq)
		}
	}
	outs := make([]outgoing, len(companions))
	for i, d := range companions {
		outs[i] = s.enqueueLocked(d, node, func(tx *sql.Tx) error {
			if i > 0 {
				return nil
			}
			for _, seq := range read {
				if err := exec(tx, "UPDATE inbox SET read = ? WHERE seq = ?", nanos(now), seq); err != nil {
					return err
				}
			}
			return nil
		})
	}
	s.mu.Unlock()
	for _, out := range outs {
		out.push(s)
	}
	return nil
}

// receiveReceipt routes a receipt the client sent to the phone it addresses, and acks it as the server does.
func (s *Server) receiveReceipt(c *conn, node *waBinary.Node) {
	to, _ := node.Attrs["to"].(types.JID)
	id, _ := node.Attrs["id"].(string)
	typ, _ := node.Attrs["type"].(string)
	ids := []string{id}
	list := node.GetChildByTag("list")
	for _, item := range list.GetChildren() {
		if itemID, ok := item.Attrs["id"].(string); ok {
			ids = append(ids, itemID)
		}
	}
	s.settle(c, "message", ids...)
	if p, ok := s.account(to); ok && c.device != nil {
		select {
		case p.receipts <- Receipt{IDs: ids, Type: types.ReceiptType(typ), From: c.device.jid}:
		default:
			s.problem(fmt.Sprintf("receipt queue of %s full, dropped %s", p.number, id))
		}
	}
	attrs := waBinary.Attrs{"class": "receipt", "id": id, "from": to}
	if typ != "" {
		attrs["type"] = typ
	}
	if err := c.send(waBinary.Node{Tag: "ack", Attrs: attrs}); err != nil {
		s.logf("ack receipt %s: %v", id, err)
	}
}

// privacySettings is what the server reports for every account: everything visible to everyone, read receipts on.
func privacySettings() waBinary.Node {
	var cats []waBinary.Node
	for _, name := range []string{"readreceipts", "last", "online", "profile", "status", "groupadd", "calladd"} {
		cats = append(cats, waBinary.Node{Tag: "category", Attrs: waBinary.Attrs{"name": name, "value": "all"}})
	}
	return waBinary.Node{Tag: "privacy", Content: cats}
}
