package wasim

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// SendUndecryptable delivers to every companion of the account to a message whose ciphertext is random bytes on a
// Signal session that does not exist, as a sender with broken state would: the client emits
// events.UndecryptableMessage and answers with a retry receipt. It returns the message ID, or ErrNotLinked.
func (p *Phone) SendUndecryptable(_ context.Context, to *Phone) (string, error) {
	companions := p.srv.companionsOf(to.number)
	if len(companions) == 0 {
		return "", fmt.Errorf("%s: %w", to.JID(), ErrNotLinked)
	}
	garbage := make([]byte, 64)
	_, _ = rand.Read(garbage)
	garbage[0] = 0x33 // Signal message version 3, so the parse fails on the session, not the version
	id := newMessageID()
	for _, d := range companions {
		p.srv.deliver(d, waBinary.Node{Tag: "message", Attrs: waBinary.Attrs{
			"from": p.LID(), "sender_pn": p.JID(), "id": id, "t": time.Now().Unix(), "type": "text",
		}, Content: []waBinary.Node{{Tag: "enc", Attrs: waBinary.Attrs{"v": "2", "type": "msg"}, Content: garbage}}})
	}
	return id, nil
}
