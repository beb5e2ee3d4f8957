package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/realtime"
)

// TicketStore is realtime.TicketStore on SQLite (table realtime_tickets, migration 0012).
type TicketStore struct{ db *DB }

var _ realtime.TicketStore = (*TicketStore)(nil)

// NewTicketStore returns the ticket store of db.
func NewTicketStore(db *DB) *TicketStore { return &TicketStore{db: db} }

// PutTicket stores t and sweeps tickets that expired, so the table holds only the last seconds' tickets.
func (s *TicketStore) PutTicket(ctx context.Context, t realtime.Ticket) error {
	p, err := json.Marshal(t.Principal)
	if err != nil {
		return fmt.Errorf("put ticket: %w", err)
	}
	return s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM realtime_tickets WHERE expires_at <= ?`, fmtTime(s.db.Now())); err != nil {
			return fmt.Errorf("sweep tickets: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO realtime_tickets (hash, tenant_id, principal, expires_at) VALUES (?, ?, ?, ?)`,
			t.Hash, t.Principal.TenantID, string(p), fmtTime(t.ExpiresAt)); err != nil {
			return fmt.Errorf("put ticket: %w", err)
		}
		return nil
	})
}

// TakeTicket deletes and returns the ticket in one statement, so only one of concurrent takes gets it.
func (s *TicketStore) TakeTicket(ctx context.Context, hash string) (realtime.Ticket, error) {
	var t realtime.Ticket
	err := s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var p, expires string
		err := tx.QueryRowContext(ctx, `DELETE FROM realtime_tickets WHERE hash = ? RETURNING hash, principal, expires_at`, hash).
			Scan(&t.Hash, &p, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return realtime.ErrTicketNotFound
		}
		if err != nil {
			return fmt.Errorf("take ticket: %w", err)
		}
		var pr auth.Principal
		if err := json.Unmarshal([]byte(p), &pr); err != nil {
			return fmt.Errorf("take ticket: decode principal: %w", err)
		}
		t.Principal, t.ExpiresAt = pr, parseTime(expires)
		return nil
	})
	if err != nil {
		return realtime.Ticket{}, err
	}
	return t, nil
}
