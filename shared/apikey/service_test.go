package apikey_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// keys is an in-memory apikey.Store for these unit tests; it reads creators from users.
type keys struct {
	byID  map[string]apikey.Key
	users *users
}

func (s *keys) CreateKey(_ context.Context, k apikey.Key) error { s.byID[k.ID] = k; return nil }
func (s *keys) GetKey(_ context.Context, tenantID, keyID string) (apikey.Key, error) {
	if k, ok := s.byID[keyID]; ok && k.TenantID == tenantID {
		return k, nil
	}
	return apikey.Key{}, apikey.ErrNotFound
}
func (s *keys) FindKeyByHash(ctx context.Context, hash string) (apikey.Key, apikey.Creator, error) {
	for _, k := range s.byID {
		if k.Hash == hash {
			u, err := s.users.GetUser(ctx, k.TenantID, k.CreatedBy)
			switch {
			case errors.Is(err, tenant.ErrUserNotFound):
				return k, apikey.Creator{}, nil
			case err != nil:
				return apikey.Key{}, apikey.Creator{}, err
			}
			return k, apikey.Creator{Found: true, Role: u.Role, Disabled: u.Disabled}, nil
		}
	}
	return apikey.Key{}, apikey.Creator{}, apikey.ErrNotFound
}
func (s *keys) ListKeys(_ context.Context, tenantID string) ([]apikey.Key, error) {
	var out []apikey.Key
	for _, k := range s.byID {
		if k.TenantID == tenantID {
			out = append(out, k)
		}
	}
	return out, nil
}
func (s *keys) UpdateKey(ctx context.Context, tenantID, keyID string, fn func(*apikey.Key) error) (apikey.Key, error) {
	k, err := s.GetKey(ctx, tenantID, keyID)
	if err == nil {
		err = fn(&k)
	}
	if err == nil {
		s.byID[keyID] = k
	}
	return k, err
}
func (s *keys) TouchKey(context.Context, string, string, time.Time) error { return nil }

// users is the creator lookup: one user, or an error.
type users struct {
	user tenant.User
	err  error
}

func (u *users) GetUser(_ context.Context, tenantID, userID string) (tenant.User, error) {
	if u.err != nil {
		return tenant.User{}, u.err
	}
	if u.user.ID != userID || u.user.TenantID != tenantID {
		return tenant.User{}, tenant.ErrUserNotFound
	}
	return u.user, nil
}

func TestAuthenticateActsAsTheCreatorIsNow(t *testing.T) {
	ctx := context.Background()
	creator := &users{user: tenant.User{ID: "usr_a", TenantID: "ten_a", Role: auth.Admin}}
	svc := apikey.NewService(&keys{byID: map[string]apikey.Key{}, users: creator}, creator, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p := auth.Principal{TenantID: "ten_a", UserID: "usr_a", Role: auth.Admin, Scopes: auth.RoleScopes(auth.Admin)}
	k, err := svc.Create(ctx, p, apikey.CreateInput{Name: "all", Scopes: []auth.Scope{auth.ScopeAll}})
	if err != nil {
		t.Fatal(err)
	}

	got, _, err := svc.Authenticate(ctx, k.Plaintext)
	if err != nil || got.Role != auth.Admin || !slices.Equal(got.Scopes, []auth.Scope{auth.ScopeAll}) {
		t.Fatalf("admin's key = %+v, %v", got, err)
	}
	creator.user.Role = auth.Member
	got, _, err = svc.Authenticate(ctx, k.Plaintext)
	if err != nil || got.Role != auth.Member || got.Can(auth.ScopeUsersWrite) || !got.Can(auth.ScopeMessagesSend) {
		t.Fatalf("demoted creator's key = %+v, %v", got, err)
	}
	creator.user.Disabled = true
	if _, _, err := svc.Authenticate(ctx, k.Plaintext); !errors.Is(err, apikey.ErrOwnerDisabled) || apperr.CodeOf(err) != apperr.KeyOwnerInactive {
		t.Fatalf("disabled creator's key: %v, want ErrOwnerDisabled", err)
	}
	creator.user.ID = "usr_gone"
	if _, _, err := svc.Authenticate(ctx, k.Plaintext); !errors.Is(err, apikey.ErrOwnerDeleted) {
		t.Fatalf("deleted creator's key: %v, want ErrOwnerDeleted", err)
	}
	// A store that cannot read the creator fails closed: an internal error, no principal.
	creator.err = errors.New("store unreachable")
	got, _, err = svc.Authenticate(ctx, k.Plaintext)
	if err == nil || apperr.CodeOf(err) != apperr.Internal || got.TenantID != "" || len(got.Scopes) != 0 {
		t.Fatalf("unreadable creator: %+v, %v; want an internal error and no principal", got, err)
	}
}
