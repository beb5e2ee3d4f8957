package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
)

// Queue is the durable queue of the standalone runtime: queue.Queue with SQS semantics on the shared SQLite
// database. Messages survive a crash: whatever was received but not deleted comes back when its visibility
// timeout ends, as on SQS.
//
// Differences from SQS, all on the safe side: a FIFO queue has at most one message of a group in flight (SQS may
// hand out several of one group in a batch), times are milliseconds rather than seconds, and an outdated receipt
// handle is always rejected (SQS accepts one on standard queues, and may or may not delete the message).
//
// A receive that waits (ReceiveOptions.Wait) wakes up as soon as a message is sent, deleted (FIFO) or made visible
// by any Queue of this process on the same database file; for messages that become visible by time, or that another
// process sends, it looks again at least every PollInterval.
//
// Cost: a send, a receive and a delete are each one DB.Write that changes one b-tree page for small messages (see
// migrations/0002_queue.sql and BenchmarkQueue); concurrent ones share a transaction (group commit). A receive hands out the messages that became visible first.
type Queue struct {
	db      *DB
	specs   map[string]queue.Spec
	names   []string
	signals map[string]*signal
	seq     *sequence

	insert, receive, receiveFIFO, toDLQ, del, delScan, changeVis, changeVisScan, dedup, purgeQueue *sql.Stmt
	nextVisible                                                                                    *sql.Stmt

	purgeMu   sync.Mutex
	nextPurge time.Time
}

var _ queue.Queue = (*Queue)(nil)

// PollInterval bounds how long a waiting receive goes without looking at the database.
const PollInterval = time.Second

// purgeEvery is how often a receive first drops expired messages and deduplication IDs; purgeBatch bounds one pass
// over a queue.
const (
	purgeEvery = time.Minute
	purgeBatch = 1000
)

