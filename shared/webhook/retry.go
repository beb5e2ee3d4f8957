package webhook

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/egress"
)

// Retry schedule names (Policy.Schedule).
const (
	// ScheduleDefault is the seed's: 3 attempts, the retries 1 s and 2 s apart (WEBHOOK_RETRY_ATTEMPTS=3,
	// WEBHOOK_RETRY_DELAY=1000 doubling).
	ScheduleDefault = "default"
	// ScheduleLong is 8 attempts over about 28 hours, for receivers that may be down for a while.
	ScheduleLong = "long"
)

// schedules holds, per schedule, the delay before each attempt; the first attempt is immediate.
var schedules = map[string][]time.Duration{
	ScheduleDefault: {0, time.Second, 2 * time.Second},
	ScheduleLong: {0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
		10 * time.Hour, 10 * time.Hour},
}

// Policy defaults and bounds.
const (
	DefaultTimeoutMS      = 10000
	DefaultMaxConcurrency = 4
	// MaxConcurrencyLimit is the highest MaxConcurrency a policy may set.
	MaxConcurrencyLimit      = egress.MaxIdleConnsPerHost
	DefaultDisableAfterHours = 120
	// MaxRetryAfter caps the wait a receiver can ask for with Retry-After.
	MaxRetryAfter = 24 * time.Hour
	// jitter spreads each scheduled delay by up to ±20% so retries to one receiver do not arrive in lockstep.
	jitter = 0.2
)

// Outcome is what to do with a delivery after an attempt.
type Outcome int

const (
	// Success: a 2xx answer; the delivery is delivered.
	Success Outcome = iota + 1
	// Retry: try again after Decision.Delay.
	Retry
	// Fail: not retryable, or no attempt left; the delivery goes to the failed (dead-letter) list.
	Fail
	// Gone: the receiver answered 410; the delivery fails and the endpoint is disabled (reason "gone").
	Gone
)

func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Retry:
		return "retry"
	case Fail:
		return "fail"
	case Gone:
		return "gone"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Decision is the verdict on one attempt.
type Decision struct {
	Outcome Outcome
	// Delay is how long to wait before the next attempt (Retry only).
	Delay time.Duration
	// Reason says why, for the delivery log ("HTTP 503", "no answer: ...", "HTTP 404 (client errors are not
	// retried)").
	Reason string
}

// WithDefaults fills unset fields: schedule "default", 10000 ms timeout, 4 requests in flight. A Policy left
// entirely unset (the endpoint did not send "retry") also gets DisableAfterHours 120; otherwise 0 keeps its
// meaning, never disable.
func (p Policy) WithDefaults() Policy {
	unset := p == Policy{}
	if p.Schedule == "" {
		p.Schedule = ScheduleDefault
	}
	if p.TimeoutMS == 0 {
		p.TimeoutMS = DefaultTimeoutMS
	}
	if p.MaxConcurrency == 0 {
		p.MaxConcurrency = DefaultMaxConcurrency
	}
	if unset {
		p.DisableAfterHours = DefaultDisableAfterHours
	}
	return p
}

// Validate reports every invalid field at once as an *apperr.Error (validation_failed) whose fields are named
// as in the API ("retry.timeoutMs").
func (p Policy) Validate() error {
	var f apperr.Fields
	if _, ok := schedules[p.Schedule]; !ok {
		f.Add("retry.schedule", "must be %q or %q, not %q", ScheduleDefault, ScheduleLong, p.Schedule)
	}
	if p.TimeoutMS < 1000 || p.TimeoutMS > 30000 {
		f.Add("retry.timeoutMs", "must be from 1000 to 30000 (milliseconds), not %d", p.TimeoutMS)
	}
	if p.MaxConcurrency < 1 || p.MaxConcurrency > MaxConcurrencyLimit {
		f.Add("retry.maxConcurrency", "must be from 1 to %d, not %d", MaxConcurrencyLimit, p.MaxConcurrency)
	}
	if p.DisableAfterHours < 0 || p.DisableAfterHours > 720 {
		f.Add("retry.disableAfterHours", "must be from 0 (never) to 720, not %d", p.DisableAfterHours)
	}
	return f.Err()
}

// delays returns the policy's schedule; an unknown name gets the default schedule.
func (p Policy) delays() []time.Duration {
	if d, ok := schedules[p.Schedule]; ok {
		return d
	}
	return schedules[ScheduleDefault]
}

// MaxAttempts is how many attempts the policy's schedule makes (3 for "default", 8 for "long").
func (p Policy) MaxAttempts() int { return len(p.delays()) }

// Timeout is the per-request timeout (TimeoutMS, or the default when unset).
func (p Policy) Timeout() time.Duration {
	if p.TimeoutMS <= 0 {
		return DefaultTimeoutMS * time.Millisecond
	}
	return time.Duration(p.TimeoutMS) * time.Millisecond
}

// Decide judges attempt number attempt (1 for the first) that got r at now:
//   - 2xx: Success.
//   - 410: Gone, whatever attempts are left.
//   - 408, 429, 5xx and no answer at all (r.Err): Retry.
//   - other 4xx and 3xx (redirects are not followed): Fail, unless RetryClientErrors.
//   - a retryable answer with no attempt left: Fail.
//
// A retry waits the schedule's next delay ±20% jitter (rnd returns [0,1); nil uses math/rand), or longer if the
// answer's Retry-After (seconds or an HTTP date) asks for longer, at most MaxRetryAfter.
func (p Policy) Decide(attempt int, r Response, now time.Time, rnd func() float64) Decision {
	code := r.StatusCode
	var reason string
	retryable := true
	switch {
	case r.Err != nil:
		reason = "no answer: " + r.Err.Error()
	case code >= 200 && code < 300:
		return Decision{Outcome: Success, Reason: fmt.Sprintf("HTTP %d", code)}
	case code == http.StatusGone:
		return Decision{Outcome: Gone, Reason: "HTTP 410: the receiver asked for no more deliveries; endpoint disabled"}
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests, code >= 500 && code < 600:
		reason = fmt.Sprintf("HTTP %d", code)
	case code >= 300 && code < 400:
		reason, retryable = fmt.Sprintf("HTTP %d (redirects are not followed)", code), p.RetryClientErrors
	case code >= 400 && code < 500:
		reason, retryable = fmt.Sprintf("HTTP %d", code), p.RetryClientErrors
		if !retryable {
			reason += " (client errors are not retried)"
		}
	default:
		reason = fmt.Sprintf("unexpected answer %d", code)
	}
	if !retryable {
		return Decision{Outcome: Fail, Reason: reason}
	}
	delays := p.delays()
	if attempt < 1 {
		attempt = 1
	}
	if attempt >= len(delays) {
		return Decision{Outcome: Fail, Reason: fmt.Sprintf("%s; gave up after %d attempts", reason, attempt)}
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	f := min(max(rnd(), 0), 1)
	delay := time.Duration(float64(delays[attempt]) * (1 - jitter + 2*jitter*f))
	if r.Err == nil {
		if ra, ok := retryAfter(r.Header, now); ok && ra > delay {
			delay = ra
		}
	}
	return Decision{Outcome: Retry, Delay: min(max(delay, 0), MaxRetryAfter), Reason: reason}
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true // too many digits for an int64 is still "a long time"
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
