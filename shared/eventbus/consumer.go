package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
)

// maxReceiveBatch is the most messages one receive asks for (the SQS limit).
const maxReceiveBatch = 10

type consumer struct {
	target      string
	h           queue.Handler
	concurrency int
	retryBase   time.Duration
	retryMax    time.Duration
}

// ConsumerOption tunes the consumer of one target queue.
type ConsumerOption func(*consumer)

// Concurrency runs up to n handlers of the target at once (default 1).
func Concurrency(n int) ConsumerOption {
	return func(c *consumer) {
		if n > 0 {
			c.concurrency = n
		}
	}
}

// Retry sets the backoff after a failed event: it comes back after base, doubling with each receive, at most max
// (defaults 1 s and 5 min). After the queue's MaxReceives it goes to the queue's dead-letter queue instead.
func Retry(base, max time.Duration) ConsumerOption {
	return func(c *consumer) {
		if base > 0 {
			c.retryBase = base
		}
		if max > 0 {
			c.retryMax = max
		}
	}
}

// Handle registers h as the consumer of a route's target queue, whose messages are bus events (event.BusEvent
// JSON, as an EventBridge rule with an SQS target delivers them). It is HandleQueue with the decoding: a message
// that is not a bus event fails (and is never logged, as it is event data). Call it before Run; it panics on an
// empty target, a nil handler, a second consumer of the same target or a call while running, as these are wiring
// mistakes.
func (r *Bus) Handle(target string, h event.Handler, opts ...ConsumerOption) {
	if h == nil {
		panic("router: Handle needs a target and a handler")
	}
	r.HandleQueue(target, busHandler(h), opts...)
}

// busHandler decodes a bus event and passes it to h, adding its ID and type to the consumer's log lines.
func busHandler(h event.Handler) queue.Handler {
	return func(ctx context.Context, m queue.Message) error {
		var e event.BusEvent
		if err := json.Unmarshal(m.Body, &e); err != nil {
			return fmt.Errorf("decode bus event: %w", err)
		}
		// The envelope's source is not part of the detail JSON; restore it from the bus event.
		e.Detail.Source = e.Source
		annotate(ctx, slog.String("eventId", e.Detail.ID), slog.String("type", e.DetailType))
		return h(ctx, e)
	}
}

// HandleQueue registers h as the consumer of a queue of plain messages. Run receives them, calls h, deletes a
// message when h returns nil, makes it visible again after exactly the delay of a queue.RetryAfter error, and
// after the consumer's backoff for any other error or a panic. Call it before Run; it panics on an empty target, a
// nil handler, a second consumer of the same target or a call while running, as these are wiring mistakes.
func (r *Bus) HandleQueue(target string, h queue.Handler, opts ...ConsumerOption) {
	if target == "" || h == nil {
		panic("router: Handle needs a target and a handler")
	}
	c := &consumer{target: target, h: h, concurrency: 1, retryBase: time.Second, retryMax: 5 * time.Minute}
	for _, o := range opts {
		o(c)
	}
	if c.retryMax < c.retryBase {
		c.retryMax = c.retryBase
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		panic("router: Handle called while running")
	}
	for _, existing := range r.consumers {
		if existing.target == target {
			panic("router: a consumer of " + target + " is already registered")
		}
	}
	r.consumers = append(r.consumers, c)
}

// backoff is the visibility delay after the receiveCount-th receive failed: base doubling, capped at max.
func (c *consumer) backoff(receiveCount int) time.Duration {
	d := c.retryBase
	for i := 1; i < receiveCount && d < c.retryMax; i++ {
		d *= 2
	}
	return min(d, c.retryMax)
}

