package webhook

import (
	"context"
	"sync"
)

// Limiter bounds the deliveries in flight to one endpoint (Policy.MaxConcurrency), so a burst of events cannot
// open hundreds of connections to a tenant's server at once. The deliverer acquires a slot before it claims a
// delivery and releases it when the attempt is recorded; a delivery that finds no free slot comes back shortly.
type Limiter interface {
	// Acquire takes one of limit slots of key (a webhook ID) and returns the function that frees it, or ok false
	// when all are taken. It does not wait.
	Acquire(ctx context.Context, key string, limit int) (release func(), ok bool, err error)
}

// Semaphores is the in-process Limiter: one counter per key. Standalone it is exact, since one process delivers
// everything. On AWS each invocation of the deliverer has its own (a batch is at most 10 records), so the limit
// holds per invocation and the event source mapping's maximum concurrency bounds the invocations: best effort,
// with no table writes on the delivery path.
type Semaphores struct {
	mu     sync.Mutex
	counts map[string]int
}

var _ Limiter = (*Semaphores)(nil)

// NewSemaphores returns an empty in-process limiter.
func NewSemaphores() *Semaphores { return &Semaphores{counts: map[string]int{}} }

// Acquire implements Limiter. A max below 1 counts as 1.
func (s *Semaphores) Acquire(_ context.Context, key string, limit int) (func(), bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts[key] >= max(limit, 1) {
		return nil, false, nil
	}
	s.counts[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.counts[key]--; s.counts[key] <= 0 {
				delete(s.counts, key)
			}
		})
	}, true, nil
}

// InFlight is how many slots of key are taken.
func (s *Semaphores) InFlight(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[key]
}
