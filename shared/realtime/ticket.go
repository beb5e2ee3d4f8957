package realtime

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
)

// TicketTTL is how long a ticket can be used: long enough to open a socket right after asking for it.
const TicketTTL = 30 * time.Second

// ticketPrefix starts every ticket, so a leaked one is recognisable.
const ticketPrefix = "rtk_"

// Ticket is a stored connect ticket: the hash of its secret and the principal it was issued to.
type Ticket struct {
	// Hash is the hex SHA-256 of the secret; the secret itself is never stored.
	Hash      string
	Principal auth.Principal
	ExpiresAt time.Time
}

// TicketStore keeps tickets until they are used or expire.
type TicketStore interface {
	// PutTicket stores t (hashes are unique: a random 256-bit secret never repeats).
	PutTicket(ctx context.Context, t Ticket) error
	// TakeTicket deletes the ticket with this hash and returns it, atomically: of concurrent takes of one ticket
	// exactly one gets it. ErrTicketNotFound when there is none. Expiry is the caller's decision.
	TakeTicket(ctx context.Context, hash string) (Ticket, error)
}

// Tickets issues and redeems connect tickets.
type Tickets struct {
	Store TicketStore
	// TTL is a ticket's lifetime (default TicketTTL).
	TTL time.Duration
	Now func() time.Time
}

// NewTickets returns the ticket service over store.
func NewTickets(store TicketStore) *Tickets {
	return &Tickets{Store: store, TTL: TicketTTL, Now: time.Now}
}

// HashTicket is the stored form of a ticket secret.
func HashTicket(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Issue returns a new single-use ticket for p and when it expires.
func (t *Tickets) Issue(ctx context.Context, p auth.Principal) (string, time.Time, error) {
	if p.TenantID == "" {
		return "", time.Time{}, errors.New("realtime: a ticket needs a tenant")
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := ticketPrefix + base64.RawURLEncoding.EncodeToString(raw)
	expires := t.Now().UTC().Add(t.TTL)
	p.Scopes = append([]auth.Scope(nil), p.Scopes...)
	if err := t.Store.PutTicket(ctx, Ticket{Hash: HashTicket(secret), Principal: p, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, fmt.Errorf("realtime: store ticket: %w", err)
	}
	return secret, expires, nil
}

// Redeem uses a ticket up and returns its principal. A malformed, unknown, already used or expired ticket is
// ErrTicketInvalid (the same error for each, so a caller learns nothing about other tickets).
func (t *Tickets) Redeem(ctx context.Context, secret string) (auth.Principal, error) {
	if !strings.HasPrefix(secret, ticketPrefix) || len(secret) != len(ticketPrefix)+43 {
		return auth.Principal{}, ErrTicketInvalid
	}
	tk, err := t.Store.TakeTicket(ctx, HashTicket(secret))
	if errors.Is(err, ErrTicketNotFound) {
		return auth.Principal{}, ErrTicketInvalid
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("realtime: take ticket: %w", err)
	}
	if !t.Now().Before(tk.ExpiresAt) {
		return auth.Principal{}, ErrTicketInvalid
	}
	return tk.Principal, nil
}
