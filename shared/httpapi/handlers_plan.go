package httpapi

import (
	"net/http"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/plan"
)

// handlePlan answers the caller's tenant's plan and which premium features it may use.
func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) error {
	st, err := s.Plans.Status(r.Context(), principalOf(r).TenantID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// handleRedeem redeems an access code for the caller's tenant (owners and admins, plan.Service.Redeem) and answers
// the new plan status.
func (s *Server) handleRedeem(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Code == "" {
		return apperr.Field("code", "is required")
	}
	p := principalOf(r)
	g, err := s.Plans.Redeem(r.Context(), p, in.Code)
	if err != nil {
		return err
	}
	st, err := s.Plans.Status(r.Context(), p.TenantID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"unlocked": g.Feature, "plan": st})
	return nil
}

// handleIssueAccessCode is the operator's: a new single-use access code, shown in this answer only.
func (s *Server) handleIssueAccessCode(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		TenantID string `json:"tenantId"`
		Feature  string `json:"feature"`
		TTL      string `json:"ttl"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	var ttl time.Duration
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil {
			d = -1 // refused by Issue with the other fields' errors
		}
		ttl = d
	}
	issued, err := s.Plans.Issue(r.Context(), plan.IssueInput{TenantID: in.TenantID, Feature: plan.Feature(in.Feature), TTL: ttl})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, issued)
	return nil
}

// handleSetTenantPlan is the operator's: set the tenant of the path to {"plan": "free"|"premium"}
// (plan.Service.SetPlan) and answer its plan before and its status after.
func (s *Server) handleSetTenantPlan(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Plan string `json:"plan"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	ch, err := s.Plans.SetPlan(r.Context(), plan.SetPlanInput{TenantID: r.PathValue("id"), Plan: in.Plan})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ch)
	return nil
}

// handleMessageReport answers messages per day, the delivery funnel and totals over ?from&to.
func (s *Server) handleMessageReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rep, err := s.Reports.Messages(r.Context(), principalOf(r).TenantID, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// handleSessionStats answers one session's message counters of the last 24 hours (not gated: the session cards
// show them on every plan).
func (s *Server) handleSessionStats(w http.ResponseWriter, r *http.Request) error {
	tenantID := principalOf(r).TenantID
	sess, err := s.Sessions.Get(r.Context(), tenantID, r.PathValue("id"))
	if err != nil {
		return err
	}
	st, err := s.Reports.SessionStats(r.Context(), tenantID, sess.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// handleWebhookReport answers webhook deliveries per day, success rate and latency over ?from&to.
func (s *Server) handleWebhookReport(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	rep, err := s.Reports.Webhooks(r.Context(), principalOf(r).TenantID, q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
