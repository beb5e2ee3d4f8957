package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/webhook"
)

// WebhookJobStore is the WebhookStore of a database that also holds the webhook queues: as a
// webhook.DeliveryJobStore it commits an event's deliveries and their jobs in one write, where webhook.Fanout
// would otherwise make one write per delivery and one more for the jobs.
type WebhookJobStore struct {
	*WebhookStore
	q *Queue
}

var _ webhook.DeliveryJobStore = (*WebhookJobStore)(nil)

// NewWebhookJobStore returns the webhook store of q's database, sending jobs through q.
func NewWebhookJobStore(q *Queue) *WebhookJobStore {
	return &WebhookJobStore{WebhookStore: NewWebhookStore(q.db), q: q}
}

// CreateDeliveriesWithJobs creates the deliveries (as CreateDelivery) and sends the jobs of those created or
// still pending with no attempt to webhook.DeliveriesQueue, in one write.
func (s *WebhookJobStore) CreateDeliveriesWithJobs(ctx context.Context, ds []webhook.Delivery,
	job func(webhook.Delivery) (queue.Outgoing, error)) error {
	st, err := s.db.writeStmts(ctx, createDeliverySQL...)
	if err != nil {
		return fmt.Errorf("create deliveries: %w", err)
	}
	now := s.db.Now()
	sent := false
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		jobs := make([]queue.Outgoing, 0, len(ds))
		for _, d := range ds {
			stored, created, err := createDeliveryIn(ctx, tx, st, d, fmtTime(now))
			if err != nil {
				return fmt.Errorf("create delivery %s: %w", d.ID, err)
			}
			if !created && (stored.Status != webhook.Pending || stored.Attempts > 0) {
				continue // the deliverer has it already
			}
			m, err := job(stored)
			if err != nil {
				return err
			}
			jobs = append(jobs, m)
		}
		for len(jobs) > 0 {
			n := min(len(jobs), queue.MaxBatch)
			if err := s.q.sendIn(ctx, tx, webhook.DeliveriesQueue, jobs[:n]); err != nil {
				return fmt.Errorf("enqueue %d deliveries: %w", n, err)
			}
			jobs = jobs[n:]
		}
		sent = len(ds) > 0
		return nil
	})
	if err != nil {
		return err
	}
	if sent {
		s.q.sent(webhook.DeliveriesQueue)
	}
	s.sweep(ctx, now)
	return nil
}
