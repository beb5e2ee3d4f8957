// Package eventbridge publishes WaQtor events to an Amazon EventBridge bus (the AWS runtime's event.Publisher).
//
// Each envelope becomes one PutEvents entry: Source = envelope source, DetailType = envelope type, Detail = the
// envelope JSON, Time = envelope time. EventBridge rules (one per routing.Route, created by infra) then deliver the
// EventBridge event to the route's SQS queue. EventBridge generates the event's own "id"; the WaQtor envelope ID is
// detail.id, and that is what consumers dedupe on.
package eventbridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/waqtor/waqtor/shared/event"
)

const (
	// PublishedLog is the message of the Info line Publish logs per event type it published, with attributes
	// "type" (the detail type) and "count". infra/stack turns these lines into the CloudWatch metric
	// EventsPublished (messages sent and received, session status changes) with a log metric filter.
	PublishedLog = "eventbridge: published"
	// MaxEntries is the most entries one PutEvents call takes.
	MaxEntries = 10
	// MaxSize is the PutEvents limit on one entry and on the entries of one call, computed as EventBridge does.
	MaxSize = 256 * 1024
)

// API is the part of the EventBridge client the publisher uses (*eventbridge.Client satisfies it).
type API interface {
	PutEvents(ctx context.Context, in *sdk.PutEventsInput, optFns ...func(*sdk.Options)) (*sdk.PutEventsOutput, error)
}

// Config configures a Publisher.
type Config struct {
	// BusName is the event bus name or ARN (required).
	BusName string
	// MaxAttempts bounds the PutEvents calls for an entry EventBridge reports as failed (default 4).
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff between those calls: base, doubling, at most max (defaults 100 ms
	// and 2 s).
	RetryBase, RetryMax time.Duration
	// Logger receives retry warnings and one PublishedLog line per event type published (default: discarded).
	// Logs carry event IDs, types and counts, never event data.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 100 * time.Millisecond
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 2 * time.Second
	}
	if c.RetryMax < c.RetryBase {
		c.RetryMax = c.RetryBase
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.BusName == "" {
		errs = append(errs, fmt.Errorf("%w: BusName is required", ErrInvalidConfig))
	}
	return errors.Join(errs...)
}

// Publisher puts events on an EventBridge bus.
type Publisher struct {
	api API
	cfg Config
}

var _ event.Publisher = (*Publisher)(nil)

// New returns a publisher on the bus of cfg.
func New(api API, cfg Config) (*Publisher, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: API is nil", ErrInvalidConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	return &Publisher{api: api, cfg: cfg}, nil
}

type entry struct {
	id   string
	req  types.PutEventsRequestEntry
	size int
}

// nonRetryable are entry error codes that another attempt cannot fix.
var nonRetryable = map[string]bool{
	"MalformedDetail": true, "InvalidArgument": true, "AccessDeniedException": true, "ValidationException": true,
	"NotAuthorizedForSourceException": true, "NotAuthorizedForDetailTypeException": true,
}

// Publish validates every envelope (an invalid or oversized one fails the call before anything is sent), then puts
// them in batches of at most 10 entries and 256 KiB. Entries EventBridge reports as failed are retried with backoff
// up to MaxAttempts; those still failing are returned as a *FailedError naming their IDs, while the rest are
// published. The caller retries with the same IDs.
func (p *Publisher) Publish(ctx context.Context, events ...event.Envelope) error {
	entries := make([]entry, 0, len(events))
	var errs []error
	for i, e := range events {
		if err := e.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("event %d (%s): %w", i, e.ID, err))
			continue
		}
		detail, err := event.Marshal(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("event %d (%s): marshal: %w", i, e.ID, err))
			continue
		}
		en := entry{id: e.ID, req: types.PutEventsRequestEntry{
			Source:       aws.String(e.Source),
			DetailType:   aws.String(e.Type),
			Detail:       aws.String(string(detail)),
			EventBusName: aws.String(p.cfg.BusName),
			Time:         aws.Time(e.Time),
		}}
		en.size = entrySize(en.req)
		if en.size > MaxSize {
			errs = append(errs, fmt.Errorf("event %d (%s): %w: %d bytes, limit %d", i, e.ID, ErrEventTooLarge, en.size, MaxSize))
			continue
		}
		entries = append(entries, en)
	}
	if len(errs) > 0 {
		return fmt.Errorf("eventbridge: publish: nothing sent: %w", errors.Join(errs...))
	}

	var failed []FailedEntry
	var sent []entry
	defer func() { p.logPublished(ctx, sent) }()
	for len(entries) > 0 {
		n, size := 0, 0
		for n < len(entries) && n < MaxEntries && size+entries[n].size <= MaxSize {
			size += entries[n].size
			n++
		}
		f, err := p.put(ctx, entries[:n])
		if err != nil {
			return fmt.Errorf("eventbridge: publish: %w", err)
		}
		failed = append(failed, f...)
		for _, en := range entries[:n] {
			if !slices.ContainsFunc(f, func(fe FailedEntry) bool { return fe.ID == en.id }) {
				sent = append(sent, en)
			}
		}
		entries = entries[n:]
	}
	if len(failed) > 0 {
		return fmt.Errorf("eventbridge: publish: %w", &FailedError{Failed: failed, Total: len(events)})
	}
	return nil
}

