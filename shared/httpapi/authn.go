package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

var errNoCredentials = apperr.New(apperr.Unauthorized, "missing credentials: send X-API-Key: <key> or Authorization: Bearer <token>")

// authenticate finds the principal behind X-API-Key or Authorization: Bearer (an API key or a dashboard token).
// A token's user is re-read, so a deleted, disabled or demoted user loses access at once.
func (s *Server) authenticate(r *http.Request) (auth.Principal, error) {
	cred := strings.TrimSpace(r.Header.Get("X-API-Key"))
	if cred == "" {
		h := r.Header.Get("Authorization")
		scheme, rest, ok := strings.Cut(h, " ")
		if h != "" && (!ok || !strings.EqualFold(scheme, "Bearer")) {
			return auth.Principal{}, apperr.New(apperr.Unauthorized, "the Authorization header must be \"Bearer <token or key>\"")
		}
		cred = strings.TrimSpace(rest)
	}
	if cred == "" {
		return auth.Principal{}, errNoCredentials
	}
	if strings.HasPrefix(cred, "wq_") {
		p, _, err := s.Keys.Authenticate(r.Context(), cred)
		return p, err
	}
	claims, err := s.Tokens.Verify(cred)
	if errors.Is(err, auth.ErrTokenExpired) {
		return auth.Principal{}, apperr.New(apperr.Unauthorized, "the token has expired; log in again")
	}
	if err != nil {
		return auth.Principal{}, apperr.New(apperr.Unauthorized, "invalid token")
	}
	u, err := s.Tenants.Store.GetUser(r.Context(), claims.TenantID, claims.Subject)
	if apperr.Is(err, apperr.NotFound) || err == nil && u.Disabled {
		return auth.Principal{}, apperr.New(apperr.Unauthorized, "the user of this token no longer has access")
	}
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.Principal{TenantID: u.TenantID, UserID: u.ID, Role: u.Role, Scopes: auth.RoleScopes(u.Role)}, nil
}
