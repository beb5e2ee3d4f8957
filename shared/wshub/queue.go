package wshub

import (
	"container/list"
	"sync"
)

// sendQueue is a connection's bounded queue of encoded frames. A frame with a coalesce key replaces the pending
// frame with the same key: the old one is removed and the new one appended, so frames still leave in publish order
// (what resumption by last ID relies on) and a burst of progress updates takes one slot.
type sendQueue struct {
	mu     sync.Mutex
	frames *list.List // of queued
	keys   map[string]*list.Element
	max    int
	ready  chan struct{} // signalled when frames are added
}

type queued struct {
	frame []byte
	key   string
}

func newSendQueue(max int) *sendQueue {
	return &sendQueue{frames: list.New(), keys: map[string]*list.Element{}, max: max, ready: make(chan struct{}, 1)}
}

// push adds a frame; false when the queue is full (the connection is too slow).
func (q *sendQueue) push(frame []byte, key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if key != "" {
		if e, ok := q.keys[key]; ok {
			q.frames.Remove(e)
			delete(q.keys, key)
		}
	}
	if q.frames.Len() >= q.max {
		return false
	}
	e := q.frames.PushBack(queued{frame: frame, key: key})
	if key != "" {
		q.keys[key] = e
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// take removes and returns every pending frame.
func (q *sendQueue) take() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([][]byte, 0, q.frames.Len())
	for e := q.frames.Front(); e != nil; e = e.Next() {
		out = append(out, e.Value.(queued).frame)
	}
	q.frames.Init()
	clear(q.keys)
	return out
}

func (q *sendQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.frames.Len()
}
