// Package queuetest is the contract suite of queue.Queue: every adapter (sqlite.Queue, sqs.Queue) runs Run, so the
// standalone and AWS runtimes cannot drift. Differences that are real and accepted are declared in Features.
package queuetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
)

// New returns a fresh, empty queue that declares exactly specs. It is called once per test, from concurrent tests.
type New func(t *testing.T, specs []queue.Spec) queue.Queue

// Features declares the real differences between adapters.
type Features struct {
	// Slack is how far from the exact time a timed event (the end of a visibility timeout or a delay, the end of
	// an empty long poll) may be observed early. Late is always fine up to the test's deadline.
	Slack time.Duration
	// WakeUp bounds the time between a send and the return of a receive that was waiting for it.
	WakeUp time.Duration
	// LenientReceipts: on standard queues a receipt handle of an earlier receive, or of a deleted message, is
	// accepted, as SQS does ("the request succeeds, but the message might not be deleted"). When false, such a
	// handle gives queue.ErrInvalidReceipt. FIFO queues reject an earlier receive's handle either way.
	LenientReceipts bool
	// ChangeVisibilityCountsReceive: ChangeVisibility adds one to the receive count (local-aws-sqs does).
	ChangeVisibilityCountsReceive bool
	// FIFOGroupsUnblocked: a FIFO queue may hand out a later message of a group while an earlier one is in flight
	// (local-aws-sqs 2.0.2 does; SQS does not). The suite then checks only that each group's messages are first
	// delivered in send order.
	FIFOGroupsUnblocked bool
	// DeadLetterResetsSentAt: a message moved to the dead-letter queue gets a new SentAt (local-aws-sqs does; SQS
	// keeps the original).
	DeadLetterResetsSentAt bool
}

// The queues every test declares.
const (
	// Jobs is a standard queue with a 1 s visibility timeout and a dead-letter queue after 2 receives.
	Jobs    = "jobs"
	JobsDLQ = "jobs-dlq"
	// Slow is a standard queue whose 30 s visibility timeout outlasts every test.
	Slow = "slow"
	// Orders is a FIFO queue with a 1 s visibility timeout and a dead-letter queue after 2 receives.
	Orders    = "orders.fifo"
	OrdersDLQ = "orders-dlq.fifo"
	// Events is a FIFO queue with a 30 s visibility timeout and no dead-letter queue.
	Events = "events.fifo"
)

// Specs are the queues every test declares.
var Specs = []queue.Spec{
	{Name: Jobs, VisibilityTimeout: time.Second, MaxReceives: 2, DeadLetter: JobsDLQ, Retention: time.Hour},
	{Name: JobsDLQ, VisibilityTimeout: time.Second},
	{Name: Slow, VisibilityTimeout: 30 * time.Second},
	{Name: Orders, FIFO: true, VisibilityTimeout: time.Second, MaxReceives: 2, DeadLetter: OrdersDLQ},
	{Name: OrdersDLQ, FIFO: true, VisibilityTimeout: time.Second},
	{Name: Events, FIFO: true, VisibilityTimeout: 30 * time.Second},
}

// deadline bounds every wait of the suite for something that must happen.
const deadline = 10 * time.Second

// Run runs the contract suite against the adapter that newQueue builds, every test on a fresh queue.
func Run(t *testing.T, newQueue New, f Features) {
	tests := []struct {
		name string
		test func(t *testing.T, s *suite)
	}{
		{"SendReceiveDelete", testSendReceiveDelete},
		{"Attributes", testAttributes},
		{"VisibilityTimeout", testVisibilityTimeout},
		{"VisibilityOverride", testVisibilityOverride},
		{"ChangeVisibility", testChangeVisibility},
		{"DeadLetter", testDeadLetter},
		{"Delay", testDelay},
		{"Batch", testBatch},
		{"LongPollEmpty", testLongPollEmpty},
		{"LongPollWakesOnSend", testLongPollWakesOnSend},
		{"LongPollWakesOnVisibility", testLongPollWakesOnVisibility},
		{"FIFOOrderOneInFlight", testFIFOOrder},
		{"FIFOHeadRedelivered", testFIFOHeadRedelivered},
		{"FIFODedup", testFIFODedup},
		{"FIFODeadLetter", testFIFODeadLetter},
		{"InvalidReceipt", testInvalidReceipt},
		{"UnknownQueue", testUnknownQueue},
		{"Validation", testValidation},
		{"MaxSize", testMaxSize},
	}
	// The tests mostly wait for timeouts, so they all run at once whatever -test.parallel says (t.Run may be
	// called from several goroutines).
	var wg sync.WaitGroup
	for _, tc := range tests {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				t.Cleanup(cancel)
				tc.test(t, &suite{q: newQueue(t, slices.Clone(Specs)), f: f, ctx: ctx})
			})
		})
	}
	wg.Wait()
}

