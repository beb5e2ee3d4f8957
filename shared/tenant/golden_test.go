package tenant_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
)

// TestGoldenEvents pins the user.* events exactly as the service publishes them (the EventBridge detail; random
// IDs replaced by fixed ones). A change is a change of the public contract: WAQTOR_UPDATE_GOLDEN=1 rewrites the
// files and the diff shows in review. shared/archtest checks every catalog type has a golden file.
func TestGoldenEvents(t *testing.T) {
	ctx := context.Background()
	s, rec, _ := newService(t)
	s.Now = func() time.Time { return time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC) }
	s.Attempts = nil
	tn, o, p := owner(t, s)
	if _, err := s.Login(ctx, o.Email, password); err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateUser(ctx, p, tenant.CreateUserInput{Email: "agent@example.com", Name: "Agent <1> & co", Role: auth.Member, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	disabled := true
	if _, err := s.UpdateUser(ctx, p, m.ID, tenant.UpdateUserInput{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, p, m.ID); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{tn.ID: "ten_01KGOLDEN0000000000000000", o.ID: "usr_01KGOLDENOWNER00000000000", m.ID: "usr_01KGOLDENMEMBER0000000000"}
	seen := map[string]bool{}
	for _, e := range rec.events {
		name := strings.ReplaceAll(e.Type, ".", "_")
		if e.Type == event.UserCreated && e.Data != nil && strings.Contains(string(e.Data), m.ID) {
			name += "_by_owner"
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		raw, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("example.com")) || bytes.Contains(raw, []byte(password)) {
			t.Fatalf("%s carries an email or the password: %s", e.Type, raw)
		}
		raw = bytes.ReplaceAll(raw, []byte(e.ID), []byte("evt_01KGOLDEN0000000000000000"))
		for from, to := range ids {
			raw = bytes.ReplaceAll(raw, []byte(from), []byte(to))
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		testkit.Golden(t, filepath.Join("testdata", "golden", name+".json"), pretty.Bytes())
	}
	if len(seen) != 5 {
		t.Errorf("pinned %d events (%v), want user.created twice, user.logged-in, user.updated, user.deleted", len(seen), seen)
	}
}
