package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/webhook"
)

// WebhookStore is webhook.Store on SQLite (tables webhooks, webhook_deliveries and webhook_attempts of
// migrations/0003_webhooks.sql). Deliveries and attempts whose expiry has passed are never returned; the writes that
// add them (CreateDelivery, AddAttempt) also delete them in bounded batches, at most once every sweepEvery.
//
// The hot statements are prepared once (on the writer, through DB.writeStmts, or on the readers, through
// DB.readRow): parsing the SQL used to be most of a write's cost.
type WebhookStore struct {
	db *DB

	sweepMu   sync.Mutex
	nextSweep time.Time
}

var _ webhook.Store = (*WebhookStore)(nil)

// NewWebhookStore returns the webhook store of db.
func NewWebhookStore(db *DB) *WebhookStore { return &WebhookStore{db: db} }

// sweepEvery is how often the store deletes expired deliveries and attempts; sweepBatch bounds one pass over a
// table. Until a sweep, reads skip expired rows.
const (
	sweepEvery = time.Minute
	sweepBatch = 1000
)

// storedSecret is a webhook.Secret as stored: webhook.Secret hides its value from JSON, the store must keep it.
type storedSecret struct {
	Value     string  `json:"value"`
	CreatedAt string  `json:"createdAt"`
	ExpiresAt *string `json:"expiresAt,omitempty"`
}

