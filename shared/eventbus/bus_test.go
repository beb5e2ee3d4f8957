package eventbus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/testkit"
)

// secret is put in every event's data; no log line may contain it.
const secret = "PII-966501234567-hello"

func envelope(t testing.TB, typ, tenant string) event.Envelope {
	t.Helper()
	e, err := event.New("waqtor.test", typ, tenant, time.Now(), map[string]string{"body": secret})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// newLogger returns a debug logger whose output is checked for event data when the test ends.
func newLogger(t *testing.T) (*slog.Logger, *testkit.Buffer) {
	buf := &testkit.Buffer{}
	t.Cleanup(func() {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logs contain event data:\n%s", buf)
		}
	})
	return slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// run starts r.Run and returns a stop function that cancels it and returns Run's error.
func run(t *testing.T, r *eventbus.Bus) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

var testRoutes = []routing.Route{
	{Name: "messages", Pattern: map[string]any{"detail-type": []any{map[string]any{"prefix": "message."}}}, Target: "q-messages"},
	{Name: "tenant-a", Pattern: map[string]any{"detail": map[string]any{"tenantId": []any{"tenant-a"}}}, Target: "q-tenant-a"},
	{Name: "audit", Pattern: map[string]any{
		"source":      []any{"waqtor.test"},
		"detail-type": []any{map[string]any{"prefix": "apikey."}, map[string]any{"prefix": "user."}},
	}, Target: "q-audit"},
	{Name: "never", Pattern: map[string]any{"source": []any{"waqtor.nothing"}}, Target: "q-never"},
}

func testQueue() *memQueue {
	var s []queue.Spec
	for _, r := range testRoutes {
		s = append(s, specs(r.Target, 0)...)
	}
	return newMemQueue(s...)
}

func ids(t *testing.T, bodies [][]byte) []string {
	t.Helper()
	var out []string
	for _, b := range bodies {
		var e event.BusEvent
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("body is not a BusEvent: %v", err)
		}
		out = append(out, e.Detail.ID)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestPublishRoutesToMatchingTargets(t *testing.T) {
	q := testQueue()
	log, _ := newLogger(t)
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Account: "123456789012", Region: "eu-west-1", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	msgA := envelope(t, event.MessageReceived, "tenant-a")
	msgB := envelope(t, event.MessageSent, "tenant-b")
	keyA := envelope(t, event.APIKeyCreated, "tenant-a")
	userB := envelope(t, event.UserLoggedIn, "tenant-b")
	campB := envelope(t, event.CampaignCompleted, "tenant-b")
	if err := r.Publish(context.Background(), msgA, msgB, keyA, userB, campB); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"q-messages": sorted(msgA.ID, msgB.ID),
		"q-tenant-a": sorted(msgA.ID, keyA.ID),
		"q-audit":    sorted(keyA.ID, userB.ID),
		"q-never":    nil,
	}
	for target, w := range want {
		if got := ids(t, q.bodies(target)); !slices.Equal(got, w) {
			t.Errorf("%s got %v, want %v", target, got, w)
		}
	}

	// The body is the EventBridge event shape, with the configured account and region, and its pattern matches.
	body := q.bodies("q-tenant-a")[0]
	var shape map[string]any
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"} {
		if _, ok := shape[k]; !ok {
			t.Errorf("body has no %q: %s", k, body)
		}
	}
	var got event.BusEvent
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	first := msgA
	if got.Detail.ID != msgA.ID {
		first = keyA
	}
	if got.ID != first.ID || got.Source != "waqtor.test" || got.DetailType != first.Type || got.Account != "123456789012" ||
		got.Region != "eu-west-1" || got.Version != "0" || !got.Time.Equal(first.Time) {
		t.Errorf("bus event = %+v, want the envelope %s wrapped for 123456789012/eu-west-1", got, first.ID)
	}
	p := eventpattern.MustCompile(testRoutes[1].Pattern)
	if ok, err := p.Match(body); err != nil || !ok {
		t.Errorf("route pattern does not match the delivered body: %v %v", ok, err)
	}
}

func TestPublishManyEventsBatchesSends(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var evs []event.Envelope
	var want []string
	for range 23 {
		e := envelope(t, event.MessageReceived, "tenant-b")
		evs = append(evs, e)
		want = append(want, e.ID)
	}
	if err := r.Publish(context.Background(), evs...); err != nil {
		t.Fatal(err)
	}
	if got := ids(t, q.bodies("q-messages")); !slices.Equal(got, sorted(want...)) {
		t.Errorf("q-messages holds %d events, want the 23 published", len(got))
	}
}