// Run consumes every registered target queue until ctx is cancelled: it long-polls each queue, calls the handler,
// deletes the message on success, makes it visible again after the delay of a queue.RetryAfter, and on any other
// error or a panic after the consumer's backoff (the queue moves it to its dead-letter queue after MaxReceives).
//
// When ctx is cancelled Run stops receiving, gives back at once any message received but not yet handed to a
// handler, and waits up to Options.ShutdownGrace for running handlers, whose context stays alive until then. After
// the grace period their context is cancelled; handlers must then return promptly. Run returns nil after a clean
// shutdown, ErrShutdownTimeout, or at once an error wrapping queue.ErrUnknownQueue when a registered target is
// not a queue (a wiring mistake, after which every consumer stops).
func (r *Bus) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return ErrRunning
	}
	if len(r.consumers) == 0 {
		r.mu.Unlock()
		return ErrNoConsumers
	}
	r.running = true
	consumers := append([]*consumer(nil), r.consumers...)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()

	// Receivers stop with ctx, or at once when one of them meets a wiring mistake (an unknown queue).
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()
	var fatal error
	var fatalOnce sync.Once
	stop := func(err error) {
		fatalOnce.Do(func() {
			fatal = err
			rcancel()
		})
	}
	// Handlers get a context that outlives ctx by the grace period.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer hcancel()
	var inflight, receivers sync.WaitGroup
	for _, c := range consumers {
		receivers.Go(func() { r.receiveLoop(rctx, stop, hctx, c, &inflight) })
	}
	r.log.InfoContext(ctx, "router: running", "consumers", len(consumers))
	receivers.Wait()

	done := make(chan struct{})
	go func() {
		inflight.Wait()
		close(done)
	}()
	grace := time.NewTimer(r.opt.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-done:
		r.log.InfoContext(hctx, "router: stopped")
		return fatal
	case <-grace.C:
		r.log.WarnContext(hctx, "router: shutdown grace period exceeded, cancelling handlers", "grace", r.opt.ShutdownGrace)
		hcancel()
		<-done
		return errors.Join(fatal, fmt.Errorf("%w (%s)", ErrShutdownTimeout, r.opt.ShutdownGrace))
	}
}

// receiveLoop feeds the consumer's workers. It receives only as many messages as there are idle workers, so no
// message waits unstarted while its visibility timeout runs.
func (r *Bus) receiveLoop(ctx context.Context, stop func(error), hctx context.Context, c *consumer, inflight *sync.WaitGroup) {
	log := r.log.With("target", c.target)
	slots := make(chan struct{}, c.concurrency)
	work := make(chan queue.Message)
	for range c.concurrency {
		inflight.Go(func() {
			for m := range work {
				r.process(hctx, log, c, m)
				<-slots
			}
		})
	}
	defer close(work)
	errDelay := 100 * time.Millisecond
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		n := 1
	more:
		for n < min(c.concurrency, maxReceiveBatch) {
			select {
			case slots <- struct{}{}:
				n++
			default:
				break more
			}
		}
		msgs, err := r.q.Receive(ctx, c.target, queue.ReceiveOptions{Max: n, Wait: r.opt.Wait})
		for range n - len(msgs) {
			<-slots
		}
		if ctx.Err() != nil {
			// Shutting down: whatever came back was not started; make it visible again at once.
			r.giveBack(hctx, log, c.target, msgs)
			for range msgs {
				<-slots
			}
			return
		}
		if errors.Is(err, queue.ErrUnknownQueue) {
			stop(fmt.Errorf("router: consumer of %s: %w", c.target, err))
			return
		}
		if err != nil {
			log.WarnContext(ctx, "router: receive failed", "error", err, "retryIn", errDelay)
			r.giveBack(hctx, log, c.target, msgs)
			for range msgs {
				<-slots
			}
			t := time.NewTimer(errDelay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			errDelay = min(errDelay*2, 30*time.Second)
			continue
		}
		errDelay = 100 * time.Millisecond
		for _, m := range msgs {
			work <- m // a worker is idle: this message holds one of its slots
		}
	}
}

func (r *Bus) giveBack(ctx context.Context, log *slog.Logger, target string, msgs []queue.Message) {
	for _, m := range msgs {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opt.QueueOpTimeout)
		if err := r.q.ChangeVisibility(qctx, target, m.ReceiptHandle, 0); err != nil {
			log.WarnContext(ctx, "router: could not give back an unstarted message", "messageId", m.ID, "error", err)
		}
		cancel()
	}
	if len(msgs) > 0 {
		log.InfoContext(ctx, "router: gave back unstarted messages", "count", len(msgs))
	}
}

