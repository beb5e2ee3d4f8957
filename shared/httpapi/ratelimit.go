package httpapi

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// limiter is a set of token buckets, one per key (API key, user, or client address). Buckets idle long enough to
// be full again are dropped. It is per process: on Lambda each instance has its own, and API Gateway's stage
// throttling bounds the total.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: perSecond, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket if it has one.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(key, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	l.sweep(now)
	return true
}

func (l *limiter) refill(key string, now time.Time) *bucket {
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

// retryAfter is how long until key's bucket holds a token.
func (l *limiter) retryAfter(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(key, l.now())
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	if now.Sub(l.swept) < full || len(l.buckets) < 1024 {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}

// rateLimited is the 429 error, with the wait in details; the route wrapper sets Retry-After from it.
func (s *Server) rateLimited(key string, l *limiter) error {
	wait := l.retryAfter(key)
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &apperr.Error{Code: apperr.RateLimited, Message: "too many requests; retry after " + strconv.Itoa(secs) + " s",
		Details: map[string]any{"retryAfterSeconds": secs}}
}
