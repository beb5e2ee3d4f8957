package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
)

// ActivityStore is activity.Store on SQLite.
type ActivityStore struct{ db *DB }

var _ activity.Store = (*ActivityStore)(nil)

// NewActivityStore returns the activity store of db.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

func (s *ActivityStore) Record(ctx context.Context, e activity.Entry, expires time.Time) error {
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity (id, tenant_id, type, actor_id, time, data, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.TenantID, e.Type, e.ActorID, fmtTime(e.Time), string(e.Data), fmtTime(expires)); err != nil {
			return fmt.Errorf("record activity: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM activity WHERE rowid IN
			(SELECT rowid FROM activity WHERE expires_at < ? LIMIT 100)`, fmtTime(s.db.Now())); err != nil {
			return fmt.Errorf("expire activity: %w", err)
		}
		return nil
	})
}

func (s *ActivityStore) List(ctx context.Context, tenantID, before string, limit int) ([]activity.Entry, error) {
	return s.list(ctx, tenantID, "", before, limit)
}

func (s *ActivityStore) ListByActor(ctx context.Context, tenantID, actorID, before string, limit int) ([]activity.Entry, error) {
	if actorID == "" {
		return []activity.Entry{}, nil
	}
	return s.list(ctx, tenantID, actorID, before, limit)
}

// list lists the tenant's entries, only actorID's unless it is "".
func (s *ActivityStore) list(ctx context.Context, tenantID, actorID, before string, limit int) ([]activity.Entry, error) {
	if err := activity.CheckLimit(limit); err != nil {
		return nil, err
	}
	q := `SELECT id, tenant_id, type, actor_id, time, data FROM activity WHERE tenant_id = ? AND expires_at >= ?`
	args := []any{tenantID, fmtTime(s.db.Now())}
	if actorID != "" {
		q += ` AND actor_id = ?`
		args = append(args, actorID)
	}
	if before != "" {
		q += ` AND id < ?`
		args = append(args, before)
	}
	rows, err := s.db.R.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	defer rows.Close()
	out := []activity.Entry{}
	for rows.Next() {
		var e activity.Entry
		var t, data string
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Type, &e.ActorID, &t, &data); err != nil {
			return nil, fmt.Errorf("list activity: %w", err)
		}
		e.Time, e.Data = parseTime(t), []byte(data)
		out = append(out, e)
	}
	return out, rows.Err()
}
