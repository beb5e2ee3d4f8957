package httpapi_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/httpapi"
)

// TestLoginLockout is issue 8 item 5 over HTTP: 40 wrong passwords from 40 addresses (so the per-address limiter
// never triggers), then the right one: 429 account_locked with Retry-After while the lock holds, 200 after it.
// An address without an account answers the same way.
func TestLoginLockout(t *testing.T) {
	e := newEnv(t, httpapi.Config{TrustProxy: true})
	from := func(i int) string { return "X-Forwarded-For: 198.51.100." + strconv.Itoa(i) }
	login := func(email, pw string, i int) resp {
		return e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": email, "password": pw}, from(i))
	}
	for _, email := range []string{e.email, "nobody@a.example"} {
		t.Run(email, func(t *testing.T) {
			for i := 1; i <= 40; i++ {
				r := login(email, fmt.Sprintf("guess-number-%d", i), i)
				if i < 5 {
					want(t, r, 401, "unauthorized")
					continue
				}
				want(t, r, 429, "account_locked")
				if got := r.header.Get("Retry-After"); got != "30" {
					t.Fatalf("attempt %d: Retry-After %q, want 30", i, got)
				}
			}
			r := login(email, e.password, 41)
			want(t, r, 429, "account_locked")
			e.clock.Add(29 * time.Second)
			want(t, login(email, e.password, 42), 429, "account_locked")
			e.clock.Add(time.Second)
			if email == e.email {
				want(t, login(email, e.password, 43), 200, "")
			} else {
				// No password is right for it: the failure after a lock locks again, for twice as long.
				r := login(email, e.password, 43)
				want(t, r, 429, "account_locked")
				if got := r.header.Get("Retry-After"); got != "60" {
					t.Fatalf("second lock: Retry-After %q, want 60", got)
				}
			}
		})
	}
}