const (
	insertSQL = `INSERT INTO queue_messages
		(queue, visible_at, seq, expires_at, sent_at, group_id, message_id, attributes, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

	// receiveSQL marks the oldest visible messages of a queue as received, moving them to their new visible_at, and
	// returns them, in one statement.
	//
	// The receive statements write their limit as "?5 + 0": SQLite reads a bare "LIMIT ?" bound value while
	// planning and then marks the statement to be prepared again whenever that parameter is bound, which made every
	// receive parse its SQL anew (an empty receive took 30-50 µs instead of 11).
	receiveSQL = `UPDATE queue_messages SET visible_at = ?1, receive_count = receive_count + 1, receipt = ?2
		WHERE queue = ?3 AND (visible_at, seq) IN (SELECT visible_at, seq FROM queue_messages
			WHERE queue = ?3 AND visible_at <= ?4 AND expires_at > ?4 ORDER BY visible_at, seq LIMIT ?5 + 0)
		RETURNING seq, message_id, group_id, body, attributes, sent_at, receive_count`

	// receiveFIFOSQL does the same for the visible heads of a FIFO queue's groups. The recursive query visits the
	// groups one by one through the group index (a loose index scan), and the CROSS JOIN makes SQLite look each
	// group's head up from there, so the cost grows with the number of groups, not of messages. A group's head is
	// in flight or visible; the rest of the group waits behind it.
	receiveFIFOSQL = `UPDATE queue_messages SET visible_at = ?1, receive_count = receive_count + 1, receipt = ?2
		WHERE queue = ?3 AND (visible_at, seq) IN (
			WITH RECURSIVE grp(g) AS (
				SELECT (SELECT group_id FROM queue_messages WHERE queue = ?3 AND group_id <> '' ORDER BY group_id LIMIT 1)
				UNION ALL
				SELECT (SELECT group_id FROM queue_messages WHERE queue = ?3 AND group_id <> '' AND group_id > grp.g
					ORDER BY group_id LIMIT 1) FROM grp WHERE grp.g IS NOT NULL
			)
			SELECT m.visible_at, m.seq FROM grp CROSS JOIN queue_messages m INDEXED BY queue_messages_group
				ON m.queue = ?3 AND m.group_id <> '' AND m.group_id = grp.g AND m.seq = (SELECT seq FROM queue_messages
					WHERE queue = ?3 AND group_id <> '' AND group_id = grp.g ORDER BY seq LIMIT 1)
			WHERE m.visible_at <= ?4 AND m.expires_at > ?4
			ORDER BY m.seq LIMIT ?5 + 0)
		RETURNING seq, message_id, group_id, body, attributes, sent_at, receive_count`

	toDLQSQL = `UPDATE queue_messages SET queue = ?1, visible_at = ?2, expires_at = ?3, receive_count = 0, receipt = 0
		WHERE queue = ?4 AND visible_at = ?5 AND seq = ?6`

	// A receipt handle names the row where the receive put the message. ChangeVisibility moves it later, never
	// before the receive time, so the …Scan statements look from there when the row is not where the handle says.
	deleteSQL        = `DELETE FROM queue_messages WHERE queue = ? AND visible_at = ? AND seq = ? AND receipt = ?`
	deleteScanSQL    = `DELETE FROM queue_messages WHERE queue = ? AND visible_at >= ? AND seq = ? AND receipt = ?`
	changeVisSQL     = `UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND visible_at = ? AND seq = ? AND receipt = ?`
	changeVisScanSQL = `UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND visible_at >= ? AND seq = ? AND receipt = ?`

	nextVisibleSQL = `SELECT MIN(visible_at) FROM queue_messages WHERE queue = ? AND visible_at > ?`

	// purgeQueueSQL drops expired messages of a queue once they are visible; until then receives skip them.
	purgeQueueSQL = `DELETE FROM queue_messages WHERE queue = ?1 AND (visible_at, seq) IN (SELECT visible_at, seq
		FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2 AND expires_at <= ?2 LIMIT ?3)`

	// dedupSQL records a FIFO deduplication ID; it changes no row when the ID is still inside its window.
	dedupSQL = `INSERT INTO queue_dedup (queue, dedup_id, expires_at) VALUES (?1, ?2, ?3)
		ON CONFLICT (queue, dedup_id) DO UPDATE SET expires_at = excluded.expires_at WHERE queue_dedup.expires_at <= ?4`
)

// NewQueue returns the queue for the given specs (queue.Catalog when none are given) on db. It reads the highest
// sequence number in the file (a scan of the messages, once) and prepares its statements; Close releases them.
func NewQueue(ctx context.Context, db *DB, specs ...queue.Spec) (*Queue, error) {
	if len(specs) == 0 {
		specs = queue.Catalog
	}
	if err := queue.ValidateSpecs(specs); err != nil {
		return nil, fmt.Errorf("queue specs: %w", err)
	}
	key, err := databaseKey(ctx, db)
	if err != nil {
		return nil, err
	}
	q := &Queue{db: db, specs: queue.Specs(specs), signals: make(map[string]*signal, len(specs)), seq: sequenceFor(key)}
	for name := range q.specs {
		q.names = append(q.names, name)
		q.signals[name] = signalFor(key + "\x00" + name)
	}
	slices.Sort(q.names)
	var last sql.NullInt64
	if err := db.R.QueryRowContext(ctx, `SELECT MAX(seq) FROM queue_messages`).Scan(&last); err != nil {
		return nil, fmt.Errorf("queue: last sequence number: %w", err)
	}
	q.seq.atLeast(last.Int64)
	for _, p := range []struct {
		stmt **sql.Stmt
		on   *sql.DB
		sql  string
	}{
		{&q.insert, db.W, insertSQL},
		{&q.receive, db.W, receiveSQL},
		{&q.receiveFIFO, db.W, receiveFIFOSQL},
		{&q.toDLQ, db.W, toDLQSQL},
		{&q.del, db.W, deleteSQL},
		{&q.delScan, db.W, deleteScanSQL},
		{&q.changeVis, db.W, changeVisSQL},
		{&q.changeVisScan, db.W, changeVisScanSQL},
		{&q.dedup, db.W, dedupSQL},
		{&q.purgeQueue, db.W, purgeQueueSQL},
		{&q.nextVisible, db.R, nextVisibleSQL},
	} {
		if *p.stmt, err = p.on.PrepareContext(ctx, p.sql); err != nil {
			q.Close()
			return nil, fmt.Errorf("prepare queue statement: %w", err)
		}
	}
	return q, nil
}

// Close releases the prepared statements. The database stays open.
func (q *Queue) Close() error {
	var errs []error
	for _, s := range []*sql.Stmt{q.insert, q.receive, q.receiveFIFO, q.toDLQ, q.del, q.delScan, q.changeVis,
		q.changeVisScan, q.dedup, q.purgeQueue, q.nextVisible} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}

func (q *Queue) spec(name string) (queue.Spec, error) {
	s, ok := q.specs[name]
	if !ok {
		return s, fmt.Errorf("%w: %q", queue.ErrUnknownQueue, name)
	}
	return s, nil
}

// Send stores the messages, all or none, and wakes the receives waiting on the queue. On a FIFO queue a message
// whose DedupID was sent in the last 5 minutes is dropped, and the call still succeeds, as on SQS.
func (q *Queue) Send(ctx context.Context, name string, msgs ...queue.Outgoing) error {
	if _, err := q.spec(name); err != nil {
		return err
	}
	var err error
	if len(msgs) == 1 && msgs[0].DedupID == "" {
		// One insert: it may commit by itself.
		err = q.db.writeStmt(ctx, func(ctx context.Context, on func(*sql.Stmt) *sql.Stmt) error {
			return q.sendWith(ctx, on, name, msgs)
		})
	} else {
		err = q.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return q.sendIn(ctx, tx, name, msgs) })
	}
	if err != nil {
		return err
	}
	q.sent(name)
	return nil
}

// sendIn is Send inside a write of the queue's database, for an adapter that commits messages together with its
// own rows; call sent once the write has committed.
func (q *Queue) sendIn(ctx context.Context, tx *sql.Tx, name string, msgs []queue.Outgoing) error {
	return q.sendWith(ctx, func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) }, name, msgs)
}

// sendWith is sendIn with the queue's statements run through on (see DB.writeStmt).
func (q *Queue) sendWith(ctx context.Context, on func(*sql.Stmt) *sql.Stmt, name string, msgs []queue.Outgoing) error {
	spec, err := q.spec(name)
	if err != nil {
		return err
	}
	if err := queue.ValidateSend(spec, msgs); err != nil {
		return fmt.Errorf("send to %s: %w", name, err)
	}
	now := q.db.Now()
	for _, m := range msgs {
		if err := q.insertMessage(ctx, on, spec, now, m); err != nil {
			return fmt.Errorf("send to %s: %w", name, err)
		}
	}
	return nil
}

// sent wakes the receives waiting on the queue after a send has committed.
func (q *Queue) sent(name string) { q.signals[name].notify() }

func (q *Queue) insertMessage(ctx context.Context, on func(*sql.Stmt) *sql.Stmt, spec queue.Spec, now time.Time, m queue.Outgoing) error {
	group := ""
	if spec.FIFO {
		group = m.GroupID
		if m.DedupID != "" {
			res, err := on(q.dedup).ExecContext(ctx, spec.Name, m.DedupID,
				now.Add(queue.DedupWindow).UnixMilli(), now.UnixMilli())
			if err != nil {
				return fmt.Errorf("deduplicate: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err // a duplicate inside the window: dropped
			}
		}
	}
	var attrs any
	if len(m.Attributes) > 0 {
		b, err := json.Marshal(m.Attributes)
		if err != nil {
			return fmt.Errorf("encode attributes: %w", err)
		}
		attrs = string(b)
	}
	_, err := on(q.insert).ExecContext(ctx, spec.Name, visibleAt(now, m.Delay), q.seq.next(now),
		now.Add(spec.Retention).UnixMilli(), now.UnixMilli(), group, newMessageID(), attrs, m.Body)
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}

// Receive hands out up to opt.Max visible messages and hides them for the visibility timeout. A message received
// more than its queue's MaxReceives times goes to the dead-letter queue instead, on the receive that would exceed
// the limit. With opt.Wait it waits for a first message, returning as soon as there is at least one.
func (q *Queue) Receive(ctx context.Context, name string, opt queue.ReceiveOptions) ([]queue.Message, error) {
	spec, err := q.spec(name)
	if err != nil {
		return nil, err
	}
	if opt, err = opt.Normalize(spec); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", name, err)
	}
	if opt.Wait == 0 {
		return q.receiveOnce(ctx, spec, opt)
	}
	deadline := time.Now().Add(opt.Wait)
	for {
		// Take the signal before looking, so that a send between the look and the wait is not missed.
		woken := q.signals[name].wait()
		msgs, err := q.receiveOnce(ctx, spec, opt)
		if err != nil || len(msgs) > 0 {
			return msgs, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, nil
		}
		if err := q.sleep(ctx, name, min(left, PollInterval), woken); err != nil {
			return nil, err
		}
	}
}

// sleep waits until a message may be visible: a signal, the next visibility time on record, or at most d.
func (q *Queue) sleep(ctx context.Context, name string, d time.Duration, woken <-chan struct{}) error {
	now := q.db.Now()
	var next sql.NullInt64
	if err := q.nextVisible.QueryRowContext(ctx, name, now.UnixMilli()).Scan(&next); err != nil {
		return fmt.Errorf("receive from %s: %w", name, err)
	}
	if next.Valid {
		d = min(d, time.UnixMilli(next.Int64).Sub(now))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-woken:
	case <-timer.C:
	case <-ctx.Done():
		return fmt.Errorf("receive from %s: %w", name, ctx.Err())
	}
	return nil
}

func (q *Queue) receiveOnce(ctx context.Context, spec queue.Spec, opt queue.ReceiveOptions) ([]queue.Message, error) {
	now := q.db.Now()
	if err := q.purge(ctx, now); err != nil {
		return nil, fmt.Errorf("receive from %s: purge: %w", spec.Name, err)
	}
	stmt := q.receive
	if spec.FIFO {
		stmt = q.receiveFIFO
	}
	r := receipt{receivedAt: now.UnixMilli(), visibleAt: visibleAt(now, opt.Visibility), nonce: mrand.Int64() | 1}
	var out []queue.Message
	for len(out) < opt.Max {
		got, err := q.mark(ctx, stmt, spec, now, r, opt.Max-len(out))
		if err != nil {
			return nil, fmt.Errorf("receive from %s: %w", spec.Name, err)
		}
		if len(got) == 0 {
			break
		}
		moved := 0
		for _, m := range got {
			if spec.MaxReceives > 0 && m.ReceiveCount > spec.MaxReceives {
				if err := q.deadLetter(ctx, spec, now, r, m); err != nil {
					return nil, fmt.Errorf("receive from %s: %w", spec.Name, err)
				}
				moved++
				continue
			}
			out = append(out, m.Message)
		}
		if moved == 0 {
			break
		}
		q.signals[spec.DeadLetter].notify()
	}
	return out, nil
}

// received is a message that a receive statement marked, with its sequence number.
type received struct {
	queue.Message
	seq int64
}

// mark runs one receive statement and returns the messages it marked, in send order.
func (q *Queue) mark(ctx context.Context, stmt *sql.Stmt, spec queue.Spec, now time.Time, r receipt, n int) ([]received, error) {
	var got []received
	err := q.db.writeStmt(ctx, func(ctx context.Context, on func(*sql.Stmt) *sql.Stmt) error {
		got = nil
		rows, err := on(stmt).QueryContext(ctx, r.visibleAt, r.nonce, spec.Name, now.UnixMilli(), n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				m      received
				attrs  sql.NullString
				sentAt int64
			)
			if err := rows.Scan(&m.seq, &m.ID, &m.GroupID, &m.Body, &attrs, &sentAt, &m.ReceiveCount); err != nil {
				return err
			}
			if attrs.Valid {
				if err := json.Unmarshal([]byte(attrs.String), &m.Attributes); err != nil {
					return fmt.Errorf("message %s: decode attributes: %w", m.ID, err)
				}
			}
			m.SentAt = time.UnixMilli(sentAt).UTC()
			r.seq = m.seq
			m.ReceiptHandle = r.String()
			got = append(got, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// RETURNING yields rows in no set order.
	slices.SortFunc(got, func(a, b received) int { return cmp.Compare(a.seq, b.seq) })
	return got, nil
}

// deadLetter moves a just-marked message to its queue's dead-letter queue, visible at once and not yet received
// there. As on SQS, its retention there counts from its first send on a standard queue, and from now on a FIFO
// queue.
func (q *Queue) deadLetter(ctx context.Context, spec queue.Spec, now time.Time, r receipt, m received) error {
	dlq := q.specs[spec.DeadLetter]
	from := m.SentAt
	if spec.FIFO {
		from = now
	}
	err := q.db.writeStmt(ctx, func(ctx context.Context, on func(*sql.Stmt) *sql.Stmt) error {
		_, err := on(q.toDLQ).ExecContext(ctx, dlq.Name, now.UnixMilli(), from.Add(dlq.Retention).UnixMilli(),
			spec.Name, r.visibleAt, m.seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("move message %s to %s: %w", m.ID, dlq.Name, err)
	}
	return nil
}

// purge drops expired messages and deduplication IDs, at most once every purgeEvery.
func (q *Queue) purge(ctx context.Context, now time.Time) error {
	q.purgeMu.Lock()
	defer q.purgeMu.Unlock()
	if now.Before(q.nextPurge) {
		return nil
	}
	ms := now.UnixMilli()
	more := false
	for _, name := range q.names {
		res, err := q.purgeQueue.ExecContext(ctx, name, ms, purgeBatch)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == purgeBatch {
			more = true
		}
	}
	if _, err := q.db.W.ExecContext(ctx, `DELETE FROM queue_dedup WHERE expires_at <= ?`, ms); err != nil {
		return err
	}
	if !more {
		q.nextPurge = now.Add(purgeEvery)
	}
	return nil
}

// Delete removes a received message. The receipt handle must be the one of the message's latest receive.
func (q *Queue) Delete(ctx context.Context, name string, receiptHandle string) error {
	spec, err := q.spec(name)
	if err != nil {
		return err
	}
	r, ok := parseReceipt(receiptHandle)
	if !ok {
		return fmt.Errorf("delete from %s: %w", name, queue.ErrInvalidReceipt)
	}
	err = q.execOne(ctx, q.del, q.delScan, []any{name, r.visibleAt, r.seq, r.nonce}, []any{name, r.receivedAt, r.seq, r.nonce})
	if err != nil {
		return fmt.Errorf("delete from %s: %w", name, err)
	}
	if spec.FIFO {
		q.signals[name].notify() // the next message of the group may go now
	}
	return nil
}

// ChangeVisibility hides a received message for d from now (0: visible at once). The receipt handle must be the
// one of the message's latest receive. It moves the message's row, so a later Delete or ChangeVisibility with the
// same handle looks the message up among those of the queue that became visible at or after the receive.
func (q *Queue) ChangeVisibility(ctx context.Context, name string, receiptHandle string, d time.Duration) error {
	if _, err := q.spec(name); err != nil {
		return err
	}
	if err := queue.ValidateVisibility(d); err != nil {
		return fmt.Errorf("change visibility in %s: %w", name, err)
	}
	r, ok := parseReceipt(receiptHandle)
	if !ok {
		return fmt.Errorf("change visibility in %s: %w", name, queue.ErrInvalidReceipt)
	}
	at := visibleAt(q.db.Now(), d)
	err := q.execOne(ctx, q.changeVis, q.changeVisScan,
		[]any{at, name, r.visibleAt, r.seq, r.nonce}, []any{at, name, r.receivedAt, r.seq, r.nonce})
	if err != nil {
		return fmt.Errorf("change visibility in %s: %w", name, err)
	}
	if d == 0 {
		q.signals[name].notify()
	}
	return nil
}

// execOne runs the point statement, then, if it found no row, the scan, in one write; one of them must change
// exactly one row.
func (q *Queue) execOne(ctx context.Context, point, scan *sql.Stmt, pointArgs, scanArgs []any) error {
	// Alone, the two statements commit one by one, which is safe: the scan runs only if the point one changed nothing.
	return q.db.writeStmt(ctx, func(ctx context.Context, on func(*sql.Stmt) *sql.Stmt) error {
		for _, s := range []struct {
			stmt *sql.Stmt
			args []any
		}{{point, pointArgs}, {scan, scanArgs}} {
			res, err := on(s.stmt).ExecContext(ctx, s.args...)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n > 0 {
				return err
			}
		}
		return queue.ErrInvalidReceipt
	})
}

// visibleAt is the millisecond from which a message hidden for d from now is visible: now itself for d = 0, and
// rounded up otherwise, so that the message never shows before its time.
func visibleAt(now time.Time, d time.Duration) int64 {
	if d == 0 {
		return now.UnixMilli()
	}
	t := now.Add(d)
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// receipt is what a receipt handle holds: the message (seq), where the receive put its row (visibleAt), when
// (receivedAt), and the receive's nonce.
type receipt struct {
	seq, visibleAt, receivedAt, nonce int64
}

// String encodes the receipt as base-36 fields: "seq.visibleAt.(visibleAt-receivedAt).nonce".
func (r receipt) String() string {
	b := make([]byte, 0, 48)
	b = strconv.AppendInt(b, r.seq, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, r.visibleAt, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, r.visibleAt-r.receivedAt, 36)
	b = append(b, '.')
	b = strconv.AppendInt(b, r.nonce, 36)
	return string(b)
}

func parseReceipt(h string) (receipt, bool) {
	var f [4]int64
	for i := range f {
		part, rest, _ := strings.Cut(h, ".")
		n, err := strconv.ParseInt(part, 36, 64)
		if err != nil {
			return receipt{}, false
		}
		f[i], h = n, rest
	}
	r := receipt{seq: f[0], visibleAt: f[1], receivedAt: f[1] - f[2], nonce: f[3]}
	return r, h == "" && r.nonce != 0
}

// newMessageID returns a random UUID (version 4), the shape of SQS message IDs.
func newMessageID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// sequence numbers the sends to one database file: the clock in nanoseconds, and never less than one more than
// the last number handed out here or found in the file, so that a clock stepping back keeps FIFO order.
type sequence struct {
	mu   sync.Mutex
	last int64
}

func (s *sequence) next(now time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = max(s.last+1, now.UnixNano())
	return s.last
}

func (s *sequence) atLeast(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = max(s.last, n)
}

// signal wakes the receives waiting on one queue. It is shared by every Queue of the process on the same database
// file, so a send through one wakes a receive through another.
type signal struct {
	mu sync.Mutex
	ch chan struct{} // nil while nobody waits
}

func (s *signal) wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

func (s *signal) notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// shared holds the per-file state of every Queue in the process, by databaseKey.
var shared struct {
	mu        sync.Mutex
	signals   map[string]*signal
	sequences map[string]*sequence
}

func signalFor(key string) *signal {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.signals == nil {
		shared.signals = make(map[string]*signal)
	}
	s, ok := shared.signals[key]
	if !ok {
		s = new(signal)
		shared.signals[key] = s
	}
	return s
}

func sequenceFor(key string) *sequence {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.sequences == nil {
		shared.sequences = make(map[string]*sequence)
	}
	s, ok := shared.sequences[key]
	if !ok {
		s = new(sequence)
		shared.sequences[key] = s
	}
	return s
}

// databaseKey names the database file (or, for an in-memory database, this handle).
func databaseKey(ctx context.Context, db *DB) (string, error) {
	var file string
	if err := db.W.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		return "", fmt.Errorf("queue: database file: %w", err)
	}
	if file == "" {
		return fmt.Sprintf("mem:%p", db), nil
	}
	return "file:" + file, nil
}
