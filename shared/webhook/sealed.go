package webhook

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/waqtor/waqtor/shared/queue"
)

// Sealer encrypts values at rest and opens them again (crypt.Keyring). Open returns a value that was never sealed
// as it is (a record stored before encryption at rest); Current reports whether a stored value is sealed with the
// key that seals now.
type Sealer interface {
	Seal(ctx context.Context, plain, aad string) (string, error)
	Open(ctx context.Context, sealed, aad string) (string, error)
	Current(stored string) bool
}

// SealedStore wraps a Store so that endpoints' signing secrets and custom header values are stored encrypted by k
// and come back in plain text: what the adapter writes to its database (the SQLite row, the DynamoDB item) holds
// only ciphertext, each value bound to its tenant, endpoint and place, so it cannot be moved to another record. A
// DeliveryJobStore stays one.
func SealedStore(s Store, k Sealer) Store {
	ss := sealedStore{Store: s, k: k}
	if js, ok := s.(DeliveryJobStore); ok {
		return sealedJobStore{sealedStore: ss, jobs: js}
	}
	return ss
}

type sealedStore struct {
	Store
	k Sealer
}

type sealedJobStore struct {
	sealedStore
	jobs DeliveryJobStore
}

var _ DeliveryJobStore = sealedJobStore{}

func (s sealedJobStore) CreateDeliveriesWithJobs(ctx context.Context, ds []Delivery, job func(Delivery) (queue.Outgoing, error)) error {
	return s.jobs.CreateDeliveriesWithJobs(ctx, ds, job)
}

func secretAAD(w Webhook) string { return "webhook/" + w.TenantID + "/" + w.ID + "/secret" }
func headerAAD(w Webhook, name string) string {
	return "webhook/" + w.TenantID + "/" + w.ID + "/header/" + name
}

// sealWebhook returns w with its secrets and header values sealed (new slices and maps: w is not changed). A value
// that prev (the stored record, nil for a new one) holds sealed with the current key, and whose plain text in
// prevPlain is the same, keeps its ciphertext: an update that does not touch the secrets does not seal them again.
func sealWebhook(ctx context.Context, k Sealer, w Webhook, prev, prevPlain *Webhook) (Webhook, error) {
	reuse := func(v, aad string) (string, bool) {
		if prev == nil {
			return "", false
		}
		for i, s := range prevPlain.Secrets {
			if aad == secretAAD(*prev) && s.Value == v && i < len(prev.Secrets) && k.Current(prev.Secrets[i].Value) {
				return prev.Secrets[i].Value, true
			}
		}
		for name, pv := range prevPlain.Headers {
			if aad == headerAAD(*prev, name) && pv == v && k.Current(prev.Headers[name]) {
				return prev.Headers[name], true
			}
		}
		return "", false
	}
	return mapSecrets(w, func(v, aad string) (string, error) {
		if sv, ok := reuse(v, aad); ok {
			return sv, nil
		}
		return k.Seal(ctx, v, aad)
	})
}

// openWebhook returns w with its secrets and header values opened.
func openWebhook(ctx context.Context, k Sealer, w Webhook) (Webhook, error) {
	return mapSecrets(w, func(v, aad string) (string, error) { return k.Open(ctx, v, aad) })
}

func mapSecrets(w Webhook, f func(v, aad string) (string, error)) (Webhook, error) {
	if w.Secrets != nil {
		ss := make([]Secret, len(w.Secrets))
		for i, s := range w.Secrets {
			v, err := f(s.Value, secretAAD(w))
			if err != nil {
				return Webhook{}, fmt.Errorf("webhook %s secret %d: %w", w.ID, i, err)
			}
			s.Value = v
			ss[i] = s
		}
		w.Secrets = ss
	}
	if w.Headers != nil {
		hs := make(map[string]string, len(w.Headers))
		for name, v := range w.Headers {
			sv, err := f(v, headerAAD(w, name))
			if err != nil {
				return Webhook{}, fmt.Errorf("webhook %s header %q: %w", w.ID, name, err)
			}
			hs[name] = sv
		}
		w.Headers = hs
	}
	return w, nil
}

func (s sealedStore) CreateWebhook(ctx context.Context, w Webhook) error {
	sealed, err := sealWebhook(ctx, s.k, w, nil, nil)
	if err != nil {
		return err
	}
	return s.Store.CreateWebhook(ctx, sealed)
}

func (s sealedStore) GetWebhook(ctx context.Context, tenantID, id string) (Webhook, error) {
	w, err := s.Store.GetWebhook(ctx, tenantID, id)
	if err != nil {
		return Webhook{}, err
	}
	return openWebhook(ctx, s.k, w)
}

func (s sealedStore) ListWebhooks(ctx context.Context, tenantID string) ([]Webhook, error) {
	ws, err := s.Store.ListWebhooks(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for i := range ws {
		if ws[i], err = openWebhook(ctx, s.k, ws[i]); err != nil {
			return nil, err
		}
	}
	return ws, nil
}

func (s sealedStore) UpdateWebhook(ctx context.Context, tenantID, id string, fn func(*Webhook) error) (Webhook, error) {
	w, err := s.Store.UpdateWebhook(ctx, tenantID, id, func(stored *Webhook) error { // fn is the caller's, kept fixed by it
		prevPlain, err := openWebhook(ctx, s.k, *stored)
		if err != nil {
			return err
		}
		plain := prevPlain // fn gets its own copy to change
		plain.Secrets, plain.Headers = slices.Clone(prevPlain.Secrets), maps.Clone(prevPlain.Headers)
		if err := fn(&plain); err != nil {
			return err
		}
		// A change of the IDs is passed on for the store to refuse.
		prev := *stored
		sealed, err := sealWebhook(ctx, s.k, plain, &prev, &prevPlain)
		if err != nil {
			return err
		}
		*stored = sealed
		return nil
	})
	if err != nil {
		return Webhook{}, err
	}
	return openWebhook(ctx, s.k, w)
}

func (s sealedStore) EachWebhook(ctx context.Context, fn func(Webhook) error) error {
	return s.Store.EachWebhook(ctx, func(w Webhook) error {
		plain, err := openWebhook(ctx, s.k, w)
		if err != nil {
			return err
		}
		return fn(plain)
	})
}

// Reseal seals with k's current key every secret and header value of every endpoint in s (the adapter itself,
// not a SealedStore) that is stored in plain text (written before encryption at rest) or under an older key (after
// a rotation), and says how many endpoints it rewrote. It is idempotent and safe while the store is in use: each
// endpoint is rewritten through UpdateWebhook. Once it has run, keys older than the current one can be retired.
func Reseal(ctx context.Context, s Store, k Sealer) (int, error) {
	sealed := SealedStore(s, k)
	n := 0
	err := s.EachWebhook(ctx, func(w Webhook) error {
		if allCurrent(k, w) {
			return nil
		}
		if _, err := sealed.UpdateWebhook(ctx, w.TenantID, w.ID, keepWebhookFixed(func(*Webhook) error { return nil })); err != nil {
			return fmt.Errorf("reseal webhook %s: %w", w.ID, err)
		}
		n++
		return nil
	})
	return n, err
}

func allCurrent(k Sealer, w Webhook) bool {
	for _, s := range w.Secrets {
		if !k.Current(s.Value) {
			return false
		}
	}
	for _, v := range w.Headers {
		if !k.Current(v) {
			return false
		}
	}
	return true
}
