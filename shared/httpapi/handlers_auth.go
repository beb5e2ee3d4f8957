package httpapi

import (
	"net/http"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginSession struct {
	Token     string        `json:"token"`
	TokenType string        `json:"tokenType"`
	ExpiresAt time.Time     `json:"expiresAt"`
	User      tenant.User   `json:"user"`
	Tenant    tenant.Tenant `json:"tenant"`
}

func (s *Server) issue(w http.ResponseWriter, r *http.Request, status int, u tenant.User) error {
	t, err := s.Tenants.Store.GetTenant(r.Context(), u.TenantID)
	if err != nil {
		return err
	}
	tok, exp, err := s.Tokens.Issue(u.ID, u.TenantID, u.Role, u.TokenVersion)
	if err != nil {
		return err
	}
	writeJSON(w, status, loginSession{Token: tok, TokenType: "Bearer", ExpiresAt: exp, User: u, Tenant: t})
	return nil
}

// handleLogoutAll ends every token of the caller, the one of this request included.
func (s *Server) handleLogoutAll(w http.ResponseWriter, r *http.Request) error {
	p := principalOf(r)
	if err := s.Tenants.EndTokens(r.Context(), p, p.UserID); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// limitAuth applies the per-address bucket of the unauthenticated endpoints.
func (s *Server) limitAuth(r *http.Request) error {
	addr := clientAddr(r, s.cfg.TrustProxy)
	if !s.authLim.allow(addr) {
		return s.rateLimited(addr, s.authLim)
	}
	return nil
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	if err := s.limitAuth(r); err != nil {
		return err
	}
	var in loginRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var f apperr.Fields
	if in.Email == "" {
		f.Add("email", "is required")
	}
	if in.Password == "" {
		f.Add("password", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	u, err := s.Tenants.Login(r.Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	return s.issue(w, r, http.StatusOK, u)
}

func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.SignupOpen {
		return apperr.New(apperr.Forbidden, "signup is closed on this server; ask an owner for an account")
	}
	if err := s.limitAuth(r); err != nil {
		return err
	}
	var in tenant.SignupInput
	if err := decode(r, &in); err != nil {
		return err
	}
	_, u, err := s.Tenants.Signup(r.Context(), in)
	if err != nil {
		return err
	}
	return s.issue(w, r, http.StatusCreated, u)
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	u, err := s.Tenants.Store.GetUser(r.Context(), p.TenantID, p.UserID)
	if err != nil {
		return err
	}
	return s.issue(w, r, http.StatusOK, u)
}

type meResponse struct {
	Tenant tenant.Tenant `json:"tenant"`
	User   *tenant.User  `json:"user"`
	Auth   meAuth        `json:"auth"`
}

type meAuth struct {
	Type   string       `json:"type"` // "token" or "apiKey"
	KeyID  string       `json:"keyId,omitempty"`
	Role   auth.Role    `json:"role"`
	Scopes []auth.Scope `json:"scopes"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.FromContext(r.Context())
	t, err := s.Tenants.Store.GetTenant(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	resp := meResponse{Tenant: t, Auth: meAuth{Type: "token", Role: p.Role, Scopes: p.Scopes}}
	if p.KeyID != "" {
		resp.Auth.Type, resp.Auth.KeyID = "apiKey", p.KeyID
	} else {
		u, err := s.Tenants.Store.GetUser(r.Context(), p.TenantID, p.UserID)
		if err != nil {
			return err
		}
		resp.User = &u
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
