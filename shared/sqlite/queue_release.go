package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ReleaseInFlight makes every received but not deleted message of the named queues visible at once, and returns
// how many it released. Standalone calls it at start, before anything consumes: its process is the only consumer,
// so a message in flight then was taken by a process that died (kill -9, power loss) and would otherwise wait out
// its whole visibility timeout. Only queues whose consumers tolerate an early retry may be named (a message
// waiting out a planned delay is released too).
func (q *Queue) ReleaseInFlight(ctx context.Context, names ...string) (int64, error) {
	var n int64
	now := time.Now().UnixMilli()
	err := q.db.Tx(ctx, func(tx *sql.Tx) error {
		n = 0 // fn may run a second time, alone, if a grouped transaction breaks
		for _, name := range names {
			if _, err := q.spec(name); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND visible_at > ? AND receipt <> 0`,
				now, name, now)
			if err != nil {
				return fmt.Errorf("release in-flight messages of %s: %w", name, err)
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, err
}
