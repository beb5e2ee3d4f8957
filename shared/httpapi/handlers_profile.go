package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/tenant"
)

// handlePutAvatar stores the request body, the image itself (any Content-Type; the type is decided from the
// bytes), as the user's avatar.
func (s *Server) handlePutAvatar(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return apperr.New(apperr.BadRequest, "could not read the request body")
	}
	u, err := s.Tenants.SetAvatar(r.Context(), principalOf(r), r.PathValue("id"), data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) handleGetAvatar(w http.ResponseWriter, r *http.Request) error {
	rc, info, err := s.Tenants.OpenAvatar(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", info.Mime)
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	h.Set("Cache-Control", "private, no-cache")
	// The type was sniffed at upload and is one of tenant.AvatarTypes; never let a browser guess another, nor run
	// anything from it if opened directly.
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, rc)
	return nil
}

func (s *Server) handleDeleteAvatar(w http.ResponseWriter, r *http.Request) error {
	u, err := s.Tenants.DeleteAvatar(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// handleChangePassword changes the caller's own password after checking the current one. Every token of the user
// ends; the answer carries a fresh one for the device that asked.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	var in tenant.ChangePasswordInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Tenants.ChangePassword(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	tok, exp, err := s.Tokens.Issue(u.ID, u.TenantID, u.Role, u.TokenVersion)
	if err != nil {
		return fmt.Errorf("issue token: %w", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, userUpdated{User: u, Session: &tokenSession{Token: tok, TokenType: "Bearer", ExpiresAt: exp}})
	return nil
}

// handleChangeEmail changes the caller's own sign-in email after checking their password.
func (s *Server) handleChangeEmail(w http.ResponseWriter, r *http.Request) error {
	var in tenant.ChangeEmailInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Tenants.ChangeEmail(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

// handleUserActivity lists what one user did: the caller's own entries, or anyone's with activity:read.
func (s *Server) handleUserActivity(w http.ResponseWriter, r *http.Request) error {
	limit, before, err := activityPage(r)
	if err != nil {
		return err
	}
	p := principalOf(r)
	userID := r.PathValue("id")
	if _, err := s.Tenants.Store.GetUser(r.Context(), p.TenantID, userID); err != nil {
		return err
	}
	entries, err := s.Activity.ListByActor(r.Context(), p.TenantID, userID, before, limit)
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

// activityPage reads ?limit= (default 50) and ?before= of an activity list.
func activityPage(r *http.Request) (limit int, before string, err error) {
	q := r.URL.Query()
	limit = 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, "", fieldErr("limit", "must be a whole number")
		}
		limit = n
	}
	if err := activity.CheckLimit(limit); err != nil {
		return 0, "", err
	}
	return limit, q.Get("before"), nil
}
