package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
)

// Deliverer is the consumer of DeliveriesQueue: it sends a delivery's attempts, records each one, and decides with
// the endpoint's Policy what happens next. Every field but Log and Rand is required.
//
// Contract (at least once): a delivery is sent until an attempt succeeds or the policy gives up, always with the
// same body and webhook-id (the delivery ID), so receivers dedupe on webhook-id. The deliverer claims a delivery
// before sending (it counts the attempt and holds it for the request timeout plus a margin), so two copies of a
// job never send at once; but a crash between sending and recording the outcome makes the job come back after
// its visibility timeout and send the same delivery again.
//
// Waits longer than SQS allows (15 min delay, 12 h visibility) need nothing special: the job comes back every up
// to 12 h (queue.RetryAfter) and goes back to sleep until the delivery's NextAt.
type Deliverer struct {
	Store    Store
	Sender   Sender
	Notifier notification.Notifier
	// Events gets the endpoint health events, webhook.failing and webhook.recovered, which the notification rules
	// turn into notifications (nil: none are published).
	Events event.Publisher
	// Limiter bounds each endpoint's deliveries in flight (Policy.MaxConcurrency).
	Limiter Limiter
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand draws the jitter of retry delays in [0, 1) (default math/rand/v2).
	Rand func() float64
	// Version goes into the User-Agent ("WaQtor-Webhook/<version>").
	Version string
	// Log gets one line per attempt (IDs, status, duration; never URLs, bodies or secrets).
	Log *slog.Logger
}

// claimMargin is how much longer than the request timeout a claim holds a delivery: enough to record the outcome.
const claimMargin = 30 * time.Second

// busyDelay is when a job that found its endpoint at its concurrency limit comes back: one second more for every
// receive so far, up to busyMax, plus up to a second of jitter so waiting jobs do not return in lockstep.
const (
	busyStep = time.Second
	busyMax  = 5 * time.Minute
)

// Disabled reasons set by the deliverer.
const (
	DisabledGone    = "gone"
	DisabledFailing = "failing"
)

var (
	errNotPending = errors.New("delivery is not pending")
	errNotDue     = errors.New("delivery is not due")
)