func TestPublishRejectsInvalidEventsAndSendsNothing(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	good := envelope(t, event.MessageReceived, "tenant-a")
	badType := envelope(t, "message.unknown", "tenant-a")
	noTenant := envelope(t, event.MessageSent, "")
	huge := envelope(t, event.MessageSent, "tenant-a")
	huge.Data = json.RawMessage(`"` + strings.Repeat("x", eventbus.MaxEventSize) + `"`)

	tests := []struct {
		name   string
		events []event.Envelope
		want   []string
	}{
		{"unknown type", []event.Envelope{good, badType}, []string{"event 1", badType.ID, "not in the event catalog"}},
		{"missing tenant", []event.Envelope{noTenant, good}, []string{"event 0", "tenantId is required"}},
		{"too large", []event.Envelope{good, huge}, []string{"event 1", "too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Publish(context.Background(), tt.events...)
			if err == nil {
				t.Fatal("Publish succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, rt := range testRoutes {
				if n := q.count(rt.Target); n != 0 {
					t.Errorf("%s holds %d messages, want none", rt.Target, n)
				}
			}
		})
	}
	if !errors.Is(r.Publish(context.Background(), huge), eventbus.ErrEventTooLarge) {
		t.Error("oversized event error is not ErrEventTooLarge")
	}
	if err := r.Publish(context.Background()); err != nil {
		t.Errorf("Publish() with no events = %v, want nil", err)
	}
}

func TestPublishReportsSendFailures(t *testing.T) {
	q := testQueue()
	boom := errors.New("disk full")
	q.setHooks(memHooks{sendErr: func(name string) error {
		if name == "q-tenant-a" {
			return boom
		}
		return nil
	}})
	r, err := eventbus.New(q, testRoutes, eventbus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := envelope(t, event.MessageReceived, "tenant-a")
	err = r.Publish(context.Background(), e)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "q-tenant-a") {
		t.Fatalf("Publish error = %v, want the send error naming q-tenant-a", err)
	}
	// The other target still got it; a retry delivers again with the same ID.
	if got := ids(t, q.bodies("q-messages")); !slices.Equal(got, []string{e.ID}) {
		t.Errorf("q-messages = %v, want [%s]", got, e.ID)
	}
}

func TestNewRejectsBadRoutes(t *testing.T) {
	q := testQueue()
	_, err := eventbus.New(q, []routing.Route{
		{Name: "ok", Pattern: map[string]any{"source": []any{"x"}}, Target: "q"},
		{Name: "bad-pattern", Pattern: map[string]any{"source": "x"}, Target: "q"},
		{Name: "ok", Pattern: map[string]any{"source": []any{"y"}}, Target: "q"},
		{Name: "no-target", Pattern: map[string]any{"source": []any{"y"}}},
	}, eventbus.Options{})
	if !errors.Is(err, eventbus.ErrInvalidRoute) || !errors.Is(err, eventpattern.ErrInvalidPattern) {
		t.Fatalf("New error = %v, want ErrInvalidRoute and ErrInvalidPattern", err)
	}
	for _, w := range []string{`"bad-pattern"`, `duplicate route name "ok"`, `route "no-target" has no target`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %s", err, w)
		}
	}
	if _, err := eventbus.New(q, routing.Table, eventbus.Options{}); err != nil {
		t.Errorf("New(routing.Table) = %v", err)
	}
}

func TestHandlerSuccessDeletes(t *testing.T) {
	q := testQueue()
	log, _ := newLogger(t)
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Logger: log, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []event.BusEvent
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e)
		return nil
	})
	stop := run(t, r)
	e := envelope(t, event.MessageReceived, "tenant-b")
	if err := r.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the message to be deleted", func() bool { return q.count("q-messages") == 0 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("handler called %d times, want 1", len(got))
	}
	d := got[0].Detail
	if d.ID != e.ID || d.Type != e.Type || d.TenantID != e.TenantID || d.Source != e.Source || !d.Time.Equal(e.Time) ||
		string(d.Data) != string(e.Data) {
		t.Errorf("handler got detail %+v, want %+v", d, e)
	}
	if calls := q.recorded(); len(calls) != 1 || calls[0].op != "delete" {
		t.Errorf("queue calls = %+v, want one delete", calls)
	}
}