type suite struct {
	q   queue.Queue
	f   Features
	ctx context.Context
}

func (s *suite) send(t *testing.T, name string, msgs ...queue.Outgoing) {
	t.Helper()
	if err := s.q.Send(s.ctx, name, msgs...); err != nil {
		t.Fatalf("Send(%s): %v", name, err)
	}
}

// receive makes one receive call that must succeed.
func (s *suite) receive(t *testing.T, name string, opt queue.ReceiveOptions) []queue.Message {
	t.Helper()
	msgs, err := s.q.Receive(s.ctx, name, opt)
	if err != nil {
		t.Fatalf("Receive(%s, %+v): %v", name, opt, err)
	}
	if limit := max(opt.Max, 1); len(msgs) > limit {
		t.Fatalf("Receive(%s, Max %d) returned %d messages", name, opt.Max, len(msgs))
	}
	return msgs
}

// receiveN polls (without long polls, whose batches local-aws-sqs gets wrong) until n messages arrived, failing the
// test after the deadline.
func (s *suite) receiveN(t *testing.T, name string, opt queue.ReceiveOptions, n int) []queue.Message {
	t.Helper()
	opt.Wait = 0
	var got []queue.Message
	end := time.Now().Add(deadline)
	for {
		got = append(got, s.receive(t, name, opt)...)
		if len(got) >= n {
			if len(got) > n {
				t.Fatalf("Receive(%s): got %d messages, want %d: %v", name, len(got), n, bodies(got))
			}
			return got
		}
		if time.Now().After(end) {
			t.Fatalf("Receive(%s): got %d messages within %s, want %d: %v", name, len(got), deadline, n, bodies(got))
		}
		pause()
	}
}

// receiveOne polls until one message arrives.
func (s *suite) receiveOne(t *testing.T, name string) queue.Message {
	t.Helper()
	return s.receiveN(t, name, queue.ReceiveOptions{Max: 1}, 1)[0]
}

func (s *suite) expectEmpty(t *testing.T, name string) {
	t.Helper()
	if msgs := s.receive(t, name, queue.ReceiveOptions{Max: queue.MaxBatch}); len(msgs) > 0 {
		t.Fatalf("Receive(%s) = %v, want nothing", name, bodies(msgs))
	}
}

// expectNothingFor polls for d and fails if any message arrives.
func (s *suite) expectNothingFor(t *testing.T, name string, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); pause() {
		s.expectEmpty(t, name)
	}
}

func (s *suite) del(t *testing.T, name string, msgs ...queue.Message) {
	t.Helper()
	for _, m := range msgs {
		if err := s.q.Delete(s.ctx, name, m.ReceiptHandle); err != nil {
			t.Fatalf("Delete(%s, %s): %v", name, m.Body, err)
		}
	}
}

// notBefore fails if a timed event seen elapsed after its start came earlier than want, beyond the slack.
func (s *suite) notBefore(t *testing.T, what string, elapsed, want time.Duration) {
	t.Helper()
	if elapsed < want-s.f.Slack {
		t.Errorf("%s after %s, want not before %s (slack %s)", what, elapsed, want, s.f.Slack)
	}
}

// receiveCountAfterChange is the receive count of a message after receives receives and changes ChangeVisibility calls.
func (s *suite) receiveCountAfterChange(receives, changes int) int {
	if s.f.ChangeVisibilityCountsReceive {
		return receives + changes
	}
	return receives
}

// pause spaces out polls.
func pause() { time.Sleep(25 * time.Millisecond) }

