package eventbus_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/queue"
)

// memQueue is a tiny in-memory queue.Queue with the SQS semantics the router relies on: visibility timeout,
// receive count, long poll, dead-letter after MaxReceives, receipt handles that change on each receive. It is a
// test fake only; the real adapters are sqlite.Queue and sqs.Queue.
type memQueue struct {
	mu       sync.Mutex
	wake     chan struct{} // closed and replaced whenever a message may have become receivable
	specs    map[string]queue.Spec
	queues   map[string]*memState
	receipts map[string]*memMsg
	seq      int
	calls    []call
	hooks    memHooks
}

// memState holds one queue's messages in send order; deleted ones are skipped and compacted away.
type memState struct {
	msgs []*memMsg
	head int
	live int
}

type memHooks struct {
	// afterReceive runs after a receive that returned messages, before they reach the caller.
	afterReceive func(queueName string, msgs []queue.Message)
	// sendErr fails sends to a queue.
	sendErr func(queueName string) error
}

type memMsg struct {
	queue.Message
	queue     string
	visibleAt time.Time
	deleted   bool
}

// call records a ChangeVisibility or Delete.
type call struct {
	op      string // "delete" or "visibility"
	queue   string
	id      string
	timeout time.Duration
}

func newMemQueue(specs ...queue.Spec) *memQueue {
	q := &memQueue{wake: make(chan struct{}), specs: map[string]queue.Spec{}, queues: map[string]*memState{},
		receipts: map[string]*memMsg{}}
	for _, s := range specs {
		q.specs[s.Name] = s.WithDefaults()
		q.queues[s.Name] = &memState{}
	}
	return q
}

// specs declares a standard queue with a dead-letter queue after maxReceives (0: none).
func specs(name string, maxReceives int) []queue.Spec {
	if maxReceives == 0 {
		return []queue.Spec{{Name: name}}
	}
	return []queue.Spec{{Name: name, MaxReceives: maxReceives, DeadLetter: name + "-dlq"}, {Name: name + "-dlq"}}
}

func (q *memQueue) notify() {
	close(q.wake)
	q.wake = make(chan struct{})
}

func (q *memQueue) state(name string) (queue.Spec, *memState, error) {
	s, ok := q.specs[name]
	if !ok {
		return s, nil, fmt.Errorf("%w: %q", queue.ErrUnknownQueue, name)
	}
	return s, q.queues[name], nil
}

func (q *memQueue) push(name string, m *memMsg) {
	st := q.queues[name]
	m.queue = name
	st.msgs = append(st.msgs, m)
	st.live++
}

func (q *memQueue) remove(m *memMsg) {
	st := q.queues[m.queue]
	m.deleted = true
	st.live--
	delete(q.receipts, m.ReceiptHandle)
}

// compact drops deleted messages from the head; never called while iterating over st.msgs.
func (st *memState) compact() {
	for st.head < len(st.msgs) && st.msgs[st.head].deleted {
		st.head++
	}
	if st.head > 1024 && st.head > len(st.msgs)/2 {
		st.msgs = append([]*memMsg(nil), st.msgs[st.head:]...)
		st.head = 0
	}
}

func (q *memQueue) Send(ctx context.Context, name string, msgs ...queue.Outgoing) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, _, err := q.state(name); err != nil {
		return err
	}
	if len(msgs) == 0 || len(msgs) > 10 {
		return fmt.Errorf("%w: %d messages", queue.ErrInvalidMessage, len(msgs))
	}
	for _, o := range msgs {
		if len(o.Body) == 0 || len(o.Body) > 256*1024 {
			return fmt.Errorf("%w: body of %d bytes", queue.ErrInvalidMessage, len(o.Body))
		}
	}
	if q.hooks.sendErr != nil {
		if err := q.hooks.sendErr(name); err != nil {
			return err
		}
	}
	now := time.Now()
	for _, o := range msgs {
		q.seq++
		q.push(name, &memMsg{
			Message:   queue.Message{ID: "m" + strconv.Itoa(q.seq), Body: slices.Clone(o.Body), SentAt: now},
			visibleAt: now.Add(o.Delay),
		})
	}
	q.notify()
	return nil
}

func (q *memQueue) Receive(ctx context.Context, name string, opt queue.ReceiveOptions) ([]queue.Message, error) {
	max := opt.Max
	if max == 0 {
		max = 1
	}
	deadline := time.Now().Add(opt.Wait)
	for {
		q.mu.Lock()
		s, st, err := q.state(name)
		if err != nil {
			q.mu.Unlock()
			return nil, err
		}
		now := time.Now()
		var out []queue.Message
		var next time.Time
		for i := st.head; i < len(st.msgs) && len(out) < max; i++ {
			m := st.msgs[i]
			if m.deleted {
				continue
			}
			if m.visibleAt.After(now) {
				if next.IsZero() || m.visibleAt.Before(next) {
					next = m.visibleAt
				}
				continue
			}
			if s.MaxReceives > 0 && m.ReceiveCount >= s.MaxReceives {
				// Dead-letter: moved on the receive after MaxReceives receives.
				moved := &memMsg{Message: m.Message, visibleAt: now}
				moved.ReceiptHandle = ""
				q.remove(m)
				q.push(s.DeadLetter, moved)
				continue
			}
			delete(q.receipts, m.ReceiptHandle)
			m.ReceiveCount++
			q.seq++
			m.ReceiptHandle = "r" + strconv.Itoa(q.seq)
			q.receipts[m.ReceiptHandle] = m
			vis := s.VisibilityTimeout
			if opt.Visibility > 0 {
				vis = opt.Visibility
			}
			m.visibleAt = now.Add(vis)
			out = append(out, m.Message)
		}
		st.compact()
		wake := q.wake
		hook := q.hooks.afterReceive
		q.mu.Unlock()
		if len(out) > 0 {
			if hook != nil {
				hook(name, out)
			}
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return nil, nil
		}
		if !next.IsZero() {
			wait = min(wait, time.Until(next))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-wake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (q *memQueue) find(name, receipt string) *memMsg {
	m, ok := q.receipts[receipt]
	if !ok || m.queue != name || m.deleted {
		return nil
	}
	return m
}

func (q *memQueue) Delete(ctx context.Context, name, receipt string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.find(name, receipt)
	if m == nil {
		return queue.ErrInvalidReceipt
	}
	q.calls = append(q.calls, call{op: "delete", queue: name, id: m.ID})
	q.remove(m)
	q.queues[name].compact()
	return nil
}

func (q *memQueue) ChangeVisibility(ctx context.Context, name, receipt string, d time.Duration) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.find(name, receipt)
	if m == nil {
		return queue.ErrInvalidReceipt
	}
	q.calls = append(q.calls, call{op: "visibility", queue: name, id: m.ID, timeout: d})
	m.visibleAt = time.Now().Add(d)
	q.notify()
	return nil
}

// bodies returns the bodies of every message in the queue, visible or not.
func (q *memQueue) bodies(name string) [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out [][]byte
	if st := q.queues[name]; st != nil {
		for _, m := range st.msgs[st.head:] {
			if !m.deleted {
				out = append(out, m.Body)
			}
		}
	}
	return out
}

// count returns how many messages the queue holds, visible or not.
func (q *memQueue) count(name string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if st := q.queues[name]; st != nil {
		return st.live
	}
	return 0
}

func (q *memQueue) recorded() []call {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.calls)
}

func (q *memQueue) setHooks(h memHooks) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.hooks = h
}

var _ queue.Queue = (*memQueue)(nil)
