package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/waqtor/waqtor/shared/webhook"
)

// Webhook responses follow the seed: {"webhooks": [...]}, 201 {"webhook": {...}}, {"success": true}.

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.Webhooks.List(r.Context(), principalOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": ws})
	return nil
}

func (s *Server) handleWebhookEvents(w http.ResponseWriter, r *http.Request) error {
	type name struct {
		Name        string `json:"name"`
		Internal    string `json:"internalEvent,omitempty"`
		Description string `json:"description"`
	}
	var out []name
	for _, n := range webhook.Names {
		out = append(out, name{n.Name, n.Internal, n.Description})
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": out})
	return nil
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.CreateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Webhooks.Create(r.Context(), principalOf(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"webhook": c})
	return nil
}

func (s *Server) handleGetWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.Webhooks.Get(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook": wh})
	return nil
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.UpdateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	wh, err := s.Webhooks.Update(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "webhook": wh})
	return nil
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.Webhooks.Delete(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
	return nil
}

func (s *Server) handleTestWebhook(w http.ResponseWriter, r *http.Request) error {
	res, err := s.Webhooks.Test(r.Context(), principalOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) handleRotateSecret(w http.ResponseWriter, r *http.Request) error {
	var in webhook.RotateInput
	if state(r).body != nil {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	c, err := s.Webhooks.RotateSecret(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"webhook": c.Webhook, "secret": c.Secret})
	return nil
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fieldErr(name, "must be an RFC 3339 time like 2026-11-25T10:00:00Z")
	}
	return t, nil
}

func queryLimit(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, fieldErr("limit", "must be a whole number from 1 to "+strconv.Itoa(max))
	}
	return n, nil
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := webhook.DeliveryFilter{Status: q.Get("status"), Event: q.Get("event"), Before: q.Get("before")}
	var err error
	if f.Limit, err = queryLimit(r, 50, 100); err != nil {
		return err
	}
	if f.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	switch f.Status {
	case "", webhook.Pending, webhook.Delivered, webhook.Failed:
	default:
		return fieldErr("status", "must be pending, delivered or failed")
	}
	ds, err := s.Webhooks.Deliveries(r.Context(), principalOf(r), r.PathValue("id"), f)
	if err != nil {
		return err
	}
	resp := list[webhook.Delivery]{Data: ds}
	if len(ds) == f.Limit {
		resp.NextBefore = ds[len(ds)-1].ID
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (s *Server) handleGetDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Webhooks.Delivery(r.Context(), principalOf(r), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) handleReplayDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.Webhooks.Replay(r.Context(), principalOf(r), r.PathValue("id"), r.PathValue("deliveryId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"delivery": d})
	return nil
}

func (s *Server) handleReplayFailed(w http.ResponseWriter, r *http.Request) error {
	var in webhook.ReplayRange
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.Webhooks.ReplayFailed(r.Context(), principalOf(r), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"replayed": n})
	return nil
}