// logPublished logs one PublishedLog line per event type of sent (the entries EventBridge accepted). It runs once
// Publish has sent what it could, also when a later batch failed: the earlier batches are on the bus.
func (p *Publisher) logPublished(ctx context.Context, sent []entry) {
	var types []string
	counts := map[string]int{}
	for _, en := range sent {
		t := aws.ToString(en.req.DetailType)
		if counts[t] == 0 {
			types = append(types, t)
		}
		counts[t]++
	}
	for _, t := range types {
		p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, PublishedLog, slog.String("type", t), slog.Int("count", counts[t]))
	}
}

// put sends one batch, retrying the entries EventBridge reports as failed with a retryable code. It returns the
// entries that still fail, or an error when a call itself fails (the SDK has retried it already) or ctx ends.
func (p *Publisher) put(ctx context.Context, batch []entry) ([]FailedEntry, error) {
	pending := batch
	delay := p.cfg.RetryBase
	var permanent []FailedEntry
	for attempt := 1; ; attempt++ {
		req := make([]types.PutEventsRequestEntry, len(pending))
		for i, en := range pending {
			req[i] = en.req
		}
		out, err := p.api.PutEvents(ctx, &sdk.PutEventsInput{Entries: req})
		if err != nil {
			return nil, fmt.Errorf("put %d events (first %s): %w", len(pending), pending[0].id, err)
		}
		if len(out.Entries) != len(pending) {
			return nil, fmt.Errorf("put %d events (first %s): EventBridge answered %d entries", len(pending), pending[0].id, len(out.Entries))
		}
		var retry []entry
		var transient []FailedEntry
		for i, res := range out.Entries {
			code := aws.ToString(res.ErrorCode)
			if code == "" {
				continue
			}
			f := FailedEntry{ID: pending[i].id, Code: code, Message: aws.ToString(res.ErrorMessage)}
			if nonRetryable[code] {
				permanent = append(permanent, f)
				continue
			}
			transient = append(transient, f)
			retry = append(retry, pending[i])
		}
		if len(retry) == 0 {
			return permanent, nil
		}
		if attempt >= p.cfg.MaxAttempts {
			return append(permanent, transient...), nil
		}
		ids := make([]string, len(retry))
		for i, en := range retry {
			ids[i] = en.id
		}
		p.cfg.Logger.WarnContext(ctx, "eventbridge: entries failed, retrying", "attempt", attempt, "retrying", ids,
			"code", transient[0].Code, "retryIn", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("retry %d failed events: %w", len(retry), ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, p.cfg.RetryMax)
		pending = retry
	}
}

// entrySize is the size EventBridge counts for an entry: 14 bytes for Time, plus the UTF-8 bytes of Source,
// DetailType, Detail and every resource ("Calculating PutEvents event entry size").
func entrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}
