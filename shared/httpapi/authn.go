package httpapi

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
)

var errNoCredentials = apperr.New(apperr.Unauthorized, "missing credentials: send X-API-Key: <key> or Authorization: Bearer <token>")

// authenticate finds the principal behind X-API-Key or Authorization: Bearer (an API key or a dashboard token).
// A token's user and a key's creator are re-read (tenant.Service.Authenticate, apikey.Service.Authenticate), so a
// deleted, disabled or demoted user, and their keys, lose access at once.
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
	return s.Tenants.Authenticate(r.Context(), claims)
}

// authenticateOperator checks Authorization: Bearer <operator token> in constant time. Without a configured token
// the operator endpoints do not exist (404); tenant keys and logins are never operator credentials.
func (s *Server) authenticateOperator(r *http.Request) error {
	if s.cfg.OperatorToken == "" {
		return apperr.New(apperr.NotFound, "no route for %s %s: operator endpoints are off (set WAQTOR_OPERATOR_TOKEN)", r.Method, r.URL.Path)
	}
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") ||
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(cred)), []byte(s.cfg.OperatorToken)) != 1 {
		return apperr.New(apperr.Unauthorized, "this endpoint needs the operator token: Authorization: Bearer <WAQTOR_OPERATOR_TOKEN>")
	}
	return nil
}
