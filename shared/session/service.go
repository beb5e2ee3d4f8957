package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/queue"
)

// Service is what the API does with sessions. Everything that needs the WhatsApp connection is a command to the
// session host; answers the API must wait for (a pairing code, a lookup) come back through the store.
type Service struct {
	Store Store
	Queue queue.Queue
	Now   func() time.Time
	// Wait bounds how long the API waits for the session host's answer (default DefaultWait).
	Wait time.Duration
	// Poll is how often the store is checked while waiting (default 100 ms).
	Poll time.Duration
}

// DefaultWait is the longest the API waits for the session host's answer (a pairing code, a number lookup) when
// Service.Wait is unset. The API function's timeout on AWS must exceed it, within API Gateway's integration timeout
// (infra/stack checks both).
const DefaultWait = 20 * time.Second

// MaxNameLen bounds a session's name.
const MaxNameLen = 100

// Create stores a new session and asks the session host to start pairing it.
func (s *Service) Create(ctx context.Context, tenantID, name string) (Session, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxNameLen {
		return Session{}, apperr.Field("name", fmt.Sprintf("is longer than %d characters", MaxNameLen))
	}
	if name == "" {
		name = "WhatsApp"
	}
	now := s.Now().UTC()
	sess, err := s.Store.CreateSession(ctx, Session{ID: id.New("ses"), TenantID: tenantID, Name: name, Status: Connecting,
		CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return Session{}, err
	}
	return sess, s.Command(ctx, Control{Kind: CmdStart, TenantID: tenantID, SessionID: sess.ID})
}

// Get returns a session; id "default" (or "") names the tenant's default session.
func (s *Service) Get(ctx context.Context, tenantID, sessionID string) (Session, error) {
	if sessionID == "" || sessionID == "default" {
		return s.Store.DefaultSession(ctx, tenantID)
	}
	return s.Store.GetSession(ctx, tenantID, sessionID)
}

// Delete forgets a session and has the host log its device out.
func (s *Service) Delete(ctx context.Context, tenantID, sessionID string) error {
	sess, err := s.Get(ctx, tenantID, sessionID)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(ctx, tenantID, sess.ID); err != nil {
		return err
	}
	c := Control{Kind: CmdDelete, TenantID: tenantID, SessionID: sess.ID}
	if sess.Account != nil {
		c.Device = sess.Account.DeviceJID
	}
	return s.Command(ctx, c)
}

// Act sends a lifecycle command (CmdStart, CmdRestart, CmdStop, CmdLogout) for a session and returns it.
func (s *Service) Act(ctx context.Context, tenantID, sessionID, kind string) (Session, error) {
	sess, err := s.Get(ctx, tenantID, sessionID)
	if err != nil {
		return Session{}, err
	}
	if kind == CmdLogout && sess.Account == nil {
		return Session{}, &apperr.Error{Code: apperr.Conflict, Message: "the session is not linked to a phone"}
	}
	return sess, s.Command(ctx, Control{Kind: kind, TenantID: tenantID, SessionID: sess.ID})
}

// ErrNoQR: the session is not waiting for a QR scan.
var ErrNoQR = &apperr.Error{Code: apperr.Conflict, Message: "the session is not waiting for a QR scan"}

// QR returns the session's current QR code and when it rotates.
func (s *Service) QR(ctx context.Context, tenantID, sessionID string) (Session, error) {
	sess, err := s.Get(ctx, tenantID, sessionID)
	if err != nil {
		return Session{}, err
	}
	if sess.Status != QR || sess.QR == "" {
		return sess, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("the session is %s, not waiting for a QR scan", sess.Status),
			Details: map[string]any{"status": sess.Status}}
	}
	return sess, nil
}

// PairCode asks the host to pair the session by phone code and waits for the code to type on the phone.
func (s *Service) PairCode(ctx context.Context, tenantID, sessionID, phone string) (string, error) {
	digits, err := NormalizePhone(phone)
	if err != nil {
		return "", apperr.Field("phone", err.Error()+"; give the international number: country code and number")
	}
	sess, err := s.Get(ctx, tenantID, sessionID)
	if err != nil {
		return "", err
	}
	if sess.Account != nil {
		return "", &apperr.Error{Code: apperr.Conflict, Message: "the session is already linked to a phone"}
	}
	if err := s.Command(ctx, Control{Kind: CmdPairCode, TenantID: tenantID, SessionID: sess.ID, Phone: digits}); err != nil {
		return "", err
	}
	var code string
	err = s.wait(ctx, func() (bool, error) {
		cur, err := s.Store.GetSession(ctx, tenantID, sess.ID)
		if err != nil {
			return false, err
		}
		// A new code differs from the one before (a QR rotation keeps the old one while the command waits).
		if cur.PairingCode != "" && cur.PairingCode != sess.PairingCode {
			code = cur.PairingCode
			return true, nil
		}
		return false, nil
	})
	return code, err
}

// Lookup asks WhatsApp, through the session, which phones are on WhatsApp.
func (s *Service) Lookup(ctx context.Context, tenantID, sessionID string, phones []string) ([]NumberInfo, error) {
	sess, err := s.Get(ctx, tenantID, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.Status != Ready {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("the session is %s, not ready", sess.Status)}
	}
	reqID := id.New("req")
	if err := s.Command(ctx, Control{Kind: CmdLookup, TenantID: tenantID, SessionID: sess.ID, Phones: phones, RequestID: reqID}); err != nil {
		return nil, err
	}
	var reply struct {
		Results []NumberInfo `json:"results"`
		Error   string       `json:"error"`
	}
	err = s.wait(ctx, func() (bool, error) {
		body, err := s.Store.GetReply(ctx, tenantID, reqID)
		if errors.Is(err, ErrNoReply) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return true, json.Unmarshal(body, &reply)
	})
	if err != nil {
		return nil, err
	}
	if reply.Error != "" {
		return nil, &apperr.Error{Code: apperr.Conflict, Message: reply.Error}
	}
	return reply.Results, nil
}

// ErrHostTimeout: the session host did not answer in time.
var ErrHostTimeout = &apperr.Error{Code: apperr.ServiceUnavailable, Message: "the session host did not answer in time; try again"}

func (s *Service) wait(ctx context.Context, done func() (bool, error)) error {
	wait, poll := s.Wait, s.Poll
	if wait <= 0 {
		wait = DefaultWait
	}
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ErrHostTimeout
		case <-t.C:
		}
	}
}

// Command queues a control command for the session host (FIFO per session).
func (s *Service) Command(ctx context.Context, c Control) error {
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.Queue.Send(ctx, ControlQueue, queue.Outgoing{Body: body, GroupID: c.SessionID, DedupID: id.New("cmd")})
}
