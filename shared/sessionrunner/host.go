// Package sessionrunner runs a deployment's WhatsApp sessions: it keeps one session.Client per session connected,
// turns what WhatsApp reports into stored records and published events (before WhatsApp is acked), and executes
// the commands of the session queues (sends, pairing, logout, lookups). Standalone runs it in process; on AWS it
// is the ECS service. It depends only on ports, so it never imports whatsmeow.
package sessionrunner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
)

// Source is the event source of everything the host publishes.
const Source = "waqtor.session-host"

// Files is where media files live (the media store): incoming media are stored, outgoing media read.
type Files interface {
	Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mime string) error
	Open(ctx context.Context, tenantID, key string) (io.ReadCloser, media.Info, error)
}

// Config wires a Host.
type Config struct {
	Sessions session.Store
	Messages message.Store
	Devices  session.Devices
	Events   event.Publisher
	Queue    queue.Queue
	Files    Files
	Log      *slog.Logger
	Now      func() time.Time
	// SendTimeout bounds one WhatsApp send (default 75 s, whatsmeow's own).
	SendTimeout time.Duration
	// StatsEvery is how often session.stats is published for sessions whose counters moved (default 1 min).
	StatsEvery time.Duration
	// SweepAfter re-enqueues outgoing messages still pending after this long (default 2 min), in case the API
	// crashed between storing a message and enqueueing its send.
	SweepAfter time.Duration
	// Leases, when set, makes the host run a session only while it holds the session's lease (see lease.go):
	// the AWS runtime, where two hosts may run at once. HostID is this host's identity as a lease holder, unique
	// per process; LeaseTTL the lease's time to live (default DefaultLeaseTTL).
	Leases   session.LeaseStore
	HostID   string
	LeaseTTL time.Duration
	// Notifier tells a tenant's users when one of its sessions cannot reach WhatsApp (once per outage); nil
	// notifies nobody.
	Notifier notification.Notifier
	// RetryMin and RetryMax bound the host's backoff when a start cannot reach WhatsApp (default 2 s, doubling up
	// to 1 min). A connected session that loses WhatsApp is retried by whatsmeow itself (2 s more per attempt, at
	// most 1 min apart).
	RetryMin, RetryMax time.Duration
}

// Host runs sessions. Create it with New, then Run it; the queue handlers HandleSend and HandleControl are
// registered with the runtime's queue consumer.
type Host struct {
	cfg Config
	log *slog.Logger

	mu   sync.Mutex
	ctx  context.Context // the host's lifetime: every client's connection context derives from it
	live map[string]*live
	// waiting: sessions to run whose leases other hosts hold (Leases only).
	waiting map[string]waitingFor
	// begun: Run has tried to start every stored session (until then the host is on Standby).
	begun bool
	// outages are the sessions that cannot reach WhatsApp, by session ID.
	outages map[string]*outage
}

// live is one running session.
type live struct {
	tenantID, id string
	client       session.Client
	cancel       context.CancelFunc // ends the connection (and a login in progress)
	status       session.Status
	lease        *lease // nil without Config.Leases
	// pairing: a login is in progress. Its client reports Ready before the login reports the account (Paired),
	// so Ready is held until then and recorded with the account: no one sees a ready session without it.
	pairing    bool
	sent, recv int64
	reported   [2]int64 // the counters last published as session.stats
}

// New checks the wiring and returns a Host.
func New(cfg Config) (*Host, error) {
	switch {
	case cfg.Sessions == nil, cfg.Messages == nil, cfg.Devices == nil, cfg.Events == nil, cfg.Queue == nil, cfg.Files == nil:
		return nil, errors.New("sessionrunner: Sessions, Messages, Devices, Events, Queue and Files are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 75 * time.Second
	}
	if cfg.StatsEvery <= 0 {
		cfg.StatsEvery = time.Minute
	}
	if cfg.SweepAfter <= 0 {
		cfg.SweepAfter = 2 * time.Minute
	}
	if cfg.Leases != nil && cfg.HostID == "" {
		return nil, errors.New("sessionrunner: a HostID is required with Leases")
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 2 * time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(time.Minute, cfg.RetryMin)
	}
	return &Host{cfg: cfg, log: cfg.Log, live: map[string]*live{}, waiting: map[string]waitingFor{},
		outages: map[string]*outage{}}, nil
}

// Run starts every stored session that should run, then publishes stats and sweeps stuck sends until ctx ends;
// then it disconnects every client (their sessions keep their status, so the next start resumes them) and, with
// Leases, releases their leases. With Leases it also renews the leases it holds and waits for the others.
func (h *Host) Run(ctx context.Context) error {
	h.mu.Lock()
	h.ctx = ctx
	h.mu.Unlock()
	leaseDone := make(chan struct{})
	if h.leased() {
		go func() {
			defer close(leaseDone)
			h.leaseLoop(ctx)
		}()
	} else {
		close(leaseDone)
	}
	all, err := h.cfg.Sessions.ListAll(ctx)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	for _, s := range all {
		if !resumes(s) {
			continue
		}
		start := func() error { return h.start(ctx, s) }
		if h.leased() {
			start = func() error { return h.resume(ctx, s.TenantID, s.ID) }
		}
		if err := start(); err != nil && !errors.Is(err, session.ErrLeaseHeld) {
			h.log.WarnContext(ctx, "session did not start", "tenant_id", s.TenantID, "session_id", s.ID, "error", err)
		}
	}
	h.mu.Lock()
	h.begun = true
	h.mu.Unlock()
	tick := time.NewTicker(min(h.cfg.StatsEvery, h.cfg.SweepAfter/2))
	defer tick.Stop()
	lastStats := h.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			<-leaseDone // it starts waiting sessions: not any more once stopAll runs
			h.stopAll()
			return nil
		case <-tick.C:
			if h.cfg.Now().Sub(lastStats) >= h.cfg.StatsEvery {
				lastStats = h.cfg.Now()
				h.publishStats(ctx)
			}
			h.sweep(ctx)
		}
	}
}

// resumes reports whether a stored session runs when the host starts: everything but the statuses someone must
// act on first.
func resumes(s session.Session) bool {
	switch s.Status {
	case session.LoggedOut, session.Replaced, session.Outdated, session.Stopped:
		return false
	case session.Banned:
		return s.Until == nil || !s.Until.After(time.Now())
	}
	return true
}

func (h *Host) hostCtx() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil {
		return context.Background()
	}
	return h.ctx
}

func (h *Host) get(id string) *live {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.live[id]
}

// Live reports the status of a running session's client ("" when the host does not run it).
func (h *Host) Live(id string) session.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	if l := h.live[id]; l != nil {
		return l.status
	}
	return ""
}

func (h *Host) stopAll() {
	h.mu.Lock()
	all := make([]*live, 0, len(h.live))
	for _, l := range h.live {
		all = append(all, l)
	}
	h.live = map[string]*live{}
	for id, o := range h.outages {
		if o.timer != nil {
			o.timer.Stop()
		}
		delete(h.outages, id)
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range all {
		wg.Go(func() { h.end(l) })
	}
	wg.Wait()
}

// stop ends a running session's client and releases its lease (no status change is recorded here).
func (h *Host) stop(id string) *live {
	h.mu.Lock()
	l := h.live[id]
	delete(h.live, id)
	h.mu.Unlock()
	if l != nil {
		h.end(l)
	}
	return l
}
