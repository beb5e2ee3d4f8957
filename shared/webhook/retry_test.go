package webhook_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/webhook"
)

func fixed(f float64) func() float64 { return func() float64 { return f } }

func answer(code int, header ...string) webhook.Response {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return webhook.Response{StatusCode: code, Header: h}
}

func TestDecideOutcomes(t *testing.T) {
	now := time.Date(2025, 10, 30, 12, 0, 0, 0, time.UTC)
	def := webhook.Policy{}.WithDefaults()
	long := webhook.Policy{Schedule: webhook.ScheduleLong}.WithDefaults()
	lenient := webhook.Policy{RetryClientErrors: true}.WithDefaults()
	noAnswer := webhook.Response{Err: errors.New("dial tcp 93.184.215.14:443: connect: connection refused")}
	for _, tc := range []struct {
		name    string
		p       webhook.Policy
		attempt int
		r       webhook.Response
		want    webhook.Outcome
		delay   time.Duration
		reason  string
	}{
		{"200", def, 1, answer(200), webhook.Success, 0, "HTTP 200"},
		{"204 on the last attempt", def, 3, answer(204), webhook.Success, 0, "HTTP 204"},
		{"299", def, 1, answer(299), webhook.Success, 0, "HTTP 299"},
		{"500 first", def, 1, answer(500), webhook.Retry, time.Second, "HTTP 500"},
		{"503 second", def, 2, answer(503), webhook.Retry, 2 * time.Second, "HTTP 503"},
		{"502 last", def, 3, answer(502), webhook.Fail, 0, "HTTP 502; gave up after 3 attempts"},
		{"408", def, 1, answer(408), webhook.Retry, time.Second, "HTTP 408"},
		{"429", def, 1, answer(429), webhook.Retry, time.Second, "HTTP 429"},
		{"no answer", def, 1, noAnswer, webhook.Retry, time.Second, "no answer: dial tcp"},
		{"no answer, last", def, 3, noAnswer, webhook.Fail, 0, "gave up after 3 attempts"},
		{"400", def, 1, answer(400), webhook.Fail, 0, "HTTP 400 (client errors are not retried)"},
		{"401", def, 1, answer(401), webhook.Fail, 0, "HTTP 401"},
		{"404", def, 1, answer(404), webhook.Fail, 0, "HTTP 404"},
		{"422", def, 1, answer(422), webhook.Fail, 0, "HTTP 422"},
		{"301", def, 1, answer(301), webhook.Fail, 0, "HTTP 301 (redirects are not followed)"},
		{"307", def, 1, answer(307), webhook.Fail, 0, "redirects are not followed"},
		{"410", def, 1, answer(410), webhook.Gone, 0, "HTTP 410"},
		{"410 lenient", lenient, 1, answer(410), webhook.Gone, 0, "HTTP 410"},
		{"410 last", def, 3, answer(410), webhook.Gone, 0, "HTTP 410"},
		{"404 lenient", lenient, 1, answer(404), webhook.Retry, time.Second, "HTTP 404"},
		{"302 lenient", lenient, 2, answer(302), webhook.Retry, 2 * time.Second, "HTTP 302"},
		{"404 lenient last", lenient, 3, answer(404), webhook.Fail, 0, "gave up after 3 attempts"},
		{"600", def, 1, answer(600), webhook.Retry, time.Second, "unexpected answer 600"},
		{"long 1", long, 1, answer(500), webhook.Retry, 5 * time.Second, "HTTP 500"},
		{"long 2", long, 2, answer(500), webhook.Retry, 5 * time.Minute, ""},
		{"long 3", long, 3, answer(500), webhook.Retry, 30 * time.Minute, ""},
		{"long 4", long, 4, answer(500), webhook.Retry, 2 * time.Hour, ""},
		{"long 5", long, 5, answer(500), webhook.Retry, 5 * time.Hour, ""},
		{"long 6", long, 6, answer(500), webhook.Retry, 10 * time.Hour, ""},
		{"long 7", long, 7, answer(500), webhook.Retry, 10 * time.Hour, ""},
		{"long 8", long, 8, answer(500), webhook.Fail, 0, "gave up after 8 attempts"},
		{"unknown schedule uses default", webhook.Policy{Schedule: "weekly"}, 2, answer(500), webhook.Retry, 2 * time.Second, ""},
		{"attempt 0 counts as 1", def, 0, answer(500), webhook.Retry, time.Second, ""},
		// Retry-After
		{"Retry-After seconds longer", def, 1, answer(429, "Retry-After", "120"), webhook.Retry, 2 * time.Minute, "HTTP 429"},
		{"Retry-After seconds shorter", long, 3, answer(503, "Retry-After", "60"), webhook.Retry, 30 * time.Minute, ""},
		{"Retry-After date", def, 1, answer(503, "Retry-After", "Thu, 30 Oct 2025 13:00:00 GMT"), webhook.Retry, time.Hour, ""},
		{"Retry-After past date", def, 1, answer(503, "Retry-After", "Thu, 30 Oct 2025 11:00:00 GMT"), webhook.Retry, time.Second, ""},
		{"Retry-After capped", def, 1, answer(429, "Retry-After", "999999"), webhook.Retry, 24 * time.Hour, ""},
		{"Retry-After huge", def, 1, answer(429, "Retry-After", "99999999999999999999999"), webhook.Retry, 24 * time.Hour, ""},
		{"Retry-After date capped", def, 1, answer(429, "Retry-After", "Sat, 01 Nov 2025 12:00:00 GMT"), webhook.Retry, 24 * time.Hour, ""},
		{"Retry-After garbage", def, 1, answer(429, "Retry-After", "soon"), webhook.Retry, time.Second, ""},
		{"Retry-After negative", def, 1, answer(429, "Retry-After", "-5"), webhook.Retry, time.Second, ""},
		{"Retry-After on the last attempt", def, 3, answer(429, "Retry-After", "5"), webhook.Fail, 0, "gave up"},
		{"Retry-After on a 404", def, 1, answer(404, "Retry-After", "5"), webhook.Fail, 0, "HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.p.Decide(tc.attempt, tc.r, now, fixed(0.5)) // 0.5: no jitter
			if d.Outcome != tc.want || d.Delay != tc.delay || !strings.Contains(d.Reason, tc.reason) {
				t.Errorf("Decide = {%v %v %q}; want {%v %v ~%q}", d.Outcome, d.Delay, d.Reason, tc.want, tc.delay, tc.reason)
			}
		})
	}
}

