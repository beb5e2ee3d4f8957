package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/queue"
)

// URLChecker validates an endpoint URL when it is created or changed (the SSRF Guard).
type URLChecker interface {
	CheckURL(ctx context.Context, raw string) error
}

// Service is what the API does with webhooks: manage endpoints and their secrets, test them, and read and replay
// their deliveries. Deliveries themselves are made by Fanout and the Deliverer.
type Service struct {
	Store  Store
	Guard  URLChecker
	Queue  queue.Queue
	Sender Sender
	// Version goes in the User-Agent of test deliveries.
	Version string
	Now     func() time.Time
}

// CreateInput is POST /api/webhooks.
type CreateInput struct {
	URL             string            `json:"url"`
	Events          []string          `json:"events"`
	Secret          string            `json:"secret"`
	Description     string            `json:"description"`
	Sessions        []string          `json:"sessions"`
	IgnoreGroups    bool              `json:"ignoreGroups"`
	IgnoreBroadcast bool              `json:"ignoreBroadcast"`
	IgnoreStatus    bool              `json:"ignoreStatus"`
	Headers         map[string]string `json:"headers"`
	Enabled         *bool             `json:"enabled"`
	Retry           *Policy           `json:"retry"`
}

// UpdateInput is PATCH /api/webhooks/:id; nil fields stay.
type UpdateInput struct {
	URL             *string            `json:"url"`
	Events          *[]string          `json:"events"`
	Description     *string            `json:"description"`
	Sessions        *[]string          `json:"sessions"`
	IgnoreGroups    *bool              `json:"ignoreGroups"`
	IgnoreBroadcast *bool              `json:"ignoreBroadcast"`
	IgnoreStatus    *bool              `json:"ignoreStatus"`
	Headers         *map[string]string `json:"headers"`
	Enabled         *bool              `json:"enabled"`
	Retry           *Policy            `json:"retry"`
}

func (s *Service) check(ctx context.Context, f *apperr.Fields, w *Webhook, secret string) {
	if utf8.RuneCountInString(w.URL) > 2048 || w.URL == "" {
		f.Add("url", "is required and at most 2048 characters")
	} else if err := s.Guard.CheckURL(ctx, w.URL); err != nil && !f.AddErr(err) {
		// The guard's validation errors name the field "url" already; repeating it read "url: url: …".
		f.Add("url", "%s", apperrMessage(err))
	}
	if len(w.Events) == 0 {
		f.Add("events", "must list at least one event name or \"*\"")
	}
	for i, e := range w.Events {
		if !ValidName(e) || e == Test {
			f.Add("events", "event %d (%q) is not a webhook event", i, e)
		}
	}
	if utf8.RuneCountInString(w.Description) > 500 {
		f.Add("description", "must be at most 500 characters")
	}
	if len(w.Sessions) > 100 {
		f.Add("sessions", "may list at most 100 sessions")
	}
	if len(w.Headers) > 20 {
		f.Add("headers", "may hold at most 20 headers")
	}
	for name, v := range w.Headers {
		switch {
		case !validHeaderName(name):
			f.Add("headers", "%q is not a valid header name", name)
		case ReservedHeader(name):
			f.Add("headers", "%q is set by WaQtor and cannot be overridden", name)
		case strings.ContainsAny(v, "\r\n") || len(v) > 1000:
			f.Add("headers", "the value of %q must be one line of at most 1000 characters", name)
		}
	}
	if secret != "" && (len(secret) < 16 || len(secret) > 200) {
		f.Add("secret", "must be 16 to 200 characters (or empty to generate one)")
	}
	if err := w.Policy.Validate(); err != nil {
		if ae, ok := err.(*apperr.Error); ok {
			if d, ok := ae.Details.(map[string]any); ok {
				if fields, ok := d["fields"].([]apperr.FieldError); ok {
					*f = append(*f, fields...)
					return
				}
			}
		}
		f.Add("retry", "%s", err.Error())
	}
}

