package apikey

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/tenant"
)

// Users is the part of the user store the key service reads for Impact. tenant.Store satisfies it.
type Users interface {
	GetUser(ctx context.Context, tenantID, userID string) (tenant.User, error)
}

// Service creates, lists, changes, revokes and checks API keys.
type Service struct {
	Store    Store
	Users    Users
	Events   event.Publisher
	Log      *slog.Logger
	Now      func() time.Time
	EventSrc string
	// TouchEvery limits last-used writes per key (a busy key would otherwise write on every request).
	TouchEvery time.Duration

	mu      sync.Mutex
	touched map[string]time.Time
}

// NewService returns a Service with defaults.
func NewService(store Store, users Users, events event.Publisher, log *slog.Logger) *Service {
	return &Service{Store: store, Users: users, Events: events, Log: log, Now: time.Now, EventSrc: "waqtor.api",
		TouchEvery: time.Minute, touched: map[string]time.Time{}}
}

// CreateInput describes a new key.
type CreateInput struct {
	Name      string       `json:"name"`
	Scopes    []auth.Scope `json:"scopes"`
	ExpiresAt *time.Time   `json:"expiresAt"`
}

// Created is a new key with its plaintext, which is shown this once.
type Created struct {
	Key
	Plaintext string `json:"key"`
}

func (s *Service) validate(p auth.Principal, name string, scopes []auth.Scope, expires *time.Time) error {
	var f apperr.Fields
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		f.Add("name", "is required")
	case n > 100:
		f.Add("name", "must be at most 100 characters")
	}
	if len(scopes) == 0 {
		f.Add("scopes", "must list at least one scope")
	}
	for i, sc := range scopes {
		if !sc.Valid() {
			f.Add("scopes", "scope %d (%q) is unknown", i, string(sc))
		}
	}
	if expires != nil && !expires.After(s.Now()) {
		f.Add("expiresAt", "must be in the future")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if !p.CanGrant(scopes) {
		return apperr.New(apperr.Forbidden, "a key cannot have scopes its creator lacks")
	}
	return nil
}

// Create makes a key for the caller's tenant (the API route needs keys:write); the key's scopes must be held by
// the caller.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (Created, error) {
	return s.create(ctx, p, in, Generate())
}

// Import stores a key whose plaintext the operator chose (WAQTOR_BOOTSTRAP_API_KEY).
func (s *Service) Import(ctx context.Context, p auth.Principal, in CreateInput, plaintext string) (Created, error) {
	if !LooksLikeKey(plaintext) {
		return Created{}, apperr.New(apperr.Validation, "an API key must start with wq_ and have 32 to 128 characters of [A-Za-z0-9_-]")
	}
	return s.create(ctx, p, in, plaintext)
}

func (s *Service) create(ctx context.Context, p auth.Principal, in CreateInput, plaintext string) (Created, error) {
	scopes := slices.Compact(slices.Sorted(slices.Values(in.Scopes)))
	if err := s.validate(p, in.Name, scopes, in.ExpiresAt); err != nil {
		return Created{}, err
	}
	k := Key{ID: id.New("key"), TenantID: p.TenantID, Name: strings.TrimSpace(in.Name), Hint: plaintext[:12],
		Hash: Hash(plaintext), Scopes: scopes, CreatedBy: p.UserID, Role: p.Role, CreatedAt: s.Now().UTC(),
		ExpiresAt: utc(in.ExpiresAt)}
	if err := s.Store.CreateKey(ctx, k); err != nil {
		return Created{}, err
	}
	s.publish(ctx, event.APIKeyCreated, p, k)
	return Created{Key: k, Plaintext: plaintext}, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Listed is a key as GET /api/keys shows it: the stored key and what its creator's current standing does to it,
// by the rule Authenticate applies (auth.KeyScopes).
type Listed struct {
	Key
	// Effect is EffectNarrowed while the creator's role no longer grants some of the key's scopes (LostScopes),
	// EffectStopped while the creator is disabled or deleted (the key is refused); "" when the key works as set, and
	// for revoked and expired keys.
	Effect string `json:"effect,omitempty"`
	// LostScopes are the concrete scopes the key holds but cannot use now (all of them when stopped).
	LostScopes []auth.Scope `json:"lostScopes,omitempty"`
}

// List returns the tenant's keys, each with its effect (the API route needs keys:read).
func (s *Service) List(ctx context.Context, p auth.Principal) ([]Listed, error) {
	keys, err := s.Store.ListKeys(ctx, p.TenantID)
	if err != nil {
		return nil, err
	}
	return s.withEffects(ctx, p.TenantID, keys)
}

// Get returns one key with its effect (the API route needs keys:read).
func (s *Service) Get(ctx context.Context, p auth.Principal, keyID string) (Listed, error) {
	k, err := s.Store.GetKey(ctx, p.TenantID, keyID)
	if err != nil {
		return Listed{}, err
	}
	out, err := s.withEffects(ctx, p.TenantID, []Key{k})
	if err != nil {
		return Listed{}, err
	}
	return out[0], nil
}

// withEffects reads each usable key's creator once and says what their current role or state does to the key.
func (s *Service) withEffects(ctx context.Context, tenantID string, keys []Key) ([]Listed, error) {
	now := s.Now()
	creators := map[string]*tenant.User{} // nil: deleted
	out := make([]Listed, len(keys))
	for i, k := range keys {
		out[i] = Listed{Key: k}
		if !k.Active(now) {
			continue
		}
		u, seen := creators[k.CreatedBy]
		if !seen {
			got, err := s.Users.GetUser(ctx, tenantID, k.CreatedBy)
			switch {
			case err == nil:
				u = &got
			case !apperr.Is(err, apperr.NotFound):
				return nil, err
			}
			creators[k.CreatedBy] = u
		}
		if u == nil || u.Disabled {
			out[i].Effect, out[i].LostScopes = EffectStopped, auth.Expand(k.Scopes)
			continue
		}
		if lost := auth.Lost(k.Scopes, auth.KeyScopes(k.Scopes, u.Role)); len(lost) > 0 {
			out[i].Effect, out[i].LostScopes = EffectNarrowed, lost
		}
	}
	return out, nil
}

// UpdateInput renames a key or changes its scopes; nil fields stay.
type UpdateInput struct {
	Name   *string       `json:"name"`
	Scopes *[]auth.Scope `json:"scopes"`
}

// Update changes a key's name or scopes (the API route needs keys:write). A revoked key cannot change.
func (s *Service) Update(ctx context.Context, p auth.Principal, keyID string, in UpdateInput) (Key, error) {
	cur, err := s.Store.GetKey(ctx, p.TenantID, keyID)
	if err != nil {
		return Key{}, err
	}
	name, scopes := cur.Name, cur.Scopes
	if in.Name != nil {
		name = *in.Name
	}
	if in.Scopes != nil {
		scopes = slices.Compact(slices.Sorted(slices.Values(*in.Scopes)))
	}
	if err := s.validate(p, name, scopes, nil); err != nil {
		return Key{}, err
	}
	return s.Store.UpdateKey(ctx, p.TenantID, keyID, keepFixed(func(k *Key) error {
		if k.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "the key is revoked")
		}
		k.Name, k.Scopes = strings.TrimSpace(name), scopes
		return nil
	}))
}

