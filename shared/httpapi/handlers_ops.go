package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/waqtor/waqtor/docs"
	"github.com/waqtor/waqtor/shared/apperr"
)

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
	return nil
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "err", err)
			return apperr.New(apperr.ServiceUnavailable, "not ready")
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// handleMetrics serves the metrics on the API's own listener only to the metrics token (Config.MetricsToken); with
// no token they are not there (404): standalone serves them on its separate loopback listener (MetricsHandler).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.MetricsToken == "" {
		return apperr.New(apperr.NotFound, "metrics are not served on this listener: read them on WAQTOR_METRICS_ADDR, or set WAQTOR_METRICS_TOKEN")
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
		return apperr.New(apperr.Unauthorized, "metrics need the metrics token")
	}
	s.MetricsHandler().ServeHTTP(w, r)
	return nil
}

// MetricsHandler serves the Prometheus metrics of the API (and whatever else is in its registry) to anyone: mount
// it only on a listener that only trusted callers reach.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.gatherer, promhttp.HandlerOpts{})
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(docs.OpenAPI)
	return nil
}
