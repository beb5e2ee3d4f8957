package httpapi

import (
	"net/http"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// handleRealtimeTicket issues a single-use ticket, bound to the caller, that opens the live feed: the socket
// connects with <RealtimeURL>?ticket=… (/ws standalone, the WebSocket API on AWS), so no long-lived secret goes
// into a URL.
func (s *Server) handleRealtimeTicket(w http.ResponseWriter, r *http.Request) error {
	if s.Realtime == nil {
		return apperr.New(apperr.NotFound, "the live feed is not available in this runtime")
	}
	ticket, expires, err := s.Realtime.Issue(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"ticket": ticket, "expiresAt": expires.Format(time.RFC3339Nano),
		"url": s.realtimeURL() + "?ticket=" + ticket})
	return nil
}

// realtimeURL is Config.RealtimeURL, or "/ws".
func (s *Server) realtimeURL() string {
	if s.cfg.RealtimeURL == "" {
		return "/ws"
	}
	return s.cfg.RealtimeURL
}
