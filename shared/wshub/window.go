package wshub

import (
	"time"

	"github.com/waqtor/waqtor/shared/realtime"
)

// window is one tenant's recent frames, oldest first, bounded by count and age: what a resuming client can get.
// It also drops a redelivered event (same ID) while the event is still in it.
type window struct {
	max    int
	maxAge time.Duration
	items  []stamped // ring buffer of len max
	start  int       // index of the oldest
	n      int
	seq    uint64            // sequence of the next item
	index  map[string]uint64 // event ID → sequence
}

type stamped struct {
	realtime.Item
	seq uint64
	at  time.Time
}

func newWindow(max int, maxAge time.Duration) *window {
	return &window{max: max, maxAge: maxAge, items: make([]stamped, max), index: map[string]uint64{}}
}

func (w *window) at(i int) *stamped { return &w.items[(w.start+i)%w.max] }

// expire drops the items older than maxAge.
func (w *window) expire(now time.Time) {
	for w.n > 0 && now.Sub(w.at(0).at) > w.maxAge {
		w.dropOldest()
	}
}

func (w *window) dropOldest() {
	old := w.at(0)
	delete(w.index, old.ID)
	*old = stamped{}
	w.start = (w.start + 1) % w.max
	w.n--
}

// add appends it; false when an item with its ID is already in the window (a redelivered event).
func (w *window) add(it realtime.Item, now time.Time) bool {
	w.expire(now)
	if _, dup := w.index[it.ID]; dup {
		return false
	}
	if w.n == w.max {
		w.dropOldest()
	}
	*w.at(w.n) = stamped{Item: it, seq: w.seq, at: now}
	w.index[it.ID] = w.seq
	w.seq++
	w.n++
	return true
}

// after returns the items after the one with ID lastID, oldest first; ok is false when lastID is not in the window
// (too old, evicted, or never seen by this process): the client must resync.
func (w *window) after(lastID string, now time.Time) (items []realtime.Item, ok bool) {
	w.expire(now)
	seq, found := w.index[lastID]
	if !found {
		return nil, false
	}
	first := w.at(0).seq
	for i := int(seq-first) + 1; i < w.n; i++ {
		items = append(items, w.at(i).Item)
	}
	return items, true
}