func TestHandlerFailureBacksOffThenDeadLetters(t *testing.T) {
	q := newMemQueue(specs("q-messages", 3)...)
	log, logs := newLogger(t)
	routes := testRoutes[:1]
	r, err := eventbus.New(q, routes, eventbus.Options{Logger: log, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		calls.Add(1)
		return fmt.Errorf("webhook endpoint returned 500")
	}, eventbus.Retry(5*time.Millisecond, 12*time.Millisecond))
	run(t, r)
	e := envelope(t, event.MessageReceived, "tenant-b")
	if err := r.Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the dead-letter queue", func() bool { return q.count("q-messages-dlq") == 1 })
	if got := calls.Load(); got != 3 {
		t.Errorf("handler called %d times, want MaxReceives = 3", got)
	}
	var backoffs []time.Duration
	for _, c := range q.recorded() {
		if c.op != "visibility" {
			t.Errorf("unexpected queue call %+v", c)
		}
		backoffs = append(backoffs, c.timeout)
	}
	if want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 12 * time.Millisecond}; !slices.Equal(backoffs, want) {
		t.Errorf("backoffs = %v, want %v (base doubling, capped at max)", backoffs, want)
	}
	if got := ids(t, q.bodies("q-messages-dlq")); !slices.Equal(got, []string{e.ID}) {
		t.Errorf("dead-letter queue = %v, want [%s]", got, e.ID)
	}
	if !strings.Contains(logs.String(), "webhook endpoint returned 500") || !strings.Contains(logs.String(), e.ID) {
		t.Errorf("failure not logged with the error and event ID:\n%s", logs)
	}
}

func TestHandlerFailureThenSuccess(t *testing.T) {
	q := newMemQueue(specs("q-messages", 5)...)
	r, err := eventbus.New(q, testRoutes[:1], eventbus.Options{Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		if calls.Add(1) == 1 {
			return errors.New("temporary")
		}
		return nil
	}, eventbus.Retry(time.Millisecond, time.Millisecond))
	run(t, r)
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the message to be deleted", func() bool { return q.count("q-messages") == 0 })
	if got := calls.Load(); got != 2 {
		t.Errorf("handler called %d times, want 2", got)
	}
	if n := q.count("q-messages-dlq"); n != 0 {
		t.Errorf("dead-letter queue holds %d, want 0", n)
	}
}

func TestHandlerPanicIsRecovered(t *testing.T) {
	q := newMemQueue(specs("q-messages", 5)...)
	log, logs := newLogger(t)
	r, err := eventbus.New(q, testRoutes[:1], eventbus.Options{Logger: log, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		if calls.Add(1) == 1 {
			panic("nil map write in handler")
		}
		return nil
	}, eventbus.Retry(time.Millisecond, time.Millisecond))
	stop := run(t, r)
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the message to be handled after the panic", func() bool { return q.count("q-messages") == 0 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("handler called %d times, want 2", got)
	}
	if !strings.Contains(logs.String(), "nil map write in handler") || !strings.Contains(logs.String(), "handler panicked") {
		t.Errorf("panic not logged:\n%s", logs)
	}
}

func TestUndecodableMessageIsRetriedNotLogged(t *testing.T) {
	q := newMemQueue(specs("q-messages", 2)...)
	log, logs := newLogger(t)
	r, err := eventbus.New(q, testRoutes[:1], eventbus.Options{Logger: log, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		calls.Add(1)
		return nil
	}, eventbus.Retry(time.Millisecond, time.Millisecond))
	run(t, r)
	if err := q.Send(context.Background(), "q-messages", queue.Outgoing{Body: []byte("not json " + secret)}); err != nil {
		t.Fatal(err)
	}
	testkit.Until(t, 5*time.Second, "the poison message to be dead-lettered", func() bool { return q.count("q-messages-dlq") == 1 })
	if calls.Load() != 0 {
		t.Error("handler was called for an undecodable message")
	}
	if !strings.Contains(logs.String(), "decode bus event") {
		t.Errorf("decode failure not logged:\n%s", logs)
	}
}

func TestConcurrency(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	var running, peak atomic.Int32
	release := make(chan struct{})
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		cur := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		<-release
		return nil
	}, eventbus.Concurrency(n))
	run(t, r)
	for range n + 2 {
		if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
			t.Fatal(err)
		}
	}
	testkit.Until(t, 5*time.Second, "3 handlers running at once", func() bool { return running.Load() == n })
	close(release)
	testkit.Until(t, 5*time.Second, "all messages handled", func() bool { return q.count("q-messages") == 0 })
	if got := peak.Load(); got != n {
		t.Errorf("peak concurrency = %d, want %d", got, n)
	}
}

