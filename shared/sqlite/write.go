package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Group commit. A write transaction (DB.Write, and DB.Tx through it) that finds no other in progress runs at once,
// on its caller's goroutine, which becomes the leader. Writes that arrive while a leader runs wait in a list; when
// the leader is done it hands the lead to the first of them, which runs the whole list (up to maxGroup) one after
// another inside a single SQLite transaction, each under a savepoint of its own, and commits once. A group pays one
// BEGIN, one COMMIT and one write of each page it touches (the head pages of a queue, of a table's indexes)
// instead of one per caller, and the busier the writer, the bigger the groups. A lone write costs what a plain
// transaction costs plus a mutex (and, while writes keep meeting, one yield of the scheduler).
//
// Each caller still gets its own outcome: an op whose fn fails is rolled back to its savepoint, and the others
// commit; Write returns only after the commit (or rollback) of its op, so nothing is reported done before it is
// durable. If the transaction itself breaks (SQLite rolled it all back, or COMMIT failed), every op of the group
// that had not failed on its own runs again, alone. An fn must therefore be safe to run more than once (set its
// outputs, do not append to them), and must not write outside tx: it is rolled back whenever it fails.

// maxGroup bounds the ops committed together, so a burst does not hold the writer for too long.
const maxGroup = 64

// yieldsAfterWait is how many lone writes yield after a write had to wait: enough to bridge the short lulls of a
// busy pipeline, few enough that a writer left alone soon stops paying for it.
const yieldsAfterWait = 1000

// writeOp is one Write waiting for its turn.
type writeOp struct {
	ctx context.Context
	fn  func(ctx context.Context, tx *sql.Tx) error
	// alone, if set, is what the op runs when it runs by itself instead of fn in a transaction (writeStmt).
	alone func(ctx context.Context) error
	done  chan writeResult
}

// writeResult is the outcome of an op, or (lead) the news that its caller now leads.
type writeResult struct {
	err      error
	panicked bool
	panicVal any
	lead     bool
}

// writer is the group-commit state of a DB.
type writer struct {
	mu      sync.Mutex
	closed  bool
	leading bool       // a leader is running a group
	waiting []*writeOp // arrived while the leader runs, oldest first
	active  sync.WaitGroup
	// yields is how many more lone writes yield the scheduler before running (see lead); a write that has to wait
	// sets it to yieldsAfterWait.
	yields atomic.Int32

	txs, writes, again atomic.Uint64
}

// WriteStats counts, since Open, the write transactions committed, the Writes (and Txs) they held, and the
// Writes that ran again alone because their group's transaction broke.
type WriteStats struct {
	Transactions, Writes, RunAgain uint64
}

// WriteStats reports how well group commit is grouping: Writes/Transactions is the mean group size.
func (db *DB) WriteStats() WriteStats {
	return WriteStats{Transactions: db.wr.txs.Load(), Writes: db.wr.writes.Load(), RunAgain: db.wr.again.Load()}
}

func (db *DB) startWriter() { db.wr = &writer{} }

// stopWriter waits for the Writes in progress; later Writes fail.
func (db *DB) stopWriter() {
	w := db.wr
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.active.Wait()
}

// Write runs fn in a write transaction and returns when it is committed (fn returned nil) or rolled back (fn
// returned an error, which Write returns). Concurrent Writes are committed together (see group commit above).
//
// fn gets a context that carries ctx's values but is never cancelled: cancelling a statement in the middle can
// make SQLite roll back the whole shared transaction. A Write whose ctx is done before its turn does not run and
// returns ctx's error; once it runs it completes. fn must not use the writer connection other than through tx,
// nor call Write or Tx (it would wait for itself).
func (db *DB) Write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return db.submit(&writeOp{ctx: ctx, fn: fn})
}

// writeStmt is Write for a write made of statements prepared on the writer (DB.writeStmts or a Queue's), each of
// which may commit by itself: fn runs them through on, which puts a statement in the group's transaction when the
// write is grouped, and leaves it as it is when the write runs alone, so that each statement commits by itself
// (autocommit: no BEGIN and COMMIT statements, the cheapest write SQLite has). A write of several statements that
// must commit together uses Write.
func (db *DB) writeStmt(ctx context.Context, fn func(ctx context.Context, on func(*sql.Stmt) *sql.Stmt) error) error {
	return db.submit(&writeOp{ctx: ctx,
		fn: func(ctx context.Context, tx *sql.Tx) error {
			return fn(ctx, func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) })
		},
		alone: func(ctx context.Context) error {
			return fn(ctx, func(st *sql.Stmt) *sql.Stmt { return st })
		},
	})
}

func (db *DB) submit(op *writeOp) error {
	ctx := op.ctx
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	op.done = make(chan writeResult, 1)
	w := db.wr
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return fmt.Errorf("begin: %w", ErrClosed)
	}
	w.active.Add(1)
	defer w.active.Done()
	lead := !w.leading
	if lead {
		w.leading = true
	} else {
		w.waiting = append(w.waiting, op)
		w.yields.Store(yieldsAfterWait)
	}
	w.mu.Unlock()
	// Once submitted, wait whatever ctx does: the op may be committed, and the caller must know.
	for {
		if lead {
			db.lead(op)
		}
		r := <-op.done
		if r.lead {
			lead = true
			continue
		}
		if r.panicked {
			panic(r.panicVal)
		}
		return r.err
	}
}