func TestDecideJitter(t *testing.T) {
	now := time.Now()
	long := webhook.Policy{Schedule: webhook.ScheduleLong}
	for _, tc := range []struct {
		rnd  float64
		want time.Duration
	}{
		{0, 4 * time.Minute}, // 5 min - 20%
		{0.25, 4*time.Minute + 30*time.Second},
		{0.5, 5 * time.Minute},
		{1, 6 * time.Minute}, // + 20%
		{-3, 4 * time.Minute},
		{7, 6 * time.Minute},
	} {
		if d := long.Decide(2, answer(500), now, fixed(tc.rnd)); d.Delay != tc.want {
			t.Errorf("rnd %v: delay %v, want %v", tc.rnd, d.Delay, tc.want)
		}
	}
	// With math/rand, delays stay within ±20% and vary.
	seen := map[time.Duration]bool{}
	for range 200 {
		d := long.Decide(4, answer(503), now, nil)
		if d.Delay < 96*time.Minute || d.Delay > 144*time.Minute {
			t.Fatalf("delay %v outside 2 h ± 20%%", d.Delay)
		}
		seen[d.Delay] = true
	}
	if len(seen) < 50 {
		t.Errorf("only %d distinct delays in 200 decisions", len(seen))
	}
}

func TestPolicySchedules(t *testing.T) {
	if n := (webhook.Policy{}).WithDefaults().MaxAttempts(); n != 3 {
		t.Errorf("default attempts %d, want 3", n)
	}
	if n := (webhook.Policy{Schedule: "long"}).MaxAttempts(); n != 8 {
		t.Errorf("long attempts %d, want 8", n)
	}
	var total time.Duration
	p := webhook.Policy{Schedule: "long"}
	for a := 1; a < p.MaxAttempts(); a++ {
		total += p.Decide(a, answer(500), time.Now(), fixed(0.5)).Delay
	}
	if want := 27*time.Hour + 35*time.Minute + 5*time.Second; total != want {
		t.Errorf("long schedule spans %v, want %v", total, want)
	}
	if got := (webhook.Policy{TimeoutMS: 2500}).Timeout(); got != 2500*time.Millisecond {
		t.Errorf("Timeout() = %v", got)
	}
	if got := (webhook.Policy{}).Timeout(); got != 10*time.Second {
		t.Errorf("default Timeout() = %v", got)
	}
}

func TestPolicyWithDefaults(t *testing.T) {
	want := webhook.Policy{Schedule: "default", TimeoutMS: 10000, MaxConcurrency: 4, DisableAfterHours: 120}
	if got := (webhook.Policy{}).WithDefaults(); got != want {
		t.Errorf("zero policy: %+v, want %+v", got, want)
	}
	got := webhook.Policy{Schedule: "long", RetryClientErrors: true}.WithDefaults()
	if want := (webhook.Policy{Schedule: "long", TimeoutMS: 10000, MaxConcurrency: 4, RetryClientErrors: true}); got != want {
		t.Errorf("partial policy: %+v, want %+v (disableAfterHours 0 means never)", got, want)
	}
	set := webhook.Policy{Schedule: "long", TimeoutMS: 3000, MaxConcurrency: 9, DisableAfterHours: 48}
	if got := set.WithDefaults(); got != set {
		t.Errorf("set policy changed: %+v", got)
	}
	if err := (webhook.Policy{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		p      webhook.Policy
		fields []string
	}{
		{webhook.Policy{Schedule: "long", TimeoutMS: 1000, MaxConcurrency: 1, DisableAfterHours: 0}, nil},
		{webhook.Policy{Schedule: "default", TimeoutMS: 30000, MaxConcurrency: 50, DisableAfterHours: 720}, nil},
		{webhook.Policy{}, []string{"retry.schedule", "retry.timeoutMs", "retry.maxConcurrency"}},
		{webhook.Policy{Schedule: "hourly", TimeoutMS: 999, MaxConcurrency: 51, DisableAfterHours: 721},
			[]string{"retry.schedule", "retry.timeoutMs", "retry.maxConcurrency", "retry.disableAfterHours"}},
		{webhook.Policy{Schedule: "default", TimeoutMS: 30001, MaxConcurrency: 4, DisableAfterHours: -1},
			[]string{"retry.timeoutMs", "retry.disableAfterHours"}},
	} {
		err := tc.p.Validate()
		if tc.fields == nil {
			if err != nil {
				t.Errorf("Validate(%+v) = %v", tc.p, err)
			}
			continue
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Validation {
			t.Fatalf("Validate(%+v) = %v; want a validation error", tc.p, err)
		}
		var got []string
		for _, f := range ae.Details.(map[string]any)["fields"].([]apperr.FieldError) {
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("Validate(%+v) fields %v, want %v (%v)", tc.p, got, tc.fields, err)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[webhook.Outcome]string{webhook.Success: "success", webhook.Retry: "retry",
		webhook.Fail: "fail", webhook.Gone: "gone", 0: "outcome(0)"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(o), o.String(), want)
		}
	}
}