func bodies(msgs []queue.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Body)
	}
	return out
}

func msg(body string) queue.Outgoing { return queue.Outgoing{Body: []byte(body)} }

func fifo(group, dedup, body string) queue.Outgoing {
	return queue.Outgoing{Body: []byte(body), GroupID: group, DedupID: dedup}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func testSendReceiveDelete(t *testing.T, s *suite) {
	before := time.Now()
	s.send(t, Jobs, msg("hello"))
	after := time.Now()
	m := s.receiveOne(t, Jobs)
	if string(m.Body) != "hello" || m.ID == "" || m.ReceiptHandle == "" || m.ReceiveCount != 1 || m.GroupID != "" {
		t.Fatalf("received %+v, want body hello, an ID, a receipt handle, receive count 1, no group", m)
	}
	if m.SentAt.Before(before.Add(-s.f.Slack)) || m.SentAt.After(after.Add(s.f.Slack)) {
		t.Errorf("SentAt %s, want between %s and %s", m.SentAt, before, after)
	}
	s.expectEmpty(t, Jobs)
	s.del(t, Jobs, m)
	// Not deleted, it would come back after its 1 s visibility timeout.
	s.expectNothingFor(t, Jobs, 2*time.Second+s.f.Slack)
}

func testAttributes(t *testing.T, s *suite) {
	ten := map[string]string{}
	for i := range queue.MaxAttributes {
		ten[fmt.Sprintf("attr-%d.x_y", i)] = strings.Repeat("v", i+1)
	}
	sent := []queue.Outgoing{
		{Body: []byte("plain")},
		{Body: []byte("مرحبا 👋\twith\r\nlines"), Attributes: map[string]string{"trace": "abc-123", "lang": "ar — عربي"}},
		{Body: []byte("ten"), Attributes: ten},
	}
	s.send(t, Slow, sent...)
	got := s.receiveN(t, Slow, queue.ReceiveOptions{Max: queue.MaxBatch}, len(sent))
	byBody := map[string]queue.Message{}
	for _, m := range got {
		byBody[string(m.Body)] = m
	}
	for _, o := range sent {
		m, ok := byBody[string(o.Body)]
		if !ok {
			t.Errorf("body %q not received intact; got %q", o.Body, bodies(got))
			continue
		}
		if len(o.Attributes) == 0 && len(m.Attributes) != 0 || len(o.Attributes) > 0 && !maps.Equal(m.Attributes, o.Attributes) {
			t.Errorf("attributes of %q: got %v, want %v", o.Body, m.Attributes, o.Attributes)
		}
	}
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.ID] = true
	}
	if len(ids) != len(sent) {
		t.Errorf("message IDs %v are not distinct", slices.Collect(maps.Keys(ids)))
	}
}

func testVisibilityTimeout(t *testing.T, s *suite) {
	s.send(t, Jobs, queue.Outgoing{Body: []byte("again"), Attributes: map[string]string{"k": "v"}})
	start := time.Now()
	first := s.receiveOne(t, Jobs)
	s.expectEmpty(t, Jobs)
	second := s.receiveOne(t, Jobs)
	s.notBefore(t, "message back", time.Since(start), time.Second)
	if second.ID != first.ID || string(second.Body) != "again" || second.Attributes["k"] != "v" {
		t.Errorf("redelivered %+v, want the message %+v", second, first)
	}
	if first.ReceiveCount != 1 || second.ReceiveCount != 2 {
		t.Errorf("receive counts %d then %d, want 1 then 2", first.ReceiveCount, second.ReceiveCount)
	}
	if second.ReceiptHandle == first.ReceiptHandle {
		t.Error("the second receive has the receipt handle of the first")
	}
	s.del(t, Jobs, second)
}

func testVisibilityOverride(t *testing.T, s *suite) {
	s.send(t, Slow, msg("short"))
	start := time.Now()
	first := s.receiveN(t, Slow, queue.ReceiveOptions{Max: 1, Visibility: time.Second}, 1)[0]
	// The queue's own 30 s would outlast the deadline of receiveOne.
	second := s.receiveOne(t, Slow)
	s.notBefore(t, "message back", time.Since(start), time.Second)
	if second.ID != first.ID || second.ReceiveCount != 2 {
		t.Errorf("got %+v, want %s received a second time", second, first.ID)
	}
}