func apperrMessage(err error) string {
	if ae, ok := err.(*apperr.Error); ok {
		return ae.Message
	}
	return err.Error()
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

// HeaderMask stands for every custom header value the API answers: the values are write-only (they often hold
// credentials of the receiver). In PATCH, a header whose value is HeaderMask keeps its stored value, so what GET
// answered can be sent back with only the changed headers filled in.
const HeaderMask = "********"

// masked returns w with its header values replaced by HeaderMask (a new map: w is not changed).
func masked(w Webhook) Webhook {
	hs := make(map[string]string, len(w.Headers))
	for name := range w.Headers {
		hs[name] = HeaderMask
	}
	w.Headers = hs
	return w
}

// Created is a new endpoint with its secret, shown this once.
type Created struct {
	Webhook
	Secret string `json:"secret"`
}

// Create registers an endpoint (the API route needs webhooks:write). An empty secret is generated.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (Created, error) {
	now := s.Now().UTC()
	w := Webhook{ID: id.New("wh"), TenantID: p.TenantID, URL: strings.TrimSpace(in.URL), Description: in.Description,
		Events: dedupe(in.Events), Sessions: dedupe(in.Sessions), IgnoreGroups: in.IgnoreGroups,
		IgnoreBroadcast: in.IgnoreBroadcast, IgnoreStatus: in.IgnoreStatus, Headers: in.Headers, Enabled: true,
		CreatedAt: now, UpdatedAt: now}
	if in.Enabled != nil {
		w.Enabled = *in.Enabled
	}
	if in.Retry != nil {
		w.Policy = *in.Retry
	}
	w.Policy = w.Policy.WithDefaults()
	var f apperr.Fields
	s.check(ctx, &f, &w, in.Secret)
	if err := f.Err(); err != nil {
		return Created{}, err
	}
	secret := in.Secret
	if secret == "" {
		secret = NewSecret()
	}
	w.Secrets = []Secret{{Value: secret, CreatedAt: now}}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	if err := s.Store.CreateWebhook(ctx, w); err != nil {
		return Created{}, err
	}
	return Created{Webhook: masked(w), Secret: secret}, nil
}