func encodeSecrets(ss []webhook.Secret) (string, error) {
	out := make([]storedSecret, len(ss))
	for i, s := range ss {
		out[i] = storedSecret{Value: s.Value, CreatedAt: fmtTime(s.CreatedAt)}
		if s.ExpiresAt != nil {
			exp := fmtTime(*s.ExpiresAt)
			out[i].ExpiresAt = &exp
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

func decodeSecrets(s string) ([]webhook.Secret, error) {
	var stored []storedSecret
	if err := json.Unmarshal([]byte(s), &stored); err != nil {
		return nil, err
	}
	out := make([]webhook.Secret, len(stored))
	for i, st := range stored {
		out[i] = webhook.Secret{Value: st.Value, CreatedAt: parseTime(st.CreatedAt)}
		if st.ExpiresAt != nil {
			exp := parseTime(*st.ExpiresAt)
			out[i].ExpiresAt = &exp
		}
	}
	return out, nil
}

// webhookJSON holds the JSON columns of a webhook; lists and maps are never stored as null, so every webhook read
// back has non-nil Events, Sessions, Headers and Secrets.
type webhookJSON struct{ events, sessions, headers, secrets string }

func encodeWebhookJSON(w webhook.Webhook) (webhookJSON, error) {
	var j webhookJSON
	var errs [4]error
	var b []byte
	b, errs[0] = json.Marshal(nonNil(w.Events))
	j.events = string(b)
	b, errs[1] = json.Marshal(nonNil(w.Sessions))
	j.sessions = string(b)
	headers := w.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	b, errs[2] = json.Marshal(headers)
	j.headers = string(b)
	j.secrets, errs[3] = encodeSecrets(w.Secrets)
	if err := errors.Join(errs[:]...); err != nil {
		return webhookJSON{}, fmt.Errorf("encode webhook %s: %w", w.ID, err)
	}
	return j, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const webhookCols = `tenant_id, id, url, description, events, sessions, ignore_groups, ignore_broadcast, ignore_status,
	headers, enabled, disabled_reason, secrets, policy_schedule, policy_timeout_ms, policy_retry_client_errors,
	policy_max_concurrency, policy_disable_after_hours, failing_since, seq, created_at, updated_at`

func scanWebhook(r rowScanner) (webhook.Webhook, error) {
	var w webhook.Webhook
	var j webhookJSON
	var failing sql.NullString
	var created, updated string
	if err := r.Scan(&w.TenantID, &w.ID, &w.URL, &w.Description, &j.events, &j.sessions, &w.IgnoreGroups,
		&w.IgnoreBroadcast, &w.IgnoreStatus, &j.headers, &w.Enabled, &w.DisabledReason, &j.secrets, &w.Policy.Schedule,
		&w.Policy.TimeoutMS, &w.Policy.RetryClientErrors, &w.Policy.MaxConcurrency, &w.Policy.DisableAfterHours,
		&failing, &w.Seq, &created, &updated); err != nil {
		return webhook.Webhook{}, err
	}
	var errs [4]error
	errs[0] = json.Unmarshal([]byte(j.events), &w.Events)
	errs[1] = json.Unmarshal([]byte(j.sessions), &w.Sessions)
	errs[2] = json.Unmarshal([]byte(j.headers), &w.Headers)
	w.Secrets, errs[3] = decodeSecrets(j.secrets)
	if err := errors.Join(errs[:]...); err != nil {
		return webhook.Webhook{}, fmt.Errorf("decode webhook %s: %w", w.ID, err)
	}
	w.FailingSince, w.CreatedAt, w.UpdatedAt = parseTimePtr(failing), parseTime(created), parseTime(updated)
	return w, nil
}

func oneWebhook(row *sql.Row) (webhook.Webhook, error) {
	w, err := scanWebhook(row)
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Webhook{}, webhook.ErrNotFound
	}
	if err != nil {
		return webhook.Webhook{}, fmt.Errorf("get webhook: %w", err)
	}
	return w, nil
}

// CreateWebhook inserts w with w.Seq as its sequence number (0 for a new endpoint); an ID that exists is an error.
func (s *WebhookStore) CreateWebhook(ctx context.Context, w webhook.Webhook) error {
	j, err := encodeWebhookJSON(w)
	if err != nil {
		return err
	}
	_, err = s.db.W.ExecContext(ctx, `INSERT INTO webhooks (`+webhookCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.TenantID, w.ID, w.URL, w.Description, j.events, j.sessions, w.IgnoreGroups, w.IgnoreBroadcast, w.IgnoreStatus,
		j.headers, w.Enabled, w.DisabledReason, j.secrets, w.Policy.Schedule, w.Policy.TimeoutMS, w.Policy.RetryClientErrors,
		w.Policy.MaxConcurrency, w.Policy.DisableAfterHours, fmtTimePtr(w.FailingSince), w.Seq, fmtTime(w.CreatedAt),
		fmtTime(w.UpdatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("create webhook: webhook %s exists", w.ID)
	}
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

const (
	getWebhookSQL    = `SELECT ` + webhookCols + ` FROM webhooks WHERE tenant_id = ? AND id = ?`
	listWebhooksSQL  = `SELECT ` + webhookCols + ` FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id`
	updateWebhookSQL = `UPDATE webhooks SET url = ?, description = ?, events = ?, sessions = ?,
		ignore_groups = ?, ignore_broadcast = ?, ignore_status = ?, headers = ?, enabled = ?, disabled_reason = ?,
		secrets = ?, policy_schedule = ?, policy_timeout_ms = ?, policy_retry_client_errors = ?,
		policy_max_concurrency = ?, policy_disable_after_hours = ?, failing_since = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`
)

// EachWebhook reads every endpoint of every tenant, then calls fn with each (no read is held open while fn
// writes).
func (s *WebhookStore) EachWebhook(ctx context.Context, fn func(webhook.Webhook) error) error {
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks ORDER BY tenant_id, id`)
	if err != nil {
		return fmt.Errorf("scan webhooks: %w", err)
	}
	var all []webhook.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("scan webhooks: %w", err)
		}
		all = append(all, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan webhooks: %w", err)
	}
	for _, w := range all {
		if err := fn(w); err != nil {
			return err
		}
	}
	return nil
}

func (s *WebhookStore) GetWebhook(ctx context.Context, tenantID, id string) (webhook.Webhook, error) {
	return oneWebhook(s.db.readRow(ctx, getWebhookSQL, tenantID, id))
}

// ListWebhooks returns the tenant's endpoints oldest first.
func (s *WebhookStore) ListWebhooks(ctx context.Context, tenantID string) ([]webhook.Webhook, error) {
	rows, err := s.db.readRows(ctx, listWebhooksSQL, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []webhook.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateWebhook applies fn in a write transaction. It never writes Seq (CreateDelivery's) nor CreatedAt (the domain
// keeps it: webhook.keepWebhookFixed) and answers what was stored; a change of the ID or tenant is refused.
func (s *WebhookStore) UpdateWebhook(ctx context.Context, tenantID, id string, fn func(*webhook.Webhook) error) (webhook.Webhook, error) {
	st, err := s.db.writeStmts(ctx, getWebhookSQL, updateWebhookSQL)
	if err != nil {
		return webhook.Webhook{}, fmt.Errorf("update webhook: %w", err)
	}
	var out webhook.Webhook
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		get := tx.StmtContext(ctx, st[0])
		w, err := oneWebhook(get.QueryRowContext(ctx, tenantID, id))
		if err != nil {
			return err
		}
		orig := w
		if err := fn(&w); err != nil {
			return err
		}
		if w.ID != orig.ID || w.TenantID != orig.TenantID {
			return moved("webhook")
		}
		j, err := encodeWebhookJSON(w)
		if err != nil {
			return err
		}
		if _, err := tx.StmtContext(ctx, st[1]).ExecContext(ctx, w.URL, w.Description, j.events, j.sessions, w.IgnoreGroups, w.IgnoreBroadcast, w.IgnoreStatus, j.headers,
			w.Enabled, w.DisabledReason, j.secrets, w.Policy.Schedule, w.Policy.TimeoutMS, w.Policy.RetryClientErrors,
			w.Policy.MaxConcurrency, w.Policy.DisableAfterHours, fmtTimePtr(w.FailingSince), fmtTime(w.UpdatedAt),
			tenantID, id); err != nil {
			return fmt.Errorf("update webhook: %w", err)
		}
		// Decode what was stored, so the caller gets the same normalized lists a read returns.
		out, err = oneWebhook(get.QueryRowContext(ctx, tenantID, id))
		return err
	})
	return out, err
}

// DeleteWebhook deletes the endpoint; its deliveries stay in the log until they expire.
func (s *WebhookStore) DeleteWebhook(ctx context.Context, tenantID, id string) error {
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM webhooks WHERE tenant_id = ? AND id = ?`, tenantID, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return webhook.ErrNotFound
	}
	return nil
}

const deliveryCols = `tenant_id, id, webhook_id, event_id, event, session_id, body, seq, status, attempts, cycle_start, next_at,
	last_code, last_error, created_at, updated_at, expires_at`

func scanDelivery(r rowScanner) (webhook.Delivery, error) {
	var d webhook.Delivery
	var body []byte
	var next sql.NullString
	var created, updated, expires string
	if err := r.Scan(&d.TenantID, &d.ID, &d.WebhookID, &d.EventID, &d.Event, &d.SessionID, &body, &d.Seq, &d.Status,
		&d.Attempts, &d.CycleStart, &next, &d.LastCode, &d.LastError, &created, &updated, &expires); err != nil {
		return webhook.Delivery{}, err
	}
	d.Body, d.NextAt = json.RawMessage(body), parseTimePtr(next)
	d.CreatedAt, d.UpdatedAt, d.ExpiresAt = parseTime(created), parseTime(updated), parseTime(expires)
	return d, nil
}

// liveDelivery reads the delivery unless it does not exist or has expired.
func liveDelivery(row *sql.Row) (webhook.Delivery, error) {
	d, err := scanDelivery(row)
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Delivery{}, webhook.ErrDeliveryNotFound
	}
	if err != nil {
		return webhook.Delivery{}, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

const (
	getLiveDelivery   = `SELECT ` + deliveryCols + ` FROM webhook_deliveries WHERE tenant_id = ? AND id = ? AND expires_at > ?`
	nextSeqSQL        = `UPDATE webhooks SET seq = seq + 1 WHERE tenant_id = ? AND id = ? RETURNING seq`
	insertDeliverySQL = `INSERT OR REPLACE INTO webhook_deliveries (` + deliveryCols + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	updateDeliverySQL = `UPDATE webhook_deliveries SET status = ?, attempts = ?, cycle_start = ?, next_at = ?,
		last_code = ?, last_error = ?, updated_at = ?, expires_at = ? WHERE tenant_id = ? AND id = ?`
	// updateDeliveryStatusSQL is updateDeliverySQL for an update that keeps expires_at: SQLite rewrites the entry of
	// every index on a column the UPDATE sets, so leaving expires_at out spares the expiry index two writes.
	updateDeliveryStatusSQL = `UPDATE webhook_deliveries SET status = ?, attempts = ?, cycle_start = ?, next_at = ?,
		last_code = ?, last_error = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`
	countLiveDeliverySQL = `SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = ? AND id = ? AND expires_at > ?`
	insertAttemptSQL     = `INSERT OR REPLACE INTO webhook_attempts
		(tenant_id, delivery_id, n, at, status_code, duration_ms, response, error, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
)

// CreateDelivery runs in one write transaction: a live delivery with d.ID is returned as it is; otherwise the
// endpoint's seq is incremented and d is inserted with it (replacing an expired delivery of the same ID).
func (s *WebhookStore) CreateDelivery(ctx context.Context, d webhook.Delivery) (webhook.Delivery, bool, error) {
	st, err := s.db.writeStmts(ctx, createDeliverySQL...)
	if err != nil {
		return webhook.Delivery{}, false, fmt.Errorf("create delivery: %w", err)
	}
	var out webhook.Delivery
	created := false
	now := s.db.Now()
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out, created, err = createDeliveryIn(ctx, tx, st, d, fmtTime(now))
		return err
	})
	if err != nil {
		return out, created, err
	}
	s.sweep(ctx, now)
	return out, created, nil
}

// createDeliverySQL are the statements of createDeliveryIn, in its order.
var createDeliverySQL = []string{getLiveDelivery, nextSeqSQL, insertDeliverySQL}

// createDeliveryIn is CreateDelivery inside tx, with the createDeliverySQL statements as prepared on the writer.
func createDeliveryIn(ctx context.Context, tx *sql.Tx, st []*sql.Stmt, d webhook.Delivery, now string) (webhook.Delivery, bool, error) {
	cur, err := liveDelivery(tx.StmtContext(ctx, st[0]).QueryRowContext(ctx, d.TenantID, d.ID, now))
	if err == nil {
		return cur, false, nil
	}
	if !errors.Is(err, webhook.ErrDeliveryNotFound) {
		return webhook.Delivery{}, false, err
	}
	err = tx.StmtContext(ctx, st[1]).QueryRowContext(ctx, d.TenantID, d.WebhookID).Scan(&d.Seq)
	if errors.Is(err, sql.ErrNoRows) {
		return webhook.Delivery{}, false, webhook.ErrNotFound
	}
	if err != nil {
		return webhook.Delivery{}, false, fmt.Errorf("next delivery seq: %w", err)
	}
	body := []byte(d.Body)
	if body == nil {
		body = []byte{}
	}
	if _, err := tx.StmtContext(ctx, st[2]).ExecContext(ctx, d.TenantID, d.ID, d.WebhookID, d.EventID, d.Event, d.SessionID, body, d.Seq, d.Status, d.Attempts, d.CycleStart,
		fmtTimePtr(d.NextAt), d.LastCode, d.LastError, fmtTime(d.CreatedAt), fmtTime(d.UpdatedAt),
		fmtTime(d.ExpiresAt)); err != nil {
		return webhook.Delivery{}, false, fmt.Errorf("insert delivery: %w", err)
	}
	return d, true, nil
}

// sweep deletes expired deliveries and attempts of any tenant, a bounded batch per table in a transaction of its
// own, at most once every sweepEvery, and again at the next call while a batch comes back full or a delete fails.
// Its errors do not fail the write that ran it, which is committed by then; a concurrent call skips the sweep.
func (s *WebhookStore) sweep(ctx context.Context, now time.Time) {
	if !s.sweepMu.TryLock() {
		return
	}
	defer s.sweepMu.Unlock()
	if now.Before(s.nextSweep) {
		return
	}
	for _, table := range []string{"webhook_deliveries", "webhook_attempts"} {
		res, err := s.db.W.ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN
			(SELECT rowid FROM `+table+` WHERE expires_at <= ? LIMIT ?)`, fmtTime(now), sweepBatch)
		if err != nil {
			return
		}
		if n, _ := res.RowsAffected(); n == sweepBatch {
			return
		}
	}
	s.nextSweep = now.Add(sweepEvery)
}

func (s *WebhookStore) GetDelivery(ctx context.Context, tenantID, id string) (webhook.Delivery, error) {
	return liveDelivery(s.db.readRow(ctx, getLiveDelivery, tenantID, id, fmtTime(s.db.Now())))
}

// UpdateDelivery applies fn in a write transaction and saves what a delivery's progress is (Status, Attempts,
// CycleStart, NextAt, LastCode, LastError, UpdatedAt, ExpiresAt); the rest is fixed by the domain
// (webhook.keepDeliveryFixed), and a change of the ID or tenant is refused.
func (s *WebhookStore) UpdateDelivery(ctx context.Context, tenantID, id string, fn func(*webhook.Delivery) error) (webhook.Delivery, error) {
	st, err := s.db.writeStmts(ctx, updateDeliveryStmts...)
	if err != nil {
		return webhook.Delivery{}, fmt.Errorf("update delivery: %w", err)
	}
	var out webhook.Delivery
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out, err = updateDeliveryTx(ctx, tx, st, tenantID, id, fmtTime(s.db.Now()), fn)
		return err
	})
	return out, err
}

// updateDeliveryStmts are the statements of updateDeliveryTx, in its order.
var updateDeliveryStmts = []string{getLiveDelivery, updateDeliverySQL, updateDeliveryStatusSQL}

// updateDeliveryTx is UpdateDelivery inside tx, with the updateDeliveryStmts as prepared on the writer.
func updateDeliveryTx(ctx context.Context, tx *sql.Tx, st []*sql.Stmt, tenantID, id, now string,
	fn func(*webhook.Delivery) error) (webhook.Delivery, error) {
	d, err := liveDelivery(tx.StmtContext(ctx, st[0]).QueryRowContext(ctx, tenantID, id, now))
	if err != nil {
		return webhook.Delivery{}, err
	}
	orig := d
	if err := fn(&d); err != nil {
		return webhook.Delivery{}, err
	}
	if d.ID != orig.ID || d.TenantID != orig.TenantID {
		return webhook.Delivery{}, moved("delivery")
	}
	if d.ExpiresAt.Equal(orig.ExpiresAt) {
		_, err = tx.StmtContext(ctx, st[2]).ExecContext(ctx, d.Status, d.Attempts, d.CycleStart, fmtTimePtr(d.NextAt),
			d.LastCode, d.LastError, fmtTime(d.UpdatedAt), tenantID, id)
	} else {
		_, err = tx.StmtContext(ctx, st[1]).ExecContext(ctx, d.Status, d.Attempts, d.CycleStart, fmtTimePtr(d.NextAt),
			d.LastCode, d.LastError, fmtTime(d.UpdatedAt), fmtTime(d.ExpiresAt), tenantID, id)
	}
	if err != nil {
		return webhook.Delivery{}, fmt.Errorf("update delivery: %w", err)
	}
	return d, nil
}

// RecordAttempt runs UpdateDelivery of a.DeliveryID with fn and the insert of AddAttempt in one write transaction.
func (s *WebhookStore) RecordAttempt(ctx context.Context, tenantID string, a webhook.Attempt, expires time.Time,
	fn func(*webhook.Delivery) error) (webhook.Delivery, error) {
	st, err := s.db.writeStmts(ctx, append(updateDeliveryStmts, insertAttemptSQL)...)
	if err != nil {
		return webhook.Delivery{}, fmt.Errorf("record attempt: %w", err)
	}
	now := s.db.Now()
	var out webhook.Delivery
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if out, err = updateDeliveryTx(ctx, tx, st[:3], tenantID, a.DeliveryID, fmtTime(now), fn); err != nil {
			return err
		}
		return insertAttempt(ctx, tx, st[3], tenantID, a, expires)
	})
	if err != nil {
		return webhook.Delivery{}, err
	}
	s.sweep(ctx, now)
	return out, nil
}