func testChangeVisibility(t *testing.T, s *suite) {
	s.send(t, Slow, msg("cv"))
	m := s.receiveOne(t, Slow)
	if err := s.q.ChangeVisibility(s.ctx, Slow, m.ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	again := s.receiveOne(t, Slow)
	if want := s.receiveCountAfterChange(2, 1); again.ID != m.ID || again.ReceiveCount != want {
		t.Errorf("got %s with receive count %d, want %s with %d", again.ID, again.ReceiveCount, m.ID, want)
	}
	start := time.Now()
	if err := s.q.ChangeVisibility(s.ctx, Slow, again.ReceiptHandle, time.Second); err != nil {
		t.Fatalf("ChangeVisibility(1s): %v", err)
	}
	third := s.receiveOne(t, Slow)
	s.notBefore(t, "message back", time.Since(start), time.Second)
	if third.ID != m.ID {
		t.Errorf("got %s, want %s", third.ID, m.ID)
	}
	err := s.q.ChangeVisibility(s.ctx, Slow, third.ReceiptHandle, queue.MaxVisibility+time.Second)
	wantErr(t, "ChangeVisibility(12h1s)", err, queue.ErrInvalidMessage)
	err = s.q.ChangeVisibility(s.ctx, Slow, third.ReceiptHandle, -time.Second)
	wantErr(t, "ChangeVisibility(-1s)", err, queue.ErrInvalidMessage)
}

func testDeadLetter(t *testing.T, s *suite) {
	sent := queue.Outgoing{Body: []byte("poison"), Attributes: map[string]string{"tenant": "t1"}}
	s.send(t, Jobs, sent)
	first := s.receiveOne(t, Jobs)
	second := s.receiveOne(t, Jobs)
	if second.ReceiveCount != 2 {
		t.Fatalf("second receive count %d, want 2", second.ReceiveCount)
	}
	// The receive that would be the third moves the message to the dead-letter queue instead.
	var dead []queue.Message
	for end := time.Now().Add(deadline); len(dead) == 0; pause() {
		if again := s.receive(t, Jobs, queue.ReceiveOptions{Max: 1}); len(again) > 0 {
			t.Fatalf("received %q a third time (count %d), want it in the dead-letter queue", again[0].Body, again[0].ReceiveCount)
		}
		dead = s.receive(t, JobsDLQ, queue.ReceiveOptions{Max: 1})
		if time.Now().After(end) {
			t.Fatalf("nothing in %s within %s", JobsDLQ, deadline)
		}
	}
	d := dead[0]
	if d.ID != first.ID || string(d.Body) != "poison" || !maps.Equal(d.Attributes, sent.Attributes) {
		t.Errorf("dead letter %+v, want message %s with body and attributes kept", d, first.ID)
	}
	if d.ReceiveCount != 1 {
		t.Errorf("dead letter receive count %d, want 1 (its first receive from %s)", d.ReceiveCount, JobsDLQ)
	}
	if gap := d.SentAt.Sub(first.SentAt).Abs(); gap > s.f.Slack && !s.f.DeadLetterResetsSentAt {
		t.Errorf("dead letter SentAt %s, want the first send's %s", d.SentAt, first.SentAt)
	}
	s.del(t, JobsDLQ, d)
	s.expectEmpty(t, Jobs)
}

func testDelay(t *testing.T, s *suite) {
	start := time.Now()
	s.send(t, Slow, msg("now"), queue.Outgoing{Body: []byte("later"), Delay: time.Second})
	now := s.receiveN(t, Slow, queue.ReceiveOptions{Max: queue.MaxBatch}, 1)
	if string(now[0].Body) != "now" {
		t.Fatalf("first received %q, want now (later is delayed)", now[0].Body)
	}
	later := s.receiveOne(t, Slow)
	s.notBefore(t, "delayed message", time.Since(start), time.Second)
	if string(later.Body) != "later" || later.ReceiveCount != 1 {
		t.Errorf("got %q with receive count %d, want later with 1", later.Body, later.ReceiveCount)
	}
}

func testBatch(t *testing.T, s *suite) {
	var sent []queue.Outgoing
	for i := range queue.MaxBatch {
		sent = append(sent, msg(fmt.Sprintf("m%d", i)))
	}
	s.send(t, Slow, sent...)
	three := s.receiveN(t, Slow, queue.ReceiveOptions{Max: 3}, 3)
	rest := s.receiveN(t, Slow, queue.ReceiveOptions{Max: queue.MaxBatch}, queue.MaxBatch-3)
	got := bodies(append(three, rest...))
	slices.Sort(got)
	var want []string
	for _, m := range sent {
		want = append(want, string(m.Body))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("received %v, want each of %v once", got, want)
	}
	s.expectEmpty(t, Slow)
}

func testLongPollEmpty(t *testing.T, s *suite) {
	start := time.Now()
	msgs := s.receive(t, Slow, queue.ReceiveOptions{Max: 1, Wait: time.Second})
	if len(msgs) != 0 {
		t.Fatalf("received %v from an empty queue", bodies(msgs))
	}
	s.notBefore(t, "empty long poll returned", time.Since(start), time.Second)
}

func testLongPollWakesOnSend(t *testing.T, s *suite) {
	const wait = 5 * time.Second
	var (
		mu     sync.Mutex
		sentAt time.Time
	)
	// Send while the receive below waits.
	timer := time.AfterFunc(300*time.Millisecond, func() {
		mu.Lock()
		sentAt = time.Now()
		mu.Unlock()
		if err := s.q.Send(s.ctx, Slow, msg("wake")); err != nil {
			t.Errorf("Send: %v", err)
		}
	})
	defer timer.Stop()
	start := time.Now()
	msgs := s.receive(t, Slow, queue.ReceiveOptions{Max: 1, Wait: wait})
	returned := time.Now()
	if len(msgs) != 1 || string(msgs[0].Body) != "wake" {
		t.Fatalf("long poll returned %v after %s, want the message sent during it", bodies(msgs), returned.Sub(start))
	}
	mu.Lock()
	latency := returned.Sub(sentAt)
	mu.Unlock()
	if latency > s.f.WakeUp {
		t.Errorf("long poll returned %s after the send, want within %s", latency, s.f.WakeUp)
	}
}

func testLongPollWakesOnVisibility(t *testing.T, s *suite) {
	s.send(t, Jobs, msg("back"))
	start := time.Now()
	first := s.receiveOne(t, Jobs)
	msgs := s.receive(t, Jobs, queue.ReceiveOptions{Max: 1, Wait: 5 * time.Second})
	elapsed := time.Since(start)
	if len(msgs) != 1 || msgs[0].ID != first.ID {
		t.Fatalf("long poll returned %v after %s, want the message back from its 1 s visibility timeout", bodies(msgs), elapsed)
	}
	s.notBefore(t, "message back", elapsed, time.Second)
	if limit := time.Second + s.f.WakeUp + time.Second; elapsed > limit {
		t.Errorf("long poll returned after %s, want the message soon after its 1 s timeout (within %s)", elapsed, limit)
	}
}

// testFIFOOrder sends interleaved groups and consumes them two receives at a time: every group comes out in send
// order, and no message of a group is handed out while another of that group is in flight.
func testFIFOOrder(t *testing.T, s *suite) {
	s.send(t, Orders, fifo("A", "a1", "A1"), fifo("B", "b1", "B1"))
	s.send(t, Orders, fifo("A", "a2", "A2"))
	s.send(t, Orders, fifo("B", "b2", "B2"), fifo("A", "a3", "A3"), fifo("C", "c1", "C1"))
	s.send(t, Orders, fifo("A", "a4", "A4"), fifo("B", "b3", "B3"))
	want := map[string][]string{"A": {"A1", "A2", "A3", "A4"}, "B": {"B1", "B2", "B3"}, "C": {"C1"}}
	next := map[string]int{}
	total := 0
	for end := time.Now().Add(deadline); total < 8; pause() {
		if time.Now().After(end) {
			t.Fatalf("received %d of 8 messages within %s (next per group: %v)", total, deadline, next)
		}
		first := s.receive(t, Orders, queue.ReceiveOptions{Max: queue.MaxBatch})
		second := s.receive(t, Orders, queue.ReceiveOptions{Max: queue.MaxBatch})
		inFlight := map[string]bool{}
		for _, m := range first {
			inFlight[m.GroupID] = true
		}
		for i, m := range append(first, second...) {
			if i >= len(first) && inFlight[m.GroupID] && !s.f.FIFOGroupsUnblocked {
				t.Fatalf("received %s while an earlier message of group %s is in flight", m.Body, m.GroupID)
			}
			g := want[m.GroupID]
			if next[m.GroupID] >= len(g) || string(m.Body) != g[next[m.GroupID]] {
				t.Fatalf("received %s (group %q), want %v next", m.Body, m.GroupID, g[min(next[m.GroupID], len(g)-1):])
			}
			next[m.GroupID]++
			total++
		}
		s.del(t, Orders, first...)
		s.del(t, Orders, second...)
	}
	s.expectEmpty(t, Orders)
}

func testFIFOHeadRedelivered(t *testing.T, s *suite) {
	s.send(t, Events, fifo("X", "x1", "X1"), fifo("X", "x2", "X2"))
	m := s.receiveOne(t, Events)
	if string(m.Body) != "X1" || m.GroupID != "X" {
		t.Fatalf("received %q of group %q, want X1 of X", m.Body, m.GroupID)
	}
	if err := s.q.ChangeVisibility(s.ctx, Events, m.ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	wantCount := s.receiveCountAfterChange(2, 1)
	if s.f.FIFOGroupsUnblocked {
		// X2 may come first; X1 must come back.
		got := s.receiveN(t, Events, queue.ReceiveOptions{Max: 1}, 1)
		if string(got[0].Body) != "X1" {
			got = append(got, s.receiveOne(t, Events))
		}
		if last := got[len(got)-1]; string(last.Body) != "X1" || last.ReceiveCount != wantCount {
			t.Errorf("received %v, the last with count %d, want X1 back with count %d", bodies(got), last.ReceiveCount, wantCount)
		}
		return
	}
	again := s.receiveOne(t, Events)
	if string(again.Body) != "X1" || again.ReceiveCount != wantCount {
		t.Fatalf("received %q (count %d), want X1 again (count %d) before X2", again.Body, again.ReceiveCount, wantCount)
	}
	s.del(t, Events, again)
	if next := s.receiveOne(t, Events); string(next.Body) != "X2" {
		t.Errorf("received %q, want X2", next.Body)
	}
}

func testFIFODedup(t *testing.T, s *suite) {
	s.send(t, Orders, fifo("G", "d1", "first"))
	s.send(t, Orders, fifo("G", "d1", "first again"))
	s.send(t, Orders, fifo("G", "d2", "second"))
	s.send(t, Orders, fifo("G", "d3", "third"), fifo("G", "d3", "third again"))
	s.send(t, Orders, fifo("G", "", "no dedup ID"), fifo("G", "", "no dedup ID"))
	var got []string
	for _, want := range []string{"first", "second", "third", "no dedup ID", "no dedup ID"} {
		m := s.receiveOne(t, Orders)
		got = append(got, string(m.Body))
		if string(m.Body) != want {
			t.Fatalf("received %v, want %q next", got, want)
		}
		s.del(t, Orders, m)
	}
	s.expectEmpty(t, Orders)
}

func testFIFODeadLetter(t *testing.T, s *suite) {
	s.send(t, Orders, fifo("G", "y1", "Y1"))
	if !s.f.FIFOGroupsUnblocked {
		s.send(t, Orders, fifo("G", "y2", "Y2")) // blocked behind Y1 until Y1 is dead-lettered
	}
	for i := 1; i <= 2; i++ {
		if m := s.receiveOne(t, Orders); string(m.Body) != "Y1" || m.ReceiveCount != i {
			t.Fatalf("receive %d: %q with count %d, want Y1 with %d", i, m.Body, m.ReceiveCount, i)
		}
	}
	// The receive that would be Y1's third moves it to the dead-letter queue; Y2 follows in order.
	if !s.f.FIFOGroupsUnblocked {
		next := s.receiveOne(t, Orders)
		if string(next.Body) != "Y2" || next.ReceiveCount != 1 {
			t.Fatalf("received %q (count %d), want Y2 once Y1 is dead-lettered", next.Body, next.ReceiveCount)
		}
	}
	dead := s.receiveOne(t, OrdersDLQ)
	if string(dead.Body) != "Y1" || dead.GroupID != "G" || dead.ReceiveCount != 1 {
		t.Errorf("dead letter %q of group %q with count %d, want Y1 of G with 1", dead.Body, dead.GroupID, dead.ReceiveCount)
	}
}

func testInvalidReceipt(t *testing.T, s *suite) {
	for _, name := range []string{Slow, Events} {
		wantErr(t, "Delete(garbage) on "+name, s.q.Delete(s.ctx, name, "not-a-receipt-handle"), queue.ErrInvalidReceipt)
		err := s.q.ChangeVisibility(s.ctx, name, "not-a-receipt-handle", time.Second)
		wantErr(t, "ChangeVisibility(garbage) on "+name, err, queue.ErrInvalidReceipt)
	}

	// FIFO: the handle of an earlier receive is refused once the message is received again.
	s.send(t, Events, fifo("R", "r1", "R1"))
	old := s.receiveOne(t, Events)
	if err := s.q.ChangeVisibility(s.ctx, Events, old.ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	cur := s.receiveOne(t, Events)
	wantErr(t, "FIFO Delete(outdated handle)", s.q.Delete(s.ctx, Events, old.ReceiptHandle), queue.ErrInvalidReceipt)
	err := s.q.ChangeVisibility(s.ctx, Events, old.ReceiptHandle, time.Second)
	wantErr(t, "FIFO ChangeVisibility(outdated handle)", err, queue.ErrInvalidReceipt)
	s.del(t, Events, cur)
	s.expectEmpty(t, Events)

	// Standard queue: the same, unless the adapter is lenient as SQS is.
	s.send(t, Slow, msg("S1"))
	old = s.receiveOne(t, Slow)
	if err := s.q.ChangeVisibility(s.ctx, Slow, old.ReceiptHandle, 0); err != nil {
		t.Fatalf("ChangeVisibility(0): %v", err)
	}
	cur = s.receiveOne(t, Slow)
	err = s.q.Delete(s.ctx, Slow, old.ReceiptHandle)
	if s.f.LenientReceipts {
		if err != nil {
			t.Errorf("Delete(outdated handle) = %v, want it accepted (LenientReceipts)", err)
		}
		return
	}
	wantErr(t, "Delete(outdated handle)", err, queue.ErrInvalidReceipt)
	s.del(t, Slow, cur)
	wantErr(t, "Delete(deleted message)", s.q.Delete(s.ctx, Slow, cur.ReceiptHandle), queue.ErrInvalidReceipt)
}

func testUnknownQueue(t *testing.T, s *suite) {
	const name = "no-such-queue"
	wantErr(t, "Send", s.q.Send(s.ctx, name, msg("x")), queue.ErrUnknownQueue)
	_, err := s.q.Receive(s.ctx, name, queue.ReceiveOptions{})
	wantErr(t, "Receive", err, queue.ErrUnknownQueue)
	wantErr(t, "Delete", s.q.Delete(s.ctx, name, "handle"), queue.ErrUnknownQueue)
	wantErr(t, "ChangeVisibility", s.q.ChangeVisibility(s.ctx, name, "handle", 0), queue.ErrUnknownQueue)
}

func testValidation(t *testing.T, s *suite) {
	eleven := map[string]string{}
	for i := range queue.MaxAttributes + 1 {
		eleven[fmt.Sprintf("a%d", i)] = "v"
	}
	var tooMany []queue.Outgoing
	for range queue.MaxBatch + 1 {
		tooMany = append(tooMany, msg("x"))
	}
	sends := []struct {
		name  string
		queue string
		msgs  []queue.Outgoing
		want  error
	}{
		{"no messages", Slow, nil, queue.ErrInvalidMessage},
		{"eleven messages", Slow, tooMany, queue.ErrInvalidMessage},
		{"empty body", Slow, []queue.Outgoing{msg("")}, queue.ErrInvalidMessage},
		{"body too large", Slow, []queue.Outgoing{msg(strings.Repeat("x", queue.MaxMessageSize+1))}, queue.ErrInvalidMessage},
		{"attributes make it too large", Slow, []queue.Outgoing{{Body: []byte(strings.Repeat("x", queue.MaxMessageSize-10)),
			Attributes: map[string]string{"key": "value"}}}, queue.ErrInvalidMessage},
		{"control character", Slow, []queue.Outgoing{msg("a\x01b")}, queue.ErrInvalidMessage},
		{"not UTF-8", Slow, []queue.Outgoing{msg("a\xffb")}, queue.ErrInvalidMessage},
		{"negative delay", Slow, []queue.Outgoing{{Body: []byte("x"), Delay: -time.Second}}, queue.ErrInvalidMessage},
		{"delay over 15 minutes", Slow, []queue.Outgoing{{Body: []byte("x"), Delay: queue.MaxDelay + time.Second}}, queue.ErrInvalidMessage},
		{"eleven attributes", Slow, []queue.Outgoing{{Body: []byte("x"), Attributes: eleven}}, queue.ErrInvalidMessage},
		{"reserved attribute name", Slow, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"AWS.x": "v"}}}, queue.ErrInvalidMessage},
		{"attribute name with space", Slow, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"a b": "v"}}}, queue.ErrInvalidMessage},
		{"empty attribute value", Slow, []queue.Outgoing{{Body: []byte("x"), Attributes: map[string]string{"a": ""}}}, queue.ErrInvalidMessage},
		{"one bad message fails the batch", Slow, []queue.Outgoing{msg("ok"), msg("")}, queue.ErrInvalidMessage},
		{"FIFO without group", Orders, []queue.Outgoing{msg("x")}, queue.ErrGroupRequired},
		{"FIFO with delay", Orders, []queue.Outgoing{{Body: []byte("x"), GroupID: "g", Delay: time.Second}}, queue.ErrInvalidMessage},
		{"FIFO group too long", Orders, []queue.Outgoing{fifo(strings.Repeat("g", 129), "", "x")}, queue.ErrInvalidMessage},
		{"FIFO dedup ID with space", Orders, []queue.Outgoing{fifo("g", "a b", "x")}, queue.ErrInvalidMessage},
	}
	for _, tc := range sends {
		wantErr(t, "Send("+tc.name+")", s.q.Send(s.ctx, tc.queue, tc.msgs...), tc.want)
	}
	// Nothing of the failed sends was stored, not even the valid message of a failed batch.
	s.expectEmpty(t, Slow)
	s.expectEmpty(t, Orders)

	receives := []struct {
		name string
		opt  queue.ReceiveOptions
	}{
		{"max 11", queue.ReceiveOptions{Max: queue.MaxBatch + 1}},
		{"max -1", queue.ReceiveOptions{Max: -1}},
		{"negative visibility", queue.ReceiveOptions{Visibility: -time.Second}},
		{"visibility over 12 hours", queue.ReceiveOptions{Visibility: queue.MaxVisibility + time.Second}},
		{"wait over 20 seconds", queue.ReceiveOptions{Wait: queue.MaxWait + time.Second}},
		{"negative wait", queue.ReceiveOptions{Wait: -time.Second}},
	}
	for _, tc := range receives {
		_, err := s.q.Receive(s.ctx, Slow, tc.opt)
		wantErr(t, "Receive("+tc.name+")", err, queue.ErrInvalidMessage)
	}
}

func testMaxSize(t *testing.T, s *suite) {
	attrs := map[string]string{"key": "value"}
	body := strings.Repeat("x", queue.MaxMessageSize-queue.Size(queue.Outgoing{Attributes: attrs}))
	s.send(t, Slow, queue.Outgoing{Body: []byte(body), Attributes: attrs})
	m := s.receiveOne(t, Slow)
	if string(m.Body) != body || !maps.Equal(m.Attributes, attrs) {
		t.Errorf("a message of exactly %d bytes did not round-trip (body %d bytes, attributes %v)",
			queue.MaxMessageSize, len(m.Body), m.Attributes)
	}
}
