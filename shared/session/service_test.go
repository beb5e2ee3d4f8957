package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// newService is a session.Service on a real SQLite store and queue; the test plays the session host.
func newService(t *testing.T) (*session.Service, *sqlite.Queue) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	return &session.Service{Store: sqlite.NewSessionStore(db), Queue: q, Now: time.Now, Wait: 2 * time.Second, Poll: 5 * time.Millisecond}, q
}

// commands drains the control queue, in order (a FIFO group hands out one message at a time).
func commands(t *testing.T, q queue.Queue) []session.Control {
	t.Helper()
	var out []session.Control
	for {
		msgs, err := q.Receive(context.Background(), session.ControlQueue, queue.ReceiveOptions{Max: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			return out
		}
		for _, m := range msgs {
			var c session.Control
			if err := json.Unmarshal(m.Body, &c); err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
			if err := q.Delete(context.Background(), session.ControlQueue, m.ReceiptHandle); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func field(err error) string {
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Validation {
		return ""
	}
	fs, _ := e.Details.(map[string]any)["fields"].([]apperr.FieldError)
	if len(fs) != 1 {
		return ""
	}
	return fs[0].Field
}

func TestCreateNamesTheSessionAndAsksTheHostToStart(t *testing.T) {
	s, q := newService(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, "ten_1", strings.Repeat("x", session.MaxNameLen+1)); field(err) != "name" {
		t.Fatalf("a long name: %v, want a validation error on name", err)
	}
	if all, _ := s.Store.ListSessions(ctx, "ten_1"); len(all) != 0 {
		t.Errorf("a refused create stored %d sessions", len(all))
	}
	if cs := commands(t, q); len(cs) != 0 {
		t.Errorf("a refused create sent %+v", cs)
	}
	sess, err := s.Create(ctx, "ten_1", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Name != "WhatsApp" || sess.Status != session.Connecting || !strings.HasPrefix(sess.ID, "ses_") {
		t.Errorf("session %+v, want the default name, connecting", sess)
	}
	cs := commands(t, q)
	if len(cs) != 1 || cs[0].Kind != session.CmdStart || cs[0].SessionID != sess.ID || cs[0].TenantID != "ten_1" {
		t.Errorf("commands %+v, want one start of %s", cs, sess.ID)
	}
	if got, err := s.Get(ctx, "ten_1", "default"); err != nil || got.ID != sess.ID {
		t.Errorf("the default session: %+v, %v; want the only one", got, err)
	}
	if _, err := s.Get(ctx, "ten_2", sess.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("another tenant's session: %v, want not found", err)
	}
}

func TestCommandsThatNeedALinkedOrUnlinkedPhone(t *testing.T) {
	s, q := newService(t)
	ctx := context.Background()
	sess, err := s.Create(ctx, "ten_1", "Sales")
	if err != nil {
		t.Fatal(err)
	}
	commands(t, q)
	if _, err := s.Act(ctx, "ten_1", sess.ID, session.CmdLogout); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("logout of an unlinked session: %v, want conflict", err)
	}
	if _, err := s.QR(ctx, "ten_1", sess.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("QR of a connecting session: %v, want conflict", err)
	}
	if _, err := s.Lookup(ctx, "ten_1", sess.ID, []string{"966501234567"}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("lookup on a session that is not ready: %v, want conflict", err)
	}
	if _, err := s.PairCode(ctx, "ten_1", sess.ID, "12"); field(err) != "phone" {
		t.Errorf("pairing with a bad phone: %v, want a validation error on phone", err)
	}
	if cs := commands(t, q); len(cs) != 0 {
		t.Errorf("refused commands were sent: %+v", cs)
	}
	acct := &session.Account{Phone: "966501234567", DeviceJID: "966501234567:7@s.whatsapp.net"}
	if _, err := s.Store.UpdateStatus(ctx, "ten_1", sess.ID, session.Change{Status: session.Ready, Account: acct}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PairCode(ctx, "ten_1", sess.ID, "+966 50 123 4567"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("pairing a linked session: %v, want conflict", err)
	}
	if _, err := s.Act(ctx, "ten_1", sess.ID, session.CmdLogout); err != nil {
		t.Errorf("logout of a linked session: %v", err)
	}
	if err := s.Delete(ctx, "ten_1", sess.ID); err != nil {
		t.Fatal(err)
	}
	cs := commands(t, q)
	if len(cs) != 2 || cs[0].Kind != session.CmdLogout || cs[1].Kind != session.CmdDelete || cs[1].Device != acct.DeviceJID {
		t.Errorf("commands %+v, want logout, then delete naming the device", cs)
	}
}

func TestPairCodeWaitsForTheHostsCode(t *testing.T) {
	s, q := newService(t)
	ctx := context.Background()
	sess, err := s.Create(ctx, "ten_1", "")
	if err != nil {
		t.Fatal(err)
	}
	commands(t, q)
	// The host: on the pairing command, record a code.
	hostCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for hostCtx.Err() == nil {
			msgs, err := q.Receive(hostCtx, session.ControlQueue, queue.ReceiveOptions{Max: 1, Wait: time.Second})
			if err != nil || len(msgs) == 0 {
				continue
			}
			var c session.Control
			json.Unmarshal(msgs[0].Body, &c)
			if c.Kind == session.CmdPairCode && c.Phone == "966501234567" {
				s.Store.UpdateStatus(ctx, c.TenantID, c.SessionID, session.Change{Status: session.Connecting, PairingCode: "ABCD-EFGH"}, time.Now())
				return
			}
		}
	}()
	code, err := s.PairCode(ctx, "ten_1", sess.ID, "+966 50 123 4567")
	if err != nil || code != "ABCD-EFGH" {
		t.Fatalf("PairCode = %q, %v; want the host's code", code, err)
	}
	// Nobody answers now: the API gives up after Wait.
	s.Wait = 50 * time.Millisecond
	if _, err := s.PairCode(ctx, "ten_1", sess.ID, "+966 50 123 4567"); !errors.Is(err, session.ErrHostTimeout) {
		t.Errorf("PairCode without an answer: %v, want ErrHostTimeout", err)
	}
}