// logAttrs collects attributes a handler wrapper adds to the consumer's log lines for one message.
type logAttrs struct{ attrs []slog.Attr }

type logAttrsKey struct{}

// annotate adds attributes to the log lines of the message being handled (no-op outside a consumer).
func annotate(ctx context.Context, attrs ...slog.Attr) {
	if la, ok := ctx.Value(logAttrsKey{}).(*logAttrs); ok {
		la.attrs = append(la.attrs, attrs...)
	}
}

// process handles one message: call the handler, delete on success, come back after a RetryAfter's delay or
// the backoff on failure.
func (r *Bus) process(ctx context.Context, log *slog.Logger, c *consumer, m queue.Message) {
	la := &logAttrs{attrs: []slog.Attr{slog.String("messageId", m.ID), slog.Int("receiveCount", m.ReceiveCount)}}
	err := call(context.WithValue(ctx, logAttrsKey{}, la), log, c.h, m, la)
	attrs := la.attrs
	if ra, ok := queue.AsRetryAfter(err); ok {
		d := ra.Visibility()
		if ra.Err != nil {
			log.LogAttrs(ctx, slog.LevelWarn, "router: message failed, retrying after the handler's delay",
				append(attrs, slog.Any("error", ra.Err), slog.Duration("retryIn", d))...)
		} else {
			log.LogAttrs(ctx, slog.LevelDebug, "router: message comes back later", append(attrs, slog.Duration("in", d))...)
		}
		r.comeBack(ctx, log, c, m, d, attrs)
		return
	}
	if err != nil {
		d := c.backoff(m.ReceiveCount)
		if spec, lerr := queue.Lookup(c.target); lerr == nil && spec.MaxReceives > 0 && m.ReceiveCount >= spec.MaxReceives {
			// The queue moves it to its dead-letter queue at its next receive: no retry is coming.
			log.LogAttrs(ctx, slog.LevelError, "router: message failed on its last receive; it goes to the dead-letter queue",
				append(attrs, slog.Any("error", err), slog.String("deadLetter", spec.DeadLetter))...)
		} else {
			log.LogAttrs(ctx, slog.LevelWarn, "router: message failed, retrying later",
				append(attrs, slog.Any("error", err), slog.Duration("retryIn", d))...)
		}
		r.comeBack(ctx, log, c, m, d, attrs)
		return
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opt.QueueOpTimeout)
	defer cancel()
	if err := r.q.Delete(qctx, c.target, m.ReceiptHandle); err != nil {
		// The message comes back and is handled again; handlers are idempotent.
		log.LogAttrs(ctx, slog.LevelWarn, "router: delete after success failed", append(attrs, slog.Any("error", err))...)
		return
	}
	log.LogAttrs(ctx, slog.LevelDebug, "router: message handled", attrs...)
}

// comeBack makes the message visible again after d.
func (r *Bus) comeBack(ctx context.Context, log *slog.Logger, c *consumer, m queue.Message, d time.Duration, attrs []slog.Attr) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opt.QueueOpTimeout)
	defer cancel()
	if err := r.q.ChangeVisibility(qctx, c.target, m.ReceiptHandle, d); err != nil {
		// The message still comes back when its visibility timeout ends.
		log.LogAttrs(ctx, slog.LevelWarn, "router: could not set when the message comes back", append(attrs, slog.Any("error", err))...)
	}
}

// call runs the handler, turning a panic into an error (logged with its stack, which holds no message data).
func call(ctx context.Context, log *slog.Logger, h queue.Handler, m queue.Message, la *logAttrs) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.LogAttrs(ctx, slog.LevelError, "router: handler panicked",
				append(la.attrs, slog.String("panic", fmt.Sprint(p)), slog.String("stack", string(debug.Stack())))...)
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, p)
		}
	}()
	return h(ctx, m)
}