// lead runs op and the writes waiting (up to maxGroup in all) as one group, then hands the lead to the next
// waiting write, or gives it up.
func (db *DB) lead(op *writeOp) {
	w := db.wr
	group := db.takeWaiting([]*writeOp{op})
	if len(group) == 1 && w.yields.Load() > 0 {
		// Alone, but writes have had to wait lately: let the goroutines that are ready to run submit theirs first,
		// so busy moments commit in groups. It costs one pass of the scheduler, not a timer; a writer that never
		// meets another never yields.
		w.yields.Add(-1)
		runtime.Gosched()
		group = db.takeWaiting(group)
	}
	db.commitGroup(group)
	w.mu.Lock()
	if len(w.waiting) == 0 {
		w.leading = false
		w.mu.Unlock()
		return
	}
	next := w.waiting[0]
	w.waiting = w.waiting[1:]
	w.mu.Unlock()
	next.done <- writeResult{lead: true}
}

// takeWaiting appends waiting writes to group, up to maxGroup.
func (db *DB) takeWaiting(group []*writeOp) []*writeOp {
	w := db.wr
	w.mu.Lock()
	defer w.mu.Unlock()
	n := min(len(w.waiting), maxGroup-len(group))
	group = append(group, w.waiting[:n]...)
	w.waiting = append(w.waiting[:0], w.waiting[n:]...)
	return group
}

// commitGroup runs the ops, together when there are several, and answers each.
func (db *DB) commitGroup(group []*writeOp) {
	live := make([]*writeOp, 0, len(group))
	for _, op := range group {
		if err := op.ctx.Err(); err != nil {
			op.done <- writeResult{err: fmt.Errorf("begin: %w", err)}
			continue
		}
		live = append(live, op)
	}
	if len(live) > 1 {
		live = db.runGroup(live)
	}
	for _, op := range live {
		op.done <- db.runAlone(op)
	}
}

// runAlone runs one op in a transaction of its own.
func (db *DB) runAlone(op *writeOp) writeResult {
	ctx := context.WithoutCancel(op.ctx)
	if op.alone != nil {
		r := call(ctx, nil, op)
		if r.err == nil && !r.panicked {
			db.wr.txs.Add(1)
			db.wr.writes.Add(1)
		}
		return r
	}
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return writeResult{err: fmt.Errorf("begin: %w", err)}
	}
	if r := call(ctx, tx, op); r.err != nil || r.panicked {
		tx.Rollback()
		return r
	}
	if err := tx.Commit(); err != nil {
		return writeResult{err: fmt.Errorf("commit: %w", err)}
	}
	db.wr.txs.Add(1)
	db.wr.writes.Add(1)
	return writeResult{}
}

// runGroup runs the ops in one transaction, each under a savepoint, and answers those whose outcome it knows: the
// failed ones, and all of them once committed. It returns the ops to run again alone, those of a broken
// transaction that had not failed on their own.
func (db *DB) runGroup(ops []*writeOp) (again []*writeOp) {
	bg := context.Background()
	st, err := db.writeStmts(bg, "SAVEPOINT w", "RELEASE w", "ROLLBACK TO w")
	if err != nil {
		return ops
	}
	tx, err := db.W.BeginTx(bg, nil)
	if err != nil {
		return ops
	}
	savepoint, release, rollbackTo := tx.StmtContext(bg, st[0]), tx.StmtContext(bg, st[1]), tx.StmtContext(bg, st[2])
	results := make([]writeResult, len(ops))
	broken := -1 // index of the first op not run because the transaction broke
	for i, op := range ops {
		if _, err := savepoint.ExecContext(bg); err != nil {
			broken = i
			break
		}
		results[i] = call(context.WithoutCancel(op.ctx), tx, op)
		if results[i].err != nil || results[i].panicked {
			// fn failed: undo its changes only. If that fails SQLite has rolled the whole transaction back.
			_, err := rollbackTo.ExecContext(bg)
			if err == nil {
				_, err = release.ExecContext(bg)
			}
			if err != nil {
				broken = i + 1
				break
			}
			continue
		}
		if _, err := release.ExecContext(bg); err != nil {
			broken = i
			break
		}
	}
	if broken < 0 {
		if err := tx.Commit(); err != nil {
			broken = 0 // nothing is committed: the ops that succeeded run again, alone
		} else {
			db.wr.txs.Add(1)
		}
	} else {
		tx.Rollback()
	}
	for i, op := range ops {
		r := results[i]
		switch {
		case r.err != nil || r.panicked:
			op.done <- r // failed on its own: rolled back either way
		case broken >= 0:
			db.wr.again.Add(1)
			again = append(again, op) // ran (or not) in a transaction that did not commit
		default:
			db.wr.writes.Add(1)
			op.done <- r
		}
	}
	return again
}

// call runs the op's fn, catching a panic so the writer survives it; Write panics again in the caller.
func call(ctx context.Context, tx *sql.Tx, op *writeOp) (r writeResult) {
	defer func() {
		if p := recover(); p != nil {
			r = writeResult{panicked: true, panicVal: p}
		}
	}()
	if tx == nil {
		return writeResult{err: op.alone(ctx)}
	}
	return writeResult{err: op.fn(ctx, tx)}
}
