package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// list is the envelope of every list response.
type list[T any] struct {
	Data []T `json:"data"`
	// NextBefore, when set, fetches the next (older) page.
	NextBefore string `json:"nextBefore,omitempty"`
}

func principalOf(r *http.Request) auth.Principal {
	p, _ := auth.FromContext(r.Context())
	return p
}

func (s *Server) handleListKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.Keys.List(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[apikey.Listed]{Data: keys})
	return nil
}

func (s *Server) handleCreateKey(w http.ResponseWriter, r *http.Request) error {
	var in apikey.CreateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Keys.Create(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) handleGetKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.Keys.Get(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleUpdateKey(w http.ResponseWriter, r *http.Request) error {
	var in apikey.UpdateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Keys.Update(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleRevokeKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.Keys.Revoke(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.Tenants.ListUsers(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[tenant.User]{Data: users})
	return nil
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in tenant.CreateUserInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Tenants.CreateUser(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Tenants.GetUser(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// userUpdated is the answer to PATCH /api/users/{id}: the user, and a fresh token when the change ended the
// tokens of the caller's own login (a new password or role), so the device that made it stays logged in.
type userUpdated struct {
	tenant.User
	Session *tokenSession `json:"session,omitempty"`
}

type tokenSession struct {
	Token     string    `json:"token"`
	TokenType string    `json:"tokenType"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) handleUpdateUser(w http.ResponseWriter, r *http.Request) error {
	var in tenant.UpdateUserInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p := principalOf(r)
	if in.Role != nil || in.Disabled != nil { // the route let the caller's own record through without users:write
		if err := requireScope(p, auth.ScopeUsersWrite, "changing other users, roles or disabling needs the users:write scope"); err != nil {
			return err
		}
	}
	u, err := s.Tenants.UpdateUser(r.Context(), p, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	resp := userUpdated{User: u}
	if p.KeyID == "" && p.UserID == u.ID && !u.Disabled && p.TokenVersion != u.TokenVersion {
		tok, exp, err := s.Tokens.Issue(u.ID, u.TenantID, u.Role, u.TokenVersion)
		if err != nil {
			return err
		}
		resp.Session = &tokenSession{Token: tok, TokenType: "Bearer", ExpiresAt: exp}
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// handleUserLogoutAll ends every token of a user (the caller's own, or another's with users:write).
func (s *Server) handleUserLogoutAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.Tenants.EndTokens(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// handleKeyImpact previews what a role change (?role=) or ?action=delete|disable of a user does to their API keys.
func (s *Server) handleKeyImpact(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	change := apikey.UserChange{Role: auth.Role(q.Get("role")), Action: q.Get("action")}
	keys, err := s.Keys.Impact(r.Context(), principalOf(r), r.PathValue("id"), change)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"userId": r.PathValue("id"), "change": change, "keys": keys})
	return nil
}

func (s *Server) handleDeleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := s.Tenants.DeleteUser(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleListActivity(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fieldErr("limit", "must be a whole number")
		}
		limit = n
	}
	if err := activity.CheckLimit(limit); err != nil {
		return err
	}
	before := q.Get("before")
	p := principalOf(r)
	entries, err := s.Activity.List(r.Context(), p.TenantID, before, limit)
	if err != nil {
		return err
	}
	resp := list[activity.Entry]{Data: entries}
	if len(entries) == limit {
		resp.NextBefore = entries[len(entries)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
