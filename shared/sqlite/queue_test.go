package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/queuetest"
	"github.com/waqtor/waqtor/shared/sqlite"
)

func TestQueueContract(t *testing.T) {
	queuetest.Run(t, func(t *testing.T, specs []queue.Spec) queue.Queue {
		return newQueue(t, openDB(t, filepath.Join(t.TempDir(), "queue.db")), specs...)
	}, queuetest.Features{Slack: 20 * time.Millisecond, WakeUp: 100 * time.Millisecond})
}

func openDB(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newQueue(t testing.TB, db *sqlite.DB, specs ...queue.Spec) *sqlite.Queue {
	t.Helper()
	q, err := sqlite.NewQueue(context.Background(), db, specs...)
	if err != nil {
		t.Fatalf("NewQueue: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func TestNewQueueRejectsBadSpecs(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "queue.db"))
	tests := []struct {
		name  string
		specs []queue.Spec
		want  string
	}{
		{"missing dead-letter queue", []queue.Spec{{Name: "a", MaxReceives: 3, DeadLetter: "a-dlq"}}, "not declared"},
		{"FIFO without suffix", []queue.Spec{{Name: "a", FIFO: true}}, ".fifo"},
		{"duplicate", []queue.Spec{{Name: "a"}, {Name: "a"}}, "twice"},
		{"bad name", []queue.Spec{{Name: "a b"}}, "letters"},
		{"retention too long", []queue.Spec{{Name: "a", Retention: 15 * 24 * time.Hour}}, "retention"},
		{"dead letter without max receives", []queue.Spec{{Name: "a", DeadLetter: "b"}, {Name: "b"}}, "go together"},
		{"dead-letter cycle", []queue.Spec{{Name: "a", MaxReceives: 1, DeadLetter: "b"}, {Name: "b", MaxReceives: 1, DeadLetter: "a"}}, "cycle"},
		{"FIFO dead letter of standard queue", []queue.Spec{{Name: "a", MaxReceives: 1, DeadLetter: "b.fifo"},
			{Name: "b.fifo", FIFO: true}}, "FIFO exactly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sqlite.NewQueue(context.Background(), db, tc.specs...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewQueue = %v, want an error about %q", err, tc.want)
			}
		})
	}
	q := newQueue(t, db)
	if err := q.Send(context.Background(), "audit", queue.Outgoing{Body: []byte("x")}); err != nil {
		t.Errorf("the default specs (queue.Catalog) lack %q: %v", "audit", err)
	}
}

// durableSpecs are the queues of the durability test: received messages come back after 1 s.
var durableSpecs = []queue.Spec{
	{Name: "work", VisibilityTimeout: time.Second},
	{Name: "work.fifo", FIFO: true, VisibilityTimeout: time.Second},
}

