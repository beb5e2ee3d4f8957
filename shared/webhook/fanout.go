package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
)

// Queues of the webhook pipeline (see queue.Catalog).
const (
	// RouterQueue is the "webhooks" route's target: bus events for Fanout.
	RouterQueue = "webhook-router"
	// DeliveriesQueue carries one Job per delivery to the Deliverer.
	DeliveriesQueue = "webhook-deliveries"
)

// Job is the message on DeliveriesQueue: which delivery to work on. Everything else is in the store, so a
// message is small whatever the event's size, and a replay only needs a new Job.
type Job struct {
	TenantID   string `json:"tenantId"`
	DeliveryID string `json:"deliveryId"`
}

// DeliveryJobStore is a Store that also holds DeliveriesQueue, so it can commit deliveries together with their
// jobs (standalone: the store and the queue share one SQLite database). Fanout uses it when its Store has it: one
// write per event instead of one per delivery plus one for the jobs.
type DeliveryJobStore interface {
	Store
	// CreateDeliveriesWithJobs creates each delivery as CreateDelivery does and sends to DeliveriesQueue the
	// message that job returns for each delivery it created or found pending with no attempt, all in one atomic
	// write: on an error nothing is stored and nothing sent.
	CreateDeliveriesWithJobs(ctx context.Context, ds []Delivery, job func(Delivery) (queue.Outgoing, error)) error
}

// JobMessage is the DeliveriesQueue message of the delivery.
func JobMessage(d Delivery) (queue.Outgoing, error) {
	body, err := json.Marshal(Job{TenantID: d.TenantID, DeliveryID: d.ID})
	if err != nil {
		return queue.Outgoing{}, fmt.Errorf("job of %s: %w", d.ID, err)
	}
	return queue.Outgoing{Body: body}, nil
}

// Fanout is the consumer of RouterQueue. For each event it lists the tenant's endpoints and, for every enabled
// endpoint and every webhook name of the event (NamesOf) that the endpoint Wants, creates a pending Delivery
// (ID from DeliveryID, body fixed now) and sends its Job to DeliveriesQueue.
//
// It is safe to run twice for the same event (the router queue delivers at least once): CreateDelivery finds the
// delivery made the first time, so no endpoint gets a second delivery. A Job is sent again only for a delivery
// that is still pending with no attempt (the first run may have failed before sending it); if the first Job was
// sent after all, the deliverer works on one of the two and finds nothing to do for the other. On an error the
// event comes back and the deliveries already made are found again. With a DeliveryJobStore the event's
// deliveries and jobs are committed together, all or none, through the store's own queue (q is not used).
func Fanout(store Store, q queue.Queue, now func() time.Time) event.Handler {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context, be event.BusEvent) error {
		env := be.Detail
		names := NamesOf(env)
		if len(names) == 0 || env.TenantID == "" {
			return nil
		}
		hooks, err := store.ListWebhooks(ctx, env.TenantID)
		if err != nil {
			return fmt.Errorf("fan out %s: list webhooks: %w", env.ID, err)
		}
		var errs []error
		if js, ok := store.(DeliveryJobStore); ok {
			var ds []Delivery
			for _, w := range hooks {
				for _, name := range names {
					if !w.Wants(name, env) {
						continue
					}
					d, err := NewDelivery(w, name, env, now())
					if err != nil {
						errs = append(errs, err)
						continue
					}
					ds = append(ds, d)
				}
			}
			if len(ds) > 0 {
				if err := js.CreateDeliveriesWithJobs(ctx, ds, JobMessage); err != nil {
					errs = append(errs, fmt.Errorf("create %d deliveries: %w", len(ds), err))
				}
			}
			if err := errors.Join(errs...); err != nil {
				return fmt.Errorf("fan out %s: %w", env.ID, err)
			}
			return nil
		}
		var jobs []queue.Outgoing
		for _, w := range hooks {
			for _, name := range names {
				if !w.Wants(name, env) {
					continue
				}
				d, err := NewDelivery(w, name, env, now())
				if err != nil {
					errs = append(errs, err)
					continue
				}
				stored, created, err := store.CreateDelivery(ctx, d)
				if err != nil {
					errs = append(errs, fmt.Errorf("create delivery %s: %w", d.ID, err))
					continue
				}
				if !created && (stored.Status != Pending || stored.Attempts > 0) {
					continue // the deliverer has it already
				}
				job, err := JobMessage(stored)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				jobs = append(jobs, job)
			}
		}
		for len(jobs) > 0 {
			n := min(len(jobs), queue.MaxBatch)
			if err := q.Send(ctx, DeliveriesQueue, jobs[:n]...); err != nil {
				errs = append(errs, fmt.Errorf("enqueue %d deliveries: %w", n, err))
			}
			jobs = jobs[n:]
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("fan out %s: %w", env.ID, err)
		}
		return nil
	}
}

// NewDelivery builds the pending delivery of the event under the webhook name to the endpoint: its ID
// (DeliveryID), and its body fixed once, so every attempt and replay sends the same bytes: the Canonical JSON of
// Body, byte-identical to JSON.stringify(JSON.parse(body)) for receivers that verify over a re-serialization.
func NewDelivery(w Webhook, name string, env event.Envelope, now time.Time) (Delivery, error) {
	data := env.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	raw, err := event.Marshal(Body{Event: name, Timestamp: Timestamp(env.Time), Data: data, EventID: env.ID, SessionID: env.SessionID})
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery body of %s: %w", env.ID, err)
	}
	body, err := Canonical(raw)
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery body of %s: %w", env.ID, err)
	}
	now = now.UTC()
	return Delivery{
		ID:        DeliveryID(w.ID, name, env.ID, env.Time),
		TenantID:  w.TenantID,
		WebhookID: w.ID,
		EventID:   env.ID,
		Event:     name,
		SessionID: env.SessionID,
		Body:      body,
		Status:    Pending,
		CreatedAt: now,
		UpdatedAt: now,
		ExpiresAt: now.Add(Retention),
	}, nil
}
