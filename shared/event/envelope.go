// Package event holds the event envelope and the event catalog: the contract between every part of WaQtor.
//
// The same JSON travels as the EventBridge `detail` on AWS and through the in-process router standalone.
package event

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/id"
)

// Envelope is one event. ID is stable: a retry or a redelivery carries the same ID, and every consumer is
// idempotent on it.
type Envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Version   int             `json:"version"`
	Time      time.Time       `json:"time"`
	TenantID  string          `json:"tenantId"`
	SessionID string          `json:"sessionId,omitempty"`
	Data      json.RawMessage `json:"data"`
	// Source names the producer ("waqtor.api", "waqtor.session-host"). It is the EventBridge `source`,
	// not part of the detail.
	Source string `json:"-"`
}

// NewID returns a new event ID, "evt_" followed by a ULID.
func NewID() string {
	return id.New("evt")
}

// New builds an envelope with a fresh ID, version 1 and the given payload marshalled as data.
func New(source, typ, tenantID string, now time.Time, data any) (Envelope, error) {
	raw, err := Marshal(data) // no HTML escaping: the bytes webhook receivers and EventBridge rules see
	if err != nil {
		return Envelope{}, fmt.Errorf("marshal %s data: %w", typ, err)
	}
	return Envelope{ID: NewID(), Type: typ, Version: 1, Time: now.UTC(), TenantID: tenantID, Data: raw, Source: source}, nil
}

// Validate reports every problem of an envelope at once.
func (e Envelope) Validate() error {
	var problems []string
	if !strings.HasPrefix(e.ID, "evt_") {
		problems = append(problems, "id must start with evt_")
	}
	if _, ok := Catalog[e.Type]; !ok {
		problems = append(problems, fmt.Sprintf("type %q is not in the event catalog", e.Type))
	}
	if e.Version < 1 {
		problems = append(problems, "version must be >= 1")
	}
	if e.Time.IsZero() {
		problems = append(problems, "time is required")
	}
	if e.TenantID == "" {
		problems = append(problems, "tenantId is required")
	}
	if !strings.HasPrefix(e.Source, "waqtor.") {
		problems = append(problems, "source must start with waqtor.")
	}
	if len(e.Data) == 0 || !json.Valid(e.Data) {
		problems = append(problems, "data must be valid JSON")
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid event: %s", strings.Join(problems, "; "))
	}
	return nil
}

// BusEvent is the EventBridge event shape: what rules match against and what a rule target receives.
// The standalone router builds the same shape, so routes match identically in both runtimes.
type BusEvent struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       time.Time `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     Envelope  `json:"detail"`
}

// Bus wraps an envelope the way EventBridge does. The bus event ID is the envelope ID, so consumers can dedupe on
// either.
func (e Envelope) Bus(account, region string) BusEvent {
	return BusEvent{Version: "0", ID: e.ID, DetailType: e.Type, Source: e.Source, Account: account,
		Time: e.Time, Region: region, Resources: []string{}, Detail: e}
}
