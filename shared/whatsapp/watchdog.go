package whatsapp

import (
	"fmt"
	"sync"
	"time"
)

// watchdog restarts a connection that looks connected but is dead: keepalive pings failing for longer than
// keepalive (checked whenever whatsmeow reports another failed ping), or maxSends consecutive sends timing out.
// whatsmeow itself only gives up after whatsmeow.KeepAliveMaxFailTime (3 min) and never for send timeouts.
type watchdog struct {
	keepalive time.Duration
	maxSends  int
	restart   func(reason string)
	now       func() time.Time

	mu           sync.Mutex
	failingSince time.Time
	sendFailures int
}

func newWatchdog(keepalive time.Duration, maxSends int, restart func(string)) *watchdog {
	return &watchdog{keepalive: keepalive, maxSends: maxSends, restart: restart, now: time.Now}
}

// reset forgets past failures: a new connection starts clean.
func (w *watchdog) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failingSince, w.sendFailures = time.Time{}, 0
}

// keepaliveFailed records a failed ping; lastSuccess is when one last got an answer.
func (w *watchdog) keepaliveFailed(lastSuccess time.Time) {
	w.mu.Lock()
	if w.failingSince.IsZero() {
		w.failingSince = lastSuccess
		if w.failingSince.IsZero() {
			w.failingSince = w.now()
		}
	}
	failing := w.now().Sub(w.failingSince)
	fire := failing > w.keepalive
	if fire {
		w.failingSince = time.Time{}
	}
	w.mu.Unlock()
	if fire {
		w.restart(fmt.Sprintf("watchdog: keepalives failing for %s", failing.Round(time.Millisecond)))
	}
}

// keepaliveOK records an answered ping.
func (w *watchdog) keepaliveOK() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failingSince = time.Time{}
}

// sendDone records a send's outcome: timedOut, or not (any other result proves the connection alive).
func (w *watchdog) sendDone(timedOut bool) {
	w.mu.Lock()
	if !timedOut {
		w.sendFailures = 0
		w.mu.Unlock()
		return
	}
	w.sendFailures++
	n := w.sendFailures
	fire := n >= w.maxSends
	if fire {
		w.sendFailures = 0
	}
	w.mu.Unlock()
	if fire {
		w.restart(fmt.Sprintf("watchdog: %d sends in a row timed out", n))
	}
}
