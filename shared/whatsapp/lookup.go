package whatsapp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/waqtor/waqtor/shared/session"
)

// Lookup asks WhatsApp which of phones are on WhatsApp; see session.Client.
func (c *Client) Lookup(ctx context.Context, phones []string) ([]session.NumberInfo, error) {
	wa := c.current()
	if !loggedIn(wa) {
		return nil, fmt.Errorf("lookup: %w", session.ErrNotConnected)
	}
	if len(phones) == 0 {
		return nil, nil
	}
	query := make([]string, len(phones))
	for i, p := range phones {
		query[i] = "+" + strings.TrimPrefix(p, "+")
	}
	resp, err := wa.IsOnWhatsApp(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	byQuery := make(map[string]types.IsOnWhatsAppResponse, len(resp))
	for _, r := range resp {
		byQuery[strings.TrimPrefix(r.Query, "+")] = r
	}
	out := make([]session.NumberInfo, len(phones))
	for i, p := range phones {
		digits := strings.TrimPrefix(p, "+")
		out[i] = session.NumberInfo{Query: digits}
		r, ok := byQuery[digits]
		if !ok || !r.IsIn {
			continue
		}
		out[i].OnWA = true
		out[i].User = addressOf(ctx, wa, r.JID, r.PhoneNumber)
		if r.VerifiedName != nil && r.VerifiedName.Details != nil {
			out[i].VerifiedName = r.VerifiedName.Details.GetVerifiedName()
		}
	}
	return out, nil
}

// MarkRead sends read receipts; see session.Client.
func (c *Client) MarkRead(ctx context.Context, chat, sender session.Address, ids []string, at time.Time) error {
	wa := c.current()
	if !loggedIn(wa) {
		return fmt.Errorf("mark read: %w", session.ErrNotConnected)
	}
	chatJID, err := jidOf(chat)
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	var senderJID types.JID
	if !sender.IsZero() {
		if senderJID, err = jidOf(sender); err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
	}
	if err := wa.MarkRead(ctx, ids, at, chatJID, senderJID); err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return nil
}