// Handle works on one job. It returns nil when the job is done (delivered, failed for good, or nothing to do), a
// queue.RetryAfter when the job should come back at a given time (a retry, a wait, a busy endpoint), and any
// other error when the store failed, so the job comes back after the consumer's backoff.
func (d *Deliverer) Handle(ctx context.Context, m queue.Message) error {
	log := d.logger()
	var job Job
	if err := json.Unmarshal(m.Body, &job); err != nil || job.TenantID == "" || job.DeliveryID == "" {
		// It will never decode: drop it (the body holds no event data, only IDs, so it can be logged).
		log.ErrorContext(ctx, "webhook: dropping a job that is not one", "messageId", m.ID, "body", truncate(m.Body, 200))
		return nil
	}
	log = log.With("tenant", job.TenantID, "delivery", job.DeliveryID)
	del, err := d.Store.GetDelivery(ctx, job.TenantID, job.DeliveryID)
	if errors.Is(err, ErrDeliveryNotFound) {
		log.InfoContext(ctx, "webhook: delivery gone (expired or deleted); dropping its job")
		return nil
	}
	if err != nil {
		return fmt.Errorf("delivery %s: %w", job.DeliveryID, err)
	}
	if del.Status != Pending {
		return nil
	}
	now := d.now()
	if del.NextAt != nil && del.NextAt.After(now) {
		return queue.RetryAfter{Delay: del.NextAt.Sub(now)}
	}
	log = log.With("webhook", del.WebhookID)
	w, err := d.Store.GetWebhook(ctx, job.TenantID, del.WebhookID)
	if errors.Is(err, ErrNotFound) {
		return d.fail(ctx, log, del, "endpoint deleted")
	}
	if err != nil {
		return fmt.Errorf("webhook %s: %w", del.WebhookID, err)
	}
	if !w.Enabled {
		reason := "endpoint disabled"
		if w.DisabledReason != "" {
			reason += " (" + w.DisabledReason + ")"
		}
		return d.fail(ctx, log, del, reason)
	}

	policy := w.Policy.WithDefaults()
	release, ok, err := d.Limiter.Acquire(ctx, w.ID, policy.MaxConcurrency)
	if err != nil {
		return fmt.Errorf("concurrency slot of %s: %w", w.ID, err)
	}
	if !ok {
		return queue.RetryAfter{Delay: d.busyDelay(m.ReceiveCount)}
	}
	defer release()

	timeout := policy.Timeout()
	// Claim: count the attempt and hold the delivery, so a second copy of the job waits instead of sending too.
	now = d.now()
	del, err = d.Store.UpdateDelivery(ctx, job.TenantID, del.ID, keepDeliveryFixed(func(x *Delivery) error {
		switch {
		case x.Status != Pending:
			return errNotPending
		case x.NextAt != nil && x.NextAt.After(now):
			return errNotDue
		}
		hold := now.Add(timeout + claimMargin)
		x.Attempts++
		x.NextAt = &hold
		x.UpdatedAt = now
		return nil
	}))
	switch {
	case errors.Is(err, errNotPending), errors.Is(err, ErrDeliveryNotFound):
		return nil
	case errors.Is(err, errNotDue):
		return queue.RetryAfter{Delay: time.Second} // another copy holds it; look again shortly
	case err != nil:
		return fmt.Errorf("claim delivery %s: %w", del.ID, err)
	}

	resp := d.Sender.Send(ctx, Request{URL: w.URL, Header: Headers(w, del, d.Version, now), Body: del.Body, Timeout: timeout})
	at := now
	a := Attempt{DeliveryID: del.ID, N: del.Attempts, At: at, StatusCode: resp.StatusCode,
		DurationMS: resp.Duration.Milliseconds(), Response: responseText(resp.Body)}
	if resp.Err != nil {
		a.Error = resp.Err.Error()
	}
	now = d.now()
	dec := policy.Decide(del.Attempts-del.CycleStart, resp, now, d.Rand)
	log = log.With("attempt", a.N, "status", resp.StatusCode, "durationMs", a.DurationMS, "outcome", dec.Outcome.String())
	lastError := dec.Reason
	if dec.Outcome != Success {
		// A success records its attempt with the outcome, in one write; the other outcomes take steps (mark the
		// endpoint failing, disable it, notify) before their outcome, so their attempt goes first, on its own.
		if err := d.Store.AddAttempt(ctx, job.TenantID, a, del.ExpiresAt); err != nil {
			// The outcome still counts; only the log line of this attempt is missing.
			log.WarnContext(ctx, "webhook: could not record the attempt", "error", err)
		}
	}

	switch dec.Outcome {
	case Success:
		log.InfoContext(ctx, "webhook: delivered")
		if _, err := d.Store.RecordAttempt(ctx, job.TenantID, a, del.ExpiresAt, keepDeliveryFixed(func(x *Delivery) error {
			x.Status, x.NextAt, x.LastCode, x.LastError, x.UpdatedAt = Delivered, nil, resp.StatusCode, "", now
			return nil
		})); err != nil {
			return fmt.Errorf("record delivery %s: %w", del.ID, err)
		}
		if w.FailingSince != nil {
			// Told before the failing state is cleared: a crash in between tells again under the same event ID.
			if err := d.recovered(ctx, w, now); err != nil {
				log.WarnContext(ctx, "webhook: could not publish the endpoint's recovery", "error", err)
			}
			if _, err := d.Store.UpdateWebhook(ctx, w.TenantID, w.ID, keepWebhookFixed(func(x *Webhook) error {
				x.FailingSince = nil
				return nil
			})); err != nil && !errors.Is(err, ErrNotFound) {
				log.WarnContext(ctx, "webhook: could not clear the endpoint's failing state", "error", err)
			}
		}
		return nil

	case Retry:
		w, err = d.failing(ctx, w, now)
		if err != nil {
			return err
		}
		if d.disableDue(w, now) {
			log.WarnContext(ctx, "webhook: attempt failed; endpoint failing too long, disabling it", "error", lastError)
			if err := d.disable(ctx, log, w, DisabledFailing, now); err != nil {
				return err
			}
			return d.finish(ctx, del, resp.StatusCode, lastError+"; endpoint disabled (failing)", now)
		}
		next := now.Add(dec.Delay)
		log.InfoContext(ctx, "webhook: attempt failed, retrying", "retryIn", dec.Delay, "error", lastError)
		if _, err := d.Store.UpdateDelivery(ctx, job.TenantID, del.ID, keepDeliveryFixed(func(x *Delivery) error {
			x.Status, x.NextAt, x.LastCode, x.LastError, x.UpdatedAt = Pending, &next, resp.StatusCode, lastError, now
			return nil
		})); err != nil {
			return fmt.Errorf("record delivery %s: %w", del.ID, err)
		}
		return queue.RetryAfter{Delay: dec.Delay}

	case Gone:
		log.WarnContext(ctx, "webhook: endpoint answered 410 Gone; disabling it")
		if err := d.disable(ctx, log, w, DisabledGone, now); err != nil {
			return err
		}
		return d.finish(ctx, del, resp.StatusCode, lastError, now)

	default: // Fail
		log.WarnContext(ctx, "webhook: delivery failed for good", "error", lastError)
		w, err = d.failing(ctx, w, now)
		if err != nil {
			return err
		}
		// Notify before marking: a crash in between sends once more and raises the signal under that attempt's key.
		if err := d.Notifier.Raise(ctx, notification.Signal{Kind: notification.KindDeliveryFailed,
			TenantID: del.TenantID, Key: "delivery-failed\x00" + del.ID + "\x00" + strconv.Itoa(del.Attempts), Time: at,
			DeliveryFailed: notification.DeliveryFailedData{WebhookID: w.ID, DeliveryID: del.ID, Event: del.Event,
				Attempts: del.Attempts, Error: lastError}}); err != nil {
			return fmt.Errorf("notify failure of %s: %w", del.ID, err)
		}
		if err := d.finish(ctx, del, resp.StatusCode, lastError, now); err != nil {
			return err
		}
		if err := d.failingRun(ctx, w, resp.StatusCode, now); err != nil {
			return err
		}
		if d.disableDue(w, now) {
			return d.disable(ctx, log, w, DisabledFailing, now)
		}
		return nil
	}
}