// Revoke disables a key for good (the API route needs keys:write). Revoking a revoked key changes nothing.
func (s *Service) Revoke(ctx context.Context, p auth.Principal, keyID string) (Key, error) {
	if _, err := s.Store.GetKey(ctx, p.TenantID, keyID); err != nil {
		return Key{}, err
	}
	changed := false
	k, err := s.Store.UpdateKey(ctx, p.TenantID, keyID, keepFixed(func(k *Key) error {
		if k.RevokedAt == nil {
			now := s.Now().UTC()
			k.RevokedAt, changed = &now, true
		}
		return nil
	}))
	if err != nil {
		return Key{}, err
	}
	if changed {
		s.publish(ctx, event.APIKeyRevoked, p, k)
	}
	return k, nil
}

// Authenticate turns a plaintext key into the principal it stands for, and records its use. The principal is the
// key's creator as they are now: its scopes are the key's narrowed to the creator's current role (auth.KeyScopes),
// and a key whose creator is deleted (ErrOwnerDeleted) or disabled (ErrOwnerDisabled) is refused. The store reads
// the creator with the key; a store error refuses the key too.
func (s *Service) Authenticate(ctx context.Context, plaintext string) (auth.Principal, Key, error) {
	if !LooksLikeKey(plaintext) {
		return auth.Principal{}, Key{}, ErrInvalidKey
	}
	k, creator, err := s.Store.FindKeyByHash(ctx, Hash(plaintext))
	if apperr.Is(err, apperr.NotFound) {
		return auth.Principal{}, Key{}, ErrInvalidKey
	}
	if err != nil {
		return auth.Principal{}, Key{}, err
	}
	now := s.Now()
	if !k.Active(now) {
		return auth.Principal{}, Key{}, ErrInvalidKey
	}
	switch {
	case !creator.Found:
		return auth.Principal{}, Key{}, ErrOwnerDeleted
	case creator.Disabled:
		return auth.Principal{}, Key{}, ErrOwnerDisabled
	}
	s.touch(ctx, k, now)
	return auth.Principal{TenantID: k.TenantID, UserID: k.CreatedBy, KeyID: k.ID, Role: creator.Role,
		Scopes: auth.KeyScopes(k.Scopes, creator.Role)}, k, nil
}

func (s *Service) touch(ctx context.Context, k Key, now time.Time) {
	s.mu.Lock()
	last, ok := s.touched[k.ID]
	due := !ok || now.Sub(last) >= s.TouchEvery
	if due {
		s.touched[k.ID] = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	if err := s.Store.TouchKey(ctx, k.TenantID, k.ID, now.UTC()); err != nil {
		s.Log.WarnContext(ctx, "record API key use", "key", k, "err", err)
	}
}

// KeyEvent is the data of apikey.* events: never the key or its hash.
type KeyEvent struct {
	KeyID   string       `json:"keyId"`
	Name    string       `json:"name"`
	Scopes  []auth.Scope `json:"scopes"`
	ActorID string       `json:"actorId"`
}

func (s *Service) publish(ctx context.Context, typ string, p auth.Principal, k Key) {
	if s.Events == nil {
		return
	}
	e, err := event.New(s.EventSrc, typ, p.TenantID, s.Now(), KeyEvent{KeyID: k.ID, Name: k.Name, Scopes: k.Scopes, ActorID: p.UserID})
	if err == nil {
		err = event.PublishRetry(ctx, s.Events, e)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "publish event", "type", typ, "key", k, "err", err)
	}
}
