package httpapi

import (
	"net/http"

	"github.com/waqtor/waqtor/shared/notification"
)

func (s *Server) handleListNotifications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := notification.Filter{Before: q.Get("before")}
	switch q.Get("filter") {
	case "", "all":
	case "unread":
		f.UnreadOnly = true
	default:
		return fieldErr("filter", "must be all or unread")
	}
	var err error
	if f.Limit, err = queryLimit(r, 20, notification.MaxPage); err != nil {
		return err
	}
	p := principalOf(r)
	ns, err := s.Notifications.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	unread, err := s.Notifications.Count(r.Context(), p)
	if err != nil {
		return err
	}
	resp := struct {
		list[notification.Notification]
		Unread int `json:"unread"`
	}{list[notification.Notification]{Data: ns}, unread}
	if len(ns) == f.Limit {
		resp.NextBefore = ns[len(ns)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleCountNotifications(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Notifications.Count(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"unread": n})
	return nil
}

func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.MarkRead(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (s *Server) handleMarkAllRead(w http.ResponseWriter, r *http.Request) error {
	n, err := s.Notifications.MarkAllRead(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "updated": n})
	return nil
}

func (s *Server) handleDeleteNotification(w http.ResponseWriter, r *http.Request) error {
	if err := s.Notifications.Delete(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

// notificationPreferences is the preferences body: the muted kinds, and every kind there is to mute.
type notificationPreferences struct {
	notification.Preferences
	Kinds []notification.Kind `json:"kinds"`
}

func (s *Server) handleGetNotificationPreferences(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Notifications.GetPreferences(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notificationPreferences{Preferences: p, Kinds: notification.Kinds})
	return nil
}

func (s *Server) handlePutNotificationPreferences(w http.ResponseWriter, r *http.Request) error {
	var in notification.PreferencesInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.Notifications.PutPreferences(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, notificationPreferences{Preferences: p, Kinds: notification.Kinds})
	return nil
}