// insertAttempt stores the attempt inside tx, with the insert statement as prepared on the writer.
func insertAttempt(ctx context.Context, tx *sql.Tx, insert *sql.Stmt, tenantID string, a webhook.Attempt, expires time.Time) error {
	if _, err := tx.StmtContext(ctx, insert).ExecContext(ctx, tenantID, a.DeliveryID, a.N, fmtTime(a.At), a.StatusCode,
		a.DurationMS, a.Response, a.Error, fmtTime(expires)); err != nil {
		return fmt.Errorf("add attempt: %w", err)
	}
	return nil
}

// ListDeliveries returns the live deliveries matching f, newest (highest ID) first. From is inclusive and To
// exclusive on CreatedAt.
func (s *WebhookStore) ListDeliveries(ctx context.Context, tenantID string, f webhook.DeliveryFilter) ([]webhook.Delivery, error) {
	if err := activity.CheckLimit(f.Limit); err != nil {
		return nil, err
	}
	var where strings.Builder
	where.WriteString(`tenant_id = ? AND expires_at > ?`)
	args := []any{tenantID, fmtTime(s.db.Now())}
	add := func(cond string, arg any) {
		where.WriteString(" AND " + cond)
		args = append(args, arg)
	}
	if f.WebhookID != "" {
		add("webhook_id = ?", f.WebhookID)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Event != "" {
		add("event = ?", f.Event)
	}
	if !f.From.IsZero() {
		add("created_at >= ?", fmtTime(f.From))
	}
	if !f.To.IsZero() {
		add("created_at < ?", fmtTime(f.To))
	}
	if f.Before != "" {
		add("id < ?", f.Before)
	}
	rows, err := s.db.R.QueryContext(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE `+where.String()+
		` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AddAttempt stores the attempt of a live delivery of the tenant, replacing an attempt with the same N.
func (s *WebhookStore) AddAttempt(ctx context.Context, tenantID string, a webhook.Attempt, expires time.Time) error {
	st, err := s.db.writeStmts(ctx, countLiveDeliverySQL, insertAttemptSQL)
	if err != nil {
		return fmt.Errorf("add attempt: %w", err)
	}
	now := s.db.Now()
	err = s.db.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.StmtContext(ctx, st[0]).QueryRowContext(ctx, tenantID, a.DeliveryID, fmtTime(now)).Scan(&n); err != nil {
			return fmt.Errorf("add attempt: %w", err)
		}
		if n == 0 {
			return webhook.ErrDeliveryNotFound
		}
		return insertAttempt(ctx, tx, st[1], tenantID, a, expires)
	})
	if err != nil {
		return err
	}
	s.sweep(ctx, now)
	return nil
}

// ListAttempts returns the live attempts of the delivery ordered by N; none for an unknown delivery.
func (s *WebhookStore) ListAttempts(ctx context.Context, tenantID, deliveryID string) ([]webhook.Attempt, error) {
	rows, err := s.db.R.QueryContext(ctx, `SELECT delivery_id, n, at, status_code, duration_ms, response, error
		FROM webhook_attempts WHERE tenant_id = ? AND delivery_id = ? AND expires_at > ? ORDER BY n`,
		tenantID, deliveryID, fmtTime(s.db.Now()))
	if err != nil {
		return nil, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	out := []webhook.Attempt{}
	for rows.Next() {
		var a webhook.Attempt
		var at string
		if err := rows.Scan(&a.DeliveryID, &a.N, &at, &a.StatusCode, &a.DurationMS, &a.Response, &a.Error); err != nil {
			return nil, fmt.Errorf("list attempts: %w", err)
		}
		a.At = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