func dedupe(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		if x = strings.TrimSpace(x); !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// List returns the tenant's endpoints (the API route needs webhooks:read).
func (s *Service) List(ctx context.Context, p auth.Principal) ([]Webhook, error) {
	ws, err := s.Store.ListWebhooks(ctx, p.TenantID)
	for i := range ws {
		ws[i] = masked(ws[i])
	}
	return ws, err
}

// Get returns one endpoint (the API route needs webhooks:read).
func (s *Service) Get(ctx context.Context, p auth.Principal, webhookID string) (Webhook, error) {
	w, err := s.Store.GetWebhook(ctx, p.TenantID, webhookID)
	return masked(w), err
}

// Update changes an endpoint (the API route needs webhooks:write). Enabling an endpoint clears its failure run.
func (s *Service) Update(ctx context.Context, p auth.Principal, webhookID string, in UpdateInput) (Webhook, error) {
	cur, err := s.Store.GetWebhook(ctx, p.TenantID, webhookID)
	if err != nil {
		return Webhook{}, err
	}
	apply := func(w *Webhook) {
		if in.URL != nil {
			w.URL = strings.TrimSpace(*in.URL)
		}
		if in.Events != nil {
			w.Events = dedupe(*in.Events)
		}
		if in.Description != nil {
			w.Description = *in.Description
		}
		if in.Sessions != nil {
			w.Sessions = dedupe(*in.Sessions)
		}
		if in.IgnoreGroups != nil {
			w.IgnoreGroups = *in.IgnoreGroups
		}
		if in.IgnoreBroadcast != nil {
			w.IgnoreBroadcast = *in.IgnoreBroadcast
		}
		if in.IgnoreStatus != nil {
			w.IgnoreStatus = *in.IgnoreStatus
		}
		if in.Headers != nil {
			hs := make(map[string]string, len(*in.Headers))
			for name, v := range *in.Headers {
				if v == HeaderMask {
					v = w.Headers[name]
				}
				hs[name] = v
			}
			w.Headers = hs
		}
		if in.Retry != nil {
			w.Policy = in.Retry.WithDefaults()
		}
		if in.Enabled != nil {
			if *in.Enabled && !w.Enabled {
				w.FailingSince, w.DisabledReason = nil, ""
			}
			if !*in.Enabled {
				w.DisabledReason = ""
			}
			w.Enabled = *in.Enabled
		}
	}
	probe := cur
	apply(&probe)
	var f apperr.Fields
	if in.Headers != nil {
		for name, v := range *in.Headers {
			if _, stored := cur.Headers[name]; v == HeaderMask && !stored {
				f.Add("headers", "%q has no stored value for %q to keep; send its value", name, HeaderMask)
			}
		}
	}
	s.check(ctx, &f, &probe, "")
	if err := f.Err(); err != nil {
		return Webhook{}, err
	}
	w, err := s.Store.UpdateWebhook(ctx, p.TenantID, webhookID, keepWebhookFixed(func(w *Webhook) error {
		apply(w)
		w.UpdatedAt = s.Now().UTC()
		return nil
	}))
	return masked(w), err
}

// Delete removes an endpoint (the API route needs webhooks:write). Its pending deliveries are dropped when they come up.
func (s *Service) Delete(ctx context.Context, p auth.Principal, webhookID string) error {
	if _, err := s.Store.GetWebhook(ctx, p.TenantID, webhookID); err != nil {
		return err
	}
	return s.Store.DeleteWebhook(ctx, p.TenantID, webhookID)
}

// RotateInput is POST /api/webhooks/:id/rotate-secret.
type RotateInput struct {
	// Secret is the new secret ("" generates one).
	Secret string `json:"secret"`
	// OverlapHours is how long the previous secret keeps signing too (default 24, 0 to 720).
	OverlapHours *int `json:"overlapHours"`
}

// RotateSecret makes a new signing secret (the API route needs webhooks:write). The previous one keeps signing for the overlap, so
// receivers verifying either secret lose nothing; older ones stop at once.
func (s *Service) RotateSecret(ctx context.Context, p auth.Principal, webhookID string, in RotateInput) (Created, error) {
	if _, err := s.Store.GetWebhook(ctx, p.TenantID, webhookID); err != nil {
		return Created{}, err
	}
	overlap := 24
	if in.OverlapHours != nil {
		overlap = *in.OverlapHours
	}
	var f apperr.Fields
	if overlap < 0 || overlap > 720 {
		f.Add("overlapHours", "must be between 0 and 720")
	}
	if in.Secret != "" && (len(in.Secret) < 16 || len(in.Secret) > 200) {
		f.Add("secret", "must be 16 to 200 characters (or empty to generate one)")
	}
	if err := f.Err(); err != nil {
		return Created{}, err
	}
	secret := in.Secret
	if secret == "" {
		secret = NewSecret()
	}
	now := s.Now().UTC()
	w, err := s.Store.UpdateWebhook(ctx, p.TenantID, webhookID, keepWebhookFixed(func(w *Webhook) error {
		until := now.Add(time.Duration(overlap) * time.Hour)
		keep := []Secret{{Value: secret, CreatedAt: now}}
		if len(w.Secrets) > 0 && overlap > 0 {
			prev := w.Secrets[0]
			prev.ExpiresAt = &until
			keep = append(keep, prev)
		}
		w.Secrets, w.UpdatedAt = keep, now
		return nil
	}))
	if err != nil {
		return Created{}, err
	}
	return Created{Webhook: masked(w), Secret: secret}, nil
}

// TestResult is what POST /api/webhooks/:id/test answers.
type TestResult struct {
	Success  bool     `json:"success"`
	Message  string   `json:"message"`
	Delivery Delivery `json:"delivery"`
	Attempt  Attempt  `json:"attempt"`
}

// TestPayload is the data of the webhook_test event sent to endpoint webhookID.
func TestPayload(webhookID string) map[string]string {
	return map[string]string{"message": "This is a test delivery from WaQtor.", "webhookId": webhookID}
}

// Test signs and sends a webhook_test delivery to the endpoint now (even if it is disabled), records it in the
// delivery log, and reports the answer. It is not retried.
func (s *Service) Test(ctx context.Context, p auth.Principal, webhookID string) (TestResult, error) {
	w, err := s.Store.GetWebhook(ctx, p.TenantID, webhookID)
	if err != nil {
		return TestResult{}, err
	}
	now := s.Now().UTC()
	data, err := event.Marshal(TestPayload(w.ID))
	if err != nil {
		return TestResult{}, err
	}
	env := event.Envelope{ID: event.NewID(), TenantID: w.TenantID, Time: now, Data: data}
	d, err := NewDelivery(w, Test, env, now)
	if err != nil {
		return TestResult{}, err
	}
	if d, _, err = s.Store.CreateDelivery(ctx, d); err != nil {
		return TestResult{}, err
	}
	res := s.Sender.Send(ctx, Request{URL: w.URL, Header: Headers(w, d, s.Version, now), Body: d.Body, Timeout: w.Policy.WithDefaults().Timeout()})
	a := Attempt{DeliveryID: d.ID, N: 1, At: now, StatusCode: res.StatusCode, DurationMS: res.Duration.Milliseconds(),
		Response: string(res.Body)}
	if res.Err != nil {
		a.Error = res.Err.Error()
	}
	ok := res.Err == nil && res.StatusCode >= 200 && res.StatusCode < 300
	d, err = s.Store.RecordAttempt(ctx, w.TenantID, a, d.ExpiresAt, keepDeliveryFixed(func(d *Delivery) error {
		d.Attempts, d.LastCode, d.LastError, d.UpdatedAt = 1, a.StatusCode, a.Error, s.Now().UTC()
		d.Status = Failed
		if ok {
			d.Status = Delivered
		}
		return nil
	}))
	if err != nil {
		return TestResult{}, err
	}
	msg := "Test webhook sent"
	if !ok {
		msg = "Test webhook failed: " + describe(a)
	}
	return TestResult{Success: ok, Message: msg, Delivery: d, Attempt: a}, nil
}

func describe(a Attempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("the endpoint answered %d %s", a.StatusCode, http.StatusText(a.StatusCode))
}

// Deliveries lists an endpoint's delivery log (the API route needs webhooks:read).
func (s *Service) Deliveries(ctx context.Context, p auth.Principal, webhookID string, f DeliveryFilter) ([]Delivery, error) {
	if _, err := s.Get(ctx, p, webhookID); err != nil {
		return nil, err
	}
	f.WebhookID = webhookID
	return s.Store.ListDeliveries(ctx, p.TenantID, f)
}

// DeliveryWithAttempts is one delivery and every attempt of it.
type DeliveryWithAttempts struct {
	Delivery
	Attempts []Attempt `json:"attemptLog"`
}

// Delivery returns one delivery of the endpoint with its attempts (the API route needs webhooks:read).
func (s *Service) Delivery(ctx context.Context, p auth.Principal, webhookID, deliveryID string) (DeliveryWithAttempts, error) {
	if _, err := s.Get(ctx, p, webhookID); err != nil {
		return DeliveryWithAttempts{}, err
	}
	d, err := s.Store.GetDelivery(ctx, p.TenantID, deliveryID)
	if err != nil {
		return DeliveryWithAttempts{}, err
	}
	if d.WebhookID != webhookID {
		return DeliveryWithAttempts{}, ErrDeliveryNotFound
	}
	as, err := s.Store.ListAttempts(ctx, p.TenantID, deliveryID)
	if err != nil {
		return DeliveryWithAttempts{}, err
	}
	return DeliveryWithAttempts{Delivery: d, Attempts: as}, nil
}

// Replay sends a delivery again with the same webhook-id and body (the API route needs webhooks:write), starting a fresh retry cycle.
// A delivery still pending is left as it is.
func (s *Service) Replay(ctx context.Context, p auth.Principal, webhookID, deliveryID string) (Delivery, error) {
	cur, err := s.Delivery(ctx, p, webhookID, deliveryID)
	if err != nil {
		return Delivery{}, err
	}
	if cur.Status == Pending {
		return cur.Delivery, nil
	}
	d, err := s.Store.UpdateDelivery(ctx, p.TenantID, deliveryID, keepDeliveryFixed(func(d *Delivery) error {
		d.Status, d.NextAt, d.CycleStart, d.UpdatedAt = Pending, nil, d.Attempts, s.Now().UTC()
		return nil
	}))
	if err != nil {
		return Delivery{}, err
	}
	job, err := json.Marshal(Job{TenantID: d.TenantID, DeliveryID: d.ID})
	if err != nil {
		return Delivery{}, err
	}
	return d, s.Queue.Send(ctx, DeliveriesQueue, queue.Outgoing{Body: job})
}

// ReplayRange is POST /api/webhooks/:id/replay: every failed delivery created in [From, To).
type ReplayRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// ReplayFailed replays every failed delivery of the endpoint created in the range and says how many.
func (s *Service) ReplayFailed(ctx context.Context, p auth.Principal, webhookID string, r ReplayRange) (int, error) {
	var f apperr.Fields
	if r.From.IsZero() {
		f.Add("from", "is required (RFC 3339)")
	}
	if r.To.IsZero() {
		r.To = s.Now()
	}
	if !r.From.IsZero() && !r.To.After(r.From) {
		f.Add("to", "must be after from")
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	n, before := 0, ""
	for {
		page, err := s.Deliveries(ctx, p, webhookID, DeliveryFilter{Status: Failed, From: r.From, To: r.To, Before: before, Limit: 100})
		if err != nil {
			return n, err
		}
		for _, d := range page {
			if _, err := s.Replay(ctx, p, webhookID, d.ID); err != nil {
				return n, err
			}
			n++
		}
		if len(page) < 100 {
			return n, nil
		}
		before = page[len(page)-1].ID
	}
}