// TestQueueSurvivesKill runs a child process that sends messages, receives some without deleting them and is then
// killed (SIGKILL, no clean shutdown). A new process sees every message: the received ones after their visibility
// timeout, with their receive count kept.
func TestQueueSurvivesKill(t *testing.T) {
	if os.Getenv("WAQTOR_QUEUE_CHILD") != "" {
		return // the child's work is in TestQueueKillChild
	}
	path := filepath.Join(t.TempDir(), "queue.db")
	const sent, received = 20, 5
	cmd := exec.Command(os.Args[0], "-test.run=^TestQueueKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "WAQTOR_QUEUE_CHILD="+path, "WAQTOR_QUEUE_CHILD_COUNTS="+fmt.Sprint(sent, ",", received))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	buf := make([]byte, 256)
	var out strings.Builder
	for !strings.Contains(out.String(), "READY") {
		n, err := stdout.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			t.Fatalf("child ended before READY: %v: %s", err, out.String())
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	ctx := context.Background()
	q := newQueue(t, openDB(t, path), durableSpecs...)
	for _, name := range []string{"work", "work.fifo"} {
		seen := map[string]int{}
		for end := time.Now().Add(10 * time.Second); len(seen) < sent; {
			msgs, err := q.Receive(ctx, name, queue.ReceiveOptions{Max: queue.MaxBatch, Wait: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				if _, dup := seen[string(m.Body)]; dup {
					t.Fatalf("%s: %s received twice", name, m.Body)
				}
				seen[string(m.Body)] = m.ReceiveCount
				if err := q.Delete(ctx, name, m.ReceiptHandle); err != nil {
					t.Fatal(err)
				}
			}
			if time.Now().After(end) {
				t.Fatalf("%s: %d of %d messages after the kill: %v", name, len(seen), sent, seen)
			}
		}
		again := 0
		for i := range sent {
			count, ok := seen[fmt.Sprint("m", i)]
			switch {
			case !ok:
				t.Errorf("%s: m%d lost", name, i)
			case count == 2:
				again++
			case count != 1:
				t.Errorf("%s: m%d receive count %d, want 1 or 2", name, i, count)
			}
		}
		if again != received {
			t.Errorf("%s: %d messages came back a second time, want the %d received before the kill", name, again, received)
		}
	}
}

// TestQueueKillChild is the child of TestQueueSurvivesKill; it does nothing in a normal run.
func TestQueueKillChild(t *testing.T) {
	path := os.Getenv("WAQTOR_QUEUE_CHILD")
	if path == "" {
		return
	}
	var sent, received int
	fmt.Sscanf(os.Getenv("WAQTOR_QUEUE_CHILD_COUNTS"), "%d,%d", &sent, &received)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqlite.NewQueue(ctx, db, durableSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sent {
		body := []byte(fmt.Sprint("m", i))
		if err := q.Send(ctx, "work", queue.Outgoing{Body: body}); err != nil {
			t.Fatal(err)
		}
		// One group per message, so that the FIFO queue hands out several at once.
		if err := q.Send(ctx, "work.fifo", queue.Outgoing{Body: body, GroupID: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"work", "work.fifo"} {
		msgs, err := q.Receive(ctx, name, queue.ReceiveOptions{Max: received})
		if err != nil || len(msgs) != received {
			t.Fatalf("receive from %s: %d messages, %v", name, len(msgs), err)
		}
	}
	fmt.Println("READY")
	time.Sleep(time.Minute) // killed by the parent long before
}

// TestQueueReopen closes the database with messages in flight and opens it again: nothing is lost, and the
// in-flight messages come back after their visibility timeout, not before.
func TestQueueReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "queue.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqlite.NewQueue(ctx, db, durableSpecs...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := q.Send(ctx, "work", queue.Outgoing{Body: []byte(fmt.Sprint("m", i))}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	first, err := q.Receive(ctx, "work", queue.ReceiveOptions{Max: 2})
	if err != nil || len(first) != 2 {
		t.Fatalf("Receive: %d messages, %v", len(first), err)
	}
	q.Close()
	db.Close()

	q = newQueue(t, openDB(t, path), durableSpecs...)
	rest, err := q.Receive(ctx, "work", queue.ReceiveOptions{Max: queue.MaxBatch})
	if err != nil || len(rest) != 1 || rest[0].ReceiveCount != 1 {
		t.Fatalf("after reopen: %v (%v), want only the message never received", rest, err)
	}
	var back []queue.Message
	for end := time.Now().Add(5 * time.Second); len(back) < 2 && time.Now().Before(end); {
		msgs, err := q.Receive(ctx, "work", queue.ReceiveOptions{Max: queue.MaxBatch, Wait: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		back = append(back, msgs...)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("in-flight messages back after %s, before their 1 s visibility timeout", elapsed)
	}
	if len(back) != 2 || back[0].ID != first[0].ID || back[1].ID != first[1].ID || back[0].ReceiveCount != 2 {
		t.Errorf("came back %+v, want the two messages received before closing, each a second time", back)
	}
}

// TestQueueConcurrentConsumers runs consumers on two database handles (as two processes would) and on one: while a
// message is invisible, nobody else gets it, and every message is handed out.
func TestQueueConcurrentConsumers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "queue.db")
	specs := []queue.Spec{{Name: "work", VisibilityTimeout: time.Minute}, {Name: "work.fifo", FIFO: true, VisibilityTimeout: time.Minute}}
	queues := []*sqlite.Queue{newQueue(t, openDB(t, path), specs...), newQueue(t, openDB(t, path), specs...)}
	const n = 300
	for _, name := range []string{"work", "work.fifo"} {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < n; i += queue.MaxBatch {
				var batch []queue.Outgoing
				for j := i; j < i+queue.MaxBatch; j++ {
					batch = append(batch, queue.Outgoing{Body: []byte(fmt.Sprint("m", j)), GroupID: fmt.Sprint("g", j%7)})
				}
				if err := queues[i%2].Send(ctx, name, batch...); err != nil {
					t.Fatal(err)
				}
			}
			var (
				mu   sync.Mutex
				seen = map[string]bool{}
				wg   sync.WaitGroup
			)
			errs := make(chan error, 6)
			for c := range 6 {
				wg.Go(func() {
					q := queues[c%2]
					for {
						msgs, err := q.Receive(ctx, name, queue.ReceiveOptions{Max: 1 + c, Wait: 200 * time.Millisecond})
						if err != nil {
							errs <- err
							return
						}
						if len(msgs) == 0 {
							return
						}
						mu.Lock()
						for _, m := range msgs {
							if seen[m.ID] {
								errs <- fmt.Errorf("%s handed out twice while invisible", m.Body)
							}
							seen[m.ID] = true
						}
						mu.Unlock()
						// FIFO groups stay blocked until their message is deleted.
						if name == "work.fifo" {
							for _, m := range msgs {
								if err := q.Delete(ctx, name, m.ReceiptHandle); err != nil {
									errs <- err
									return
								}
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if len(seen) != n {
				t.Errorf("%d of %d messages handed out", len(seen), n)
			}
		})
	}
}

// TestQueueDedupWindowAndRetention moves the clock: a FIFO deduplication ID is forgotten after 5 minutes, and a
// message older than its queue's retention is dropped, received or not.
func TestQueueDedupWindowAndRetention(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "queue.db"))
	var (
		mu  sync.Mutex
		now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	)
	db.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	q := newQueue(t, db,
		queue.Spec{Name: "short", Retention: time.Hour, VisibilityTimeout: time.Minute},
		queue.Spec{Name: "orders.fifo", FIFO: true})

	send := func(name string, m queue.Outgoing) {
		t.Helper()
		if err := q.Send(ctx, name, m); err != nil {
			t.Fatal(err)
		}
	}
	receive := func(name string) []string {
		t.Helper()
		msgs, err := q.Receive(ctx, name, queue.ReceiveOptions{Max: queue.MaxBatch})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, string(m.Body))
			if err := q.Delete(ctx, name, m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}

	send("orders.fifo", queue.Outgoing{Body: []byte("one"), GroupID: "g", DedupID: "d"})
	advance(queue.DedupWindow - time.Second)
	send("orders.fifo", queue.Outgoing{Body: []byte("dropped"), GroupID: "g", DedupID: "d"})
	if got := receive("orders.fifo"); len(got) != 1 || got[0] != "one" {
		t.Fatalf("inside the window: received %v, want [one]", got)
	}
	advance(time.Second)
	send("orders.fifo", queue.Outgoing{Body: []byte("two"), GroupID: "g", DedupID: "d"})
	if got := receive("orders.fifo"); len(got) != 1 || got[0] != "two" {
		t.Fatalf("after the window: received %v, want [two]", got)
	}

	send("short", queue.Outgoing{Body: []byte("old, in flight")})
	if msgs, err := q.Receive(ctx, "short", queue.ReceiveOptions{}); err != nil || len(msgs) != 1 {
		t.Fatalf("Receive: %v, %v", msgs, err)
	}
	send("short", queue.Outgoing{Body: []byte("old, never received")})
	advance(30 * time.Minute)
	send("short", queue.Outgoing{Body: []byte("young")})
	advance(30*time.Minute + time.Millisecond)
	if got := receive("short"); len(got) != 1 || got[0] != "young" {
		t.Errorf("after the retention of the first two: received %v, want [young]", got)
	}
	var rows int
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM queue_messages`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("%d rows left in queue_messages, want the expired ones purged", rows)
	}
}

// TestQueueWakesAcrossHandles: a receive waiting on one Queue wakes at once for a send through another Queue of the
// same process on the same file.
func TestQueueWakesAcrossHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "queue.db")
	specs := []queue.Spec{{Name: "work"}}
	consumer, producer := newQueue(t, openDB(t, path), specs...), newQueue(t, openDB(t, path), specs...)
	done := make(chan time.Time, 1)
	go func() {
		msgs, err := consumer.Receive(ctx, "work", queue.ReceiveOptions{Wait: 10 * time.Second})
		if err != nil || len(msgs) != 1 {
			t.Errorf("Receive: %v, %v", msgs, err)
		}
		done <- time.Now()
	}()
	time.Sleep(100 * time.Millisecond) // let the receive start waiting
	sent := time.Now()
	if err := producer.Send(ctx, "work", queue.Outgoing{Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	select {
	case at := <-done:
		if lat := at.Sub(sent); lat > 100*time.Millisecond {
			t.Errorf("woke %s after the send, want at once (the poll interval is %s)", lat, sqlite.PollInterval)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting receive did not return")
	}
}

func TestQueueReceiveHonoursContext(t *testing.T) {
	q := newQueue(t, openDB(t, filepath.Join(t.TempDir(), "queue.db")), queue.Spec{Name: "work"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := q.Receive(ctx, "work", queue.ReceiveOptions{Wait: 10 * time.Second})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("Receive = %v after %s, want the context's deadline at once", err, time.Since(start))
	}
}