func TestShutdownGivesBackUnstartedMessages(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		calls.Add(1)
		return nil
	}, eventbus.Concurrency(5))
	for range 3 {
		if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var received []string
	// Shutdown begins between receiving the batch and starting its handlers.
	q.setHooks(memHooks{afterReceive: func(name string, msgs []queue.Message) {
		for _, m := range msgs {
			received = append(received, m.ID)
		}
		cancel()
	}})
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if calls.Load() != 0 {
		t.Errorf("handler called %d times after shutdown began, want 0", calls.Load())
	}
	if len(received) != 3 {
		t.Fatalf("received %d messages, want 3 in one batch", len(received))
	}
	var given []string
	for _, c := range q.recorded() {
		if c.op != "visibility" || c.timeout != 0 {
			t.Errorf("queue call %+v, want only ChangeVisibility(0)", c)
		}
		given = append(given, c.id)
	}
	if !slices.Equal(sorted(given...), sorted(received...)) {
		t.Errorf("given back %v, want %v", given, received)
	}
	// They are visible again at once.
	q.setHooks(memHooks{})
	msgs, err := q.Receive(context.Background(), "q-messages", queue.ReceiveOptions{Max: 10})
	if err != nil || len(msgs) != 3 {
		t.Errorf("after shutdown, receive = %d messages, %v; want 3", len(msgs), err)
	}
}

func TestShutdownWaitsForInflightHandlers(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 50 * time.Millisecond, ShutdownGrace: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	proceed := make(chan struct{})
	runDone := make(chan struct{})
	var sawRunning, ctxAlive atomic.Bool
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		close(started)
		<-proceed
		select {
		case <-runDone:
		default:
			sawRunning.Store(true)
		}
		ctxAlive.Store(ctx.Err() == nil)
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	go func() {
		runErr = r.Run(ctx)
		close(runDone)
	}()
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	close(proceed)
	<-runDone
	if runErr != nil {
		t.Fatalf("Run = %v", runErr)
	}
	if !sawRunning.Load() {
		t.Error("Run returned before the in-flight handler finished")
	}
	if !ctxAlive.Load() {
		t.Error("handler context was cancelled within the grace period")
	}
	if n := q.count("q-messages"); n != 0 {
		t.Errorf("in-flight message not deleted after its handler succeeded during shutdown (%d left)", n)
	}
}

func TestShutdownGraceExceeded(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 50 * time.Millisecond, ShutdownGrace: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	r.Handle("q-messages", func(ctx context.Context, e event.BusEvent) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}, eventbus.Retry(time.Hour, time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	if err := <-done; !errors.Is(err, eventbus.ErrShutdownTimeout) {
		t.Fatalf("Run = %v, want ErrShutdownTimeout", err)
	}
	// The cancelled handler failed: its message stays, to come back after the backoff.
	calls := q.recorded()
	if len(calls) != 1 || calls[0].op != "visibility" || calls[0].timeout != time.Hour {
		t.Errorf("queue calls = %+v, want one ChangeVisibility(1h)", calls)
	}
	if n := q.count("q-messages"); n != 1 {
		t.Errorf("queue holds %d messages, want 1", n)
	}
}

func TestRunAndHandleMisuse(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(context.Background()); !errors.Is(err, eventbus.ErrNoConsumers) {
		t.Errorf("Run without consumers = %v, want ErrNoConsumers", err)
	}
	started := make(chan struct{})
	var once sync.Once
	h := func(ctx context.Context, e event.BusEvent) error {
		once.Do(func() { close(started) })
		return nil
	}
	r.Handle("q-messages", h)
	mustPanic(t, "duplicate Handle", func() { r.Handle("q-messages", h) })
	mustPanic(t, "nil handler", func() { r.Handle("q-audit", nil) })
	mustPanic(t, "empty target", func() { r.Handle("", h) })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	if err := r.Publish(context.Background(), envelope(t, event.MessageReceived, "t")); err != nil {
		t.Fatal(err)
	}
	<-started // Run is running: it handed the event to the handler.
	if err := r.Run(ctx); !errors.Is(err, eventbus.ErrRunning) {
		t.Errorf("second Run = %v, want ErrRunning", err)
	}
	mustPanic(t, "Handle while running", func() { r.Handle("q-audit", h) })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	f()
}

func TestRunStopsOnUnknownQueue(t *testing.T) {
	q := testQueue()
	r, err := eventbus.New(q, testRoutes, eventbus.Options{Wait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h := func(ctx context.Context, e event.BusEvent) error { return nil }
	r.Handle("q-messages", h)
	r.Handle("q-typo", h)
	if err := r.Run(context.Background()); !errors.Is(err, queue.ErrUnknownQueue) || !strings.Contains(err.Error(), "q-typo") {
		t.Errorf("Run = %v, want ErrUnknownQueue naming q-typo", err)
	}
}
