package httpapi

import (
	"net/http"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/session"
)

// Sessions: multi-session /api/sessions/... and the seed's /api/session/... acting on the default session.

// sessionView is a session as the API shows it: the record plus the seed's state.
type sessionView struct {
	session.Session
	State string `json:"state"`
}

func viewSession(s session.Session) sessionView {
	return sessionView{Session: s, State: s.Status.Seed()}
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Sessions.Store.ListSessions(r.Context(), principalOf(r).TenantID)
	if err != nil {
		return err
	}
	out := make([]sessionView, 0, len(list))
	for _, x := range list {
		out = append(out, viewSession(x))
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
	return nil
}

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if state(r).body != nil {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	sess, err := s.Sessions.Create(r.Context(), principalOf(r).TenantID, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"session": viewSession(sess)})
	return nil
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": viewSession(sess)})
	return nil
}

func (s *Server) handleDeleteSession(w http.ResponseWriter, r *http.Request) error {
	if err := s.Sessions.Delete(r.Context(), principalOf(r).TenantID, r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// statusView is GET /api/sessions/{id}/status.
type statusView struct {
	Status session.Status `json:"status"`
	State  string         `json:"state"`
	Reason string         `json:"reason,omitempty"`
	Until  *time.Time     `json:"until,omitempty"`
	// NextRetryAt: while the host cannot reach WhatsApp, when it tries again.
	NextRetryAt *time.Time  `json:"nextRetryAt,omitempty"`
	ClientInfo  *clientInfo `json:"clientInfo,omitempty"`
	UpdatedAt   time.Time   `json:"updatedAt"`
}

// clientInfo is the seed's clientInfo.
type clientInfo struct {
	Platform    string `json:"platform,omitempty"`
	PhoneNumber string `json:"phoneNumber"`
	Name        string `json:"name,omitempty"`
	LID         string `json:"lid,omitempty"`
}

func infoOf(s session.Session) *clientInfo {
	if s.Account == nil {
		return nil
	}
	return &clientInfo{Platform: s.Account.Platform, PhoneNumber: s.Account.Phone, Name: s.Account.PushName, LID: s.Account.LID}
}

func (s *Server) handleSessionStatus(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, statusView{Status: sess.Status, State: sess.Status.Seed(), Reason: sess.Reason, Until: sess.Until,
		NextRetryAt: sess.NextRetryAt, ClientInfo: infoOf(sess), UpdatedAt: sess.UpdatedAt})
	return nil
}

func (s *Server) handleSessionQR(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Sessions.QR(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"qr": sess.QR, "expiresAt": sess.QRExpiresAt, "status": sess.Status})
	return nil
}

func (s *Server) handleSessionQRPNG(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Sessions.QR(r.Context(), principalOf(r).TenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(sess.QR, qrcode.Medium, 320)
	if err != nil {
		return apperr.New(apperr.Internal, "render the QR code")
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(png)
	return nil
}

func (s *Server) handlePairingCode(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Phone string `json:"phone"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	code, err := s.Sessions.PairCode(r.Context(), principalOf(r).TenantID, r.PathValue("id"), in.Phone)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"code": code})
	return nil
}

// sessionAction answers a lifecycle command, accepted for the session host.
func (s *Server) sessionAction(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.Sessions.Act(r.Context(), principalOf(r).TenantID, r.PathValue("id"), kind)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"success": true, "sessionId": sess.ID, "action": kind})
		return nil
	}
}

// handleSeedState is the seed's GET /api/session/state on the default session.
func (s *Server) handleSeedState(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.Sessions.Get(r.Context(), principalOf(r).TenantID, "")
	if apperr.CodeOf(err) == apperr.NotFound {
		writeJSON(w, http.StatusOK, map[string]any{"status": "disconnected", "detail": "no session: create one with POST /api/sessions"})
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": sess.Status.Seed(), "sessionId": sess.ID, "detail": sess.Status,
		"clientInfo": infoOf(sess)})
	return nil
}