// Source is the producer name of the endpoint health events the deliverer publishes.
const Source = "waqtor.webhooks"

// FailingAfter is how many deliveries to an endpoint must fail for good in a row (with no success in between)
// before webhook.failing tells its tenant's users; it is published once per failing run.
const FailingAfter = 3

// failingRun publishes webhook.failing when the endpoint's run of failures (since w.FailingSince) holds
// FailingAfter deliveries failed for good. Its ID derives from the endpoint and the run's start, so the run's later
// failures, and a repeat after a crash, publish the same event, which creates nothing new.
func (d *Deliverer) failingRun(ctx context.Context, w Webhook, code int, now time.Time) error {
	if d.Events == nil || w.FailingSince == nil {
		return nil
	}
	since := *w.FailingSince
	n, err := d.failedSince(ctx, w, since)
	if err != nil || n < FailingAfter {
		return err
	}
	return d.publishHealth(ctx, w, event.WebhookFailing, since, event.WebhookFailingData{WebhookID: w.ID,
		FailedDeliveries: n, Since: since.Unix(), LastCode: code, Timestamp: now.Unix()})
}

// failedSince counts the endpoint's deliveries that failed for good since the start of its failing run (up to 100).
func (d *Deliverer) failedSince(ctx context.Context, w Webhook, since time.Time) (int, error) {
	failed, err := d.Store.ListDeliveries(ctx, w.TenantID, DeliveryFilter{WebhookID: w.ID, Status: Failed, Limit: 100})
	if err != nil {
		return 0, fmt.Errorf("count failed deliveries of %s: %w", w.ID, err)
	}
	n := 0
	for _, x := range failed {
		if !x.UpdatedAt.Before(since) {
			n++
		}
	}
	return n, nil
}

// recovered publishes webhook.recovered for an endpoint that was failing since w.FailingSince and just took a
// delivery, if that run was long enough to have been told as failing.
func (d *Deliverer) recovered(ctx context.Context, w Webhook, now time.Time) error {
	if d.Events == nil || w.FailingSince == nil {
		return nil
	}
	since := *w.FailingSince
	n, err := d.failedSince(ctx, w, since)
	if err != nil || n < FailingAfter {
		return err
	}
	return d.publishHealth(ctx, w, event.WebhookRecovered, since, event.WebhookRecoveredData{WebhookID: w.ID,
		Since: since.Unix(), Timestamp: now.Unix()})
}

func (d *Deliverer) publishHealth(ctx context.Context, w Webhook, typ string, since time.Time, data any) error {
	e, err := event.New(Source, typ, w.TenantID, d.now(), data)
	if err != nil {
		return err
	}
	e.ID = "evt_" + derivedULID(since, typ, w.TenantID, w.ID, strconv.FormatInt(since.UnixNano(), 10))
	if err := event.PublishRetry(ctx, d.Events, e); err != nil {
		return fmt.Errorf("publish %s of %s: %w", typ, w.ID, err)
	}
	return nil
}

// DeliveryLink is the dashboard path of a delivery in its endpoint's log.
func DeliveryLink(webhookID, deliveryID string) string {
	return "/settings/webhooks/" + webhookID + "/deliveries/" + deliveryID
}

