package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// BenchmarkQueue measures messages per second through sqlite.Queue (send, receive, delete) against a bare SQLite
// loop on the same kind of database (insert a row, then delete it), in the same run. The two alternate in blocks,
// so that WAL checkpoints and machine noise hit both alike. ratio = queue msgs/s ÷ bare msgs/s.
//
//   - single: Send 1, Receive Max 1, Delete 1 — against one INSERT and one DELETE, each its own transaction.
//   - batch10: Send 10, Receive Max 10, 10 Deletes — against 10 INSERTs in one transaction and 10 DELETEs.
//   - single-4KiB: as single, with 4 KiB bodies instead of about 250 bytes.
func BenchmarkQueue(b *testing.B) {
	for _, bc := range []struct {
		name  string
		batch int
		body  []byte
	}{
		{"single", 1, benchBody},
		{"batch10", queue.MaxBatch, benchBody},
		{"single-4KiB", 1, []byte(strings.Repeat("y", 4096))},
	} {
		b.Run(bc.name, func(b *testing.B) { benchQueue(b, bc.batch, bc.body) })
	}
}

const benchBlock = 500 // messages per alternation

var benchBody = []byte(`{"id":"evt_01JDXYZ","type":"message.received","tenantId":"tn_1","data":{"text":"` +
	strings.Repeat("x", 160) + `"}}`)

func benchQueue(b *testing.B, batch int, body []byte) {
	ctx := context.Background()
	dir := b.TempDir()
	q := newQueue(b, openDB(b, filepath.Join(dir, "queue.db")), queue.Spec{Name: "bench", VisibilityTimeout: time.Minute})
	bare := newBare(b, openDB(b, filepath.Join(dir, "bare.db")))

	msgs := make([]queue.Outgoing, batch)
	for i := range msgs {
		msgs[i] = queue.Outgoing{Body: body}
	}
	runQueue := func(n int) {
		for done := 0; done < n; done += batch {
			if err := q.Send(ctx, "bench", msgs...); err != nil {
				b.Fatal(err)
			}
			got, err := q.Receive(ctx, "bench", queue.ReceiveOptions{Max: batch})
			if err != nil || len(got) != batch {
				b.Fatalf("Receive: %d messages, %v", len(got), err)
			}
			for _, m := range got {
				if err := q.Delete(ctx, "bench", m.ReceiptHandle); err != nil {
					b.Fatal(err)
				}
			}
		}
	}

	var bareTime time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(benchBlock, b.N-done)
		n = (n + batch - 1) / batch * batch
		b.StopTimer()
		start := time.Now()
		bare.run(b, n, batch, body)
		bareTime += time.Since(start)
		b.StartTimer()
		runQueue(n)
		done += n
	}
	b.StopTimer()
	queueRate := float64(b.N) / b.Elapsed().Seconds()
	bareRate := float64(b.N) / bareTime.Seconds()
	b.ReportMetric(queueRate, "msgs/s")
	b.ReportMetric(bareRate, "bare-msgs/s")
	b.ReportMetric(queueRate/bareRate, "ratio")
}

// bare is the baseline: the least SQLite work that stores and removes a message durably.
type bare struct {
	db          *sqlite.DB
	insert, del *sql.Stmt
}

func newBare(b *testing.B, db *sqlite.DB) *bare {
	ctx := context.Background()
	if _, err := db.W.ExecContext(ctx, `CREATE TABLE bare (id INTEGER PRIMARY KEY, body BLOB NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	insert, err := db.W.PrepareContext(ctx, `INSERT INTO bare (body) VALUES (?)`)
	if err != nil {
		b.Fatal(err)
	}
	del, err := db.W.PrepareContext(ctx, `DELETE FROM bare WHERE id = ?`)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { insert.Close(); del.Close() })
	return &bare{db: db, insert: insert, del: del}
}

func (x *bare) run(b *testing.B, n, batch int, body []byte) {
	ctx := context.Background()
	ids := make([]int64, 0, batch)
	for done := 0; done < n; done += batch {
		ids = ids[:0]
		insert := func(s *sql.Stmt) error {
			res, err := s.ExecContext(ctx, body)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			ids = append(ids, id)
			return err
		}
		var err error
		if batch == 1 {
			err = insert(x.insert)
		} else {
			err = x.db.Tx(ctx, func(tx *sql.Tx) error {
				s := tx.StmtContext(ctx, x.insert)
				for range batch {
					if err := insert(s); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, id := range ids {
			if _, err := x.del.ExecContext(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	}
}
