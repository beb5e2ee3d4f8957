package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/waqtor/waqtor/shared/sqlite"
)

func mustExec(t *testing.T, db *sqlite.DB, query string) {
	t.Helper()
	if _, err := db.W.ExecContext(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

func keys(t *testing.T, db *sqlite.DB) map[int]bool {
	t.Helper()
	rows, err := db.R.QueryContext(context.Background(), `SELECT k FROM gc`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[int]bool{}
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// Concurrent writes are committed in groups; each caller gets its own outcome: a failing write (an error of its
// fn, a constraint violation, a panic) is rolled back alone and the others commit.
func TestWriteGroupsKeepOutcomesApart(t *testing.T) {
	db := MustOpenDB(t)
	mustExec(t, db, `CREATE TABLE gc (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	mustExec(t, db, `INSERT INTO gc (k, v) VALUES (-1, 'taken')`)
	errFn := errors.New("fn says no")

	const n = 400
	type outcome struct {
		err      error
		panicked any
	}
	results := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { results[i].panicked = recover() }()
			results[i].err = db.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO gc (k, v) VALUES (?, 'x')`, i); err != nil {
					return err
				}
				switch i % 4 {
				case 1: // fails after writing: its row must go
					return errFn
				case 2: // a constraint violation after writing
					_, err := tx.ExecContext(ctx, `INSERT INTO gc (k, v) VALUES (-1, 'dup')`)
					return err
				case 3:
					if i%8 == 3 {
						panic(fmt.Sprintf("op %d panics", i))
					}
				}
				return nil
			})
		})
	}
	wg.Wait()

	if st := db.WriteStats(); st.Transactions >= st.Writes {
		t.Fatalf("%d writes in %d transactions: nothing was grouped, the test proves nothing", st.Writes, st.Transactions)
	}
	got := keys(t, db)
	for i, r := range results {
		wantRow := i%4 == 0 || (i%4 == 3 && i%8 != 3)
		switch {
		case i%4 == 1 && !errors.Is(r.err, errFn):
			t.Errorf("op %d: err %v, want %v", i, r.err, errFn)
		case i%4 == 2 && r.err == nil:
			t.Errorf("op %d: no error for a constraint violation", i)
		case i%8 == 3 && r.panicked != fmt.Sprintf("op %d panics", i):
			t.Errorf("op %d: panic %v reached the caller, want its own", i, r.panicked)
		case wantRow && (r.err != nil || r.panicked != nil):
			t.Errorf("op %d: %v %v, want success", i, r.err, r.panicked)
		}
		if got[i] != wantRow {
			t.Errorf("op %d: row stored %v, want %v", i, got[i], wantRow)
		}
	}
}

// A write whose context is done before its turn does not run; one that runs completes and reports its commit.
func TestWriteCancelledBeforeItsTurnDoesNotRun(t *testing.T) {
	db := MustOpenDB(t)
	mustExec(t, db, `CREATE TABLE gc (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ran = true
		return nil
	})
	if !errors.Is(err, context.Canceled) || ran {
		t.Errorf("cancelled write: err %v, ran %v; want context.Canceled and not run", err, ran)
	}

	// The fn of a running write gets a context that is never cancelled, even if its caller's is.
	ctx, cancel = context.WithCancel(context.Background())
	err = db.Write(ctx, func(fctx context.Context, tx *sql.Tx) error {
		cancel()
		if fctx.Done() != nil {
			return errors.New("fn context can be cancelled")
		}
		_, err := tx.ExecContext(fctx, `INSERT INTO gc (k, v) VALUES (1, 'x')`)
		return err
	})
	if err != nil || !keys(t, db)[1] {
		t.Errorf("write whose caller gave up while it ran: %v, row stored %v; want committed", err, keys(t, db)[1])
	}
}

// A write that breaks the shared transaction (here: it ends it with ROLLBACK, as SQLite does by itself after some
// errors) fails alone; the writes grouped with it run again and commit.
func TestWriteBrokenGroupRunsTheOthersAgain(t *testing.T) {
	db := MustOpenDB(t)
	mustExec(t, db, `CREATE TABLE gc (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	errBreak := errors.New("broke the transaction")
	broke := false
	for round := 0; ; round++ {
		if round == 200 {
			t.Fatal("in 200 rounds the breaking write never broke a group")
		}
		before := db.WriteStats()
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range 16 {
			k := round*100 + i
			wg.Go(func() {
				errs[i] = db.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
					if i == 7 {
						if _, err := tx.ExecContext(ctx, `ROLLBACK`); err != nil {
							return err
						}
						return errBreak
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO gc (k, v) VALUES (?, 'x')`, k)
					return err
				})
			})
		}
		wg.Wait()
		got := keys(t, db)
		for i, err := range errs {
			k := round*100 + i
			if i == 7 {
				if !errors.Is(err, errBreak) {
					t.Fatalf("round %d: breaking write: %v, want %v", round, err, errBreak)
				}
				continue
			}
			if err != nil || !got[k] {
				t.Fatalf("round %d op %d: %v, row stored %v; want committed", round, i, err, got[k])
			}
		}
		// Go on until the breaking write has broken a group at least once (and for 20 rounds at least).
		if db.WriteStats().RunAgain > before.RunAgain {
			broke = true
		}
		if broke && round >= 20 {
			return
		}
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	db := MustOpenDB(t)
	db.Close()
	err := db.Write(context.Background(), func(context.Context, *sql.Tx) error { return nil })
	if !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("write after close: %v, want ErrClosed", err)
	}
}

// BenchmarkWrite measures one-row inserts through DB.Write from 1 and 64 goroutines: alone, each is a transaction;
// together they commit in groups (writes/tx).
func BenchmarkWrite(b *testing.B) {
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", par), func(b *testing.B) {
			db := MustOpenDB(b)
			if _, err := db.W.ExecContext(context.Background(), `CREATE TABLE gc (k INTEGER PRIMARY KEY, v BLOB NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			body := make([]byte, 200)
			var next atomic.Int64
			before := db.WriteStats()
			b.ResetTimer()
			var wg sync.WaitGroup
			for range par {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						err := db.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
							_, err := tx.ExecContext(ctx, `INSERT INTO gc (k, v) VALUES (?, ?)`, i, body)
							return err
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			st := db.WriteStats()
			b.ReportMetric(float64(st.Writes-before.Writes)/float64(st.Transactions-before.Transactions), "writes/tx")
		})
	}
}