// WebhookLink is the dashboard path of an endpoint.
func WebhookLink(webhookID string) string { return "/settings/webhooks/" + webhookID }

// fail marks a delivery that cannot be sent as failed (without an attempt) and drops its job.
func (d *Deliverer) fail(ctx context.Context, log *slog.Logger, del Delivery, reason string) error {
	log.InfoContext(ctx, "webhook: delivery not sent", "reason", reason)
	return d.finish(ctx, del, 0, reason, d.now())
}

// finish marks the delivery failed: the dead-letter list, from which it can be replayed.
func (d *Deliverer) finish(ctx context.Context, del Delivery, code int, reason string, now time.Time) error {
	_, err := d.Store.UpdateDelivery(ctx, del.TenantID, del.ID, keepDeliveryFixed(func(x *Delivery) error {
		if x.Status != Pending {
			return errNotPending
		}
		x.Status, x.NextAt, x.LastError, x.UpdatedAt = Failed, nil, reason, now
		if code != 0 {
			x.LastCode = code
		}
		return nil
	}))
	if err != nil && !errors.Is(err, errNotPending) && !errors.Is(err, ErrDeliveryNotFound) {
		return fmt.Errorf("record delivery %s: %w", del.ID, err)
	}
	return nil
}

// failing records that the endpoint is failing (FailingSince, if not set yet) and returns it as stored.
func (d *Deliverer) failing(ctx context.Context, w Webhook, now time.Time) (Webhook, error) {
	if w.FailingSince != nil {
		return w, nil
	}
	updated, err := d.Store.UpdateWebhook(ctx, w.TenantID, w.ID, keepWebhookFixed(func(x *Webhook) error {
		if x.FailingSince == nil {
			x.FailingSince = &now
		}
		return nil
	}))
	if errors.Is(err, ErrNotFound) {
		return w, nil
	}
	if err != nil {
		return w, fmt.Errorf("mark endpoint %s failing: %w", w.ID, err)
	}
	return updated, nil
}

// disableDue reports whether the endpoint has failed without a success for longer than its DisableAfterHours.
func (d *Deliverer) disableDue(w Webhook, now time.Time) bool {
	h := w.Policy.WithDefaults().DisableAfterHours
	return h > 0 && w.FailingSince != nil && now.Sub(*w.FailingSince) >= time.Duration(h)*time.Hour
}

// disable turns the endpoint off with the reason and, if this call is the one that turned it off, tells the
// tenant. The endpoint's other pending deliveries fail when they come due.
func (d *Deliverer) disable(ctx context.Context, log *slog.Logger, w Webhook, reason string, now time.Time) error {
	flipped := false
	_, err := d.Store.UpdateWebhook(ctx, w.TenantID, w.ID, keepWebhookFixed(func(x *Webhook) error {
		flipped = x.Enabled
		if x.Enabled {
			x.Enabled, x.DisabledReason, x.UpdatedAt = false, reason, now
		}
		return nil
	}))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("disable endpoint %s: %w", w.ID, err)
	}
	if !flipped {
		return nil
	}
	log.WarnContext(ctx, "webhook: endpoint disabled", "reason", reason)
	// One notification per disabling: only the call that flipped the endpoint notifies.
	if err := d.Notifier.Raise(ctx, notification.Signal{Kind: notification.KindWebhookDisabled, TenantID: w.TenantID,
		Key: "webhook-disabled\x00" + w.ID + "\x00" + reason + "\x00" + now.UTC().Format(time.RFC3339Nano), Time: now,
		Disabled: notification.DisabledData{WebhookID: w.ID, Gone: reason == DisabledGone,
			FailingHours: w.Policy.WithDefaults().DisableAfterHours}}); err != nil {
		return fmt.Errorf("notify disabling of %s: %w", w.ID, err)
	}
	return nil
}

func (d *Deliverer) busyDelay(receives int) time.Duration {
	return min(time.Duration(max(receives, 1))*busyStep, busyMax) + time.Duration(d.rand()*float64(time.Second))
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Deliverer) rand() float64 {
	if d.Rand != nil {
		return d.Rand()
	}
	return rand.Float64()
}

func (d *Deliverer) logger() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// responseText is the first 2 KiB of a response body as text (invalid UTF-8 replaced).
func responseText(b []byte) string {
	return string(truncate(b, 2048))
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	if !utf8.Valid(b) {
		return []byte(string([]rune(string(b))))
	}
	return b
}
