package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/session"
)

// RunSession runs the contract suite of session.Store; newStore must return a store over a fresh, empty database
// each call. Every method but ListAll is scoped to a tenant: another tenant's session is ErrNotFound. The first
// session of a tenant is its default whatever the caller set; deleting the default promotes the oldest remaining.
func RunSession(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Run("sessions", func(t *testing.T) { testSessions(t, newStore(t)) })
	t.Run("session default", func(t *testing.T) { testSessionDefault(t, newStore(t)) })
	t.Run("concurrent first sessions", func(t *testing.T) { testConcurrentFirstSessions(t, newStore(t)) })
	t.Run("session status", func(t *testing.T) { testSessionStatus(t, newStore(t)) })
	t.Run("list all sessions", func(t *testing.T) { testListAllSessions(t, newStore(t)) })
	t.Run("replies", func(t *testing.T) { testReplies(t, newStore(t)) })
}

func newSession(tenantID, name string, created time.Time) session.Session {
	return session.Session{ID: id.New("ses"), TenantID: tenantID, Name: name, Status: session.Connecting,
		CreatedAt: created, UpdatedAt: created}
}

func mustCreateSession(t *testing.T, s session.Store, in session.Session) session.Session {
	t.Helper()
	got, err := s.CreateSession(ctx, in)
	if err != nil {
		t.Fatalf("CreateSession(%s): %v", in.Name, err)
	}
	return got
}

// sameSession compares every field, the ones the JSON form hides included.
func sameSession(t *testing.T, what string, got, want session.Session) {
	t.Helper()
	if d := diffSession(got, want); d != "" {
		t.Fatalf("%s: %s\n got %+v\nwant %+v", what, d, got, want)
	}
}

func diffSession(got, want session.Session) string {
	switch {
	case got.ID != want.ID || got.TenantID != want.TenantID || got.Name != want.Name:
		return "identity differs"
	case got.Default != want.Default:
		return fmt.Sprintf("default is %v, want %v", got.Default, want.Default)
	case got.Status != want.Status || got.Reason != want.Reason:
		return fmt.Sprintf("status is %s (%q), want %s (%q)", got.Status, got.Reason, want.Status, want.Reason)
	case !sameTimePtr(got.Until, want.Until):
		return fmt.Sprintf("until is %v, want %v", got.Until, want.Until)
	case !sameTimePtr(got.NextRetryAt, want.NextRetryAt):
		return fmt.Sprintf("nextRetryAt is %v, want %v", got.NextRetryAt, want.NextRetryAt)
	case (got.Account == nil) != (want.Account == nil) || got.Account != nil && *got.Account != *want.Account:
		return fmt.Sprintf("account is %+v, want %+v", got.Account, want.Account)
	case got.QR != want.QR || !sameTimePtr(got.QRExpiresAt, want.QRExpiresAt) || got.PairingCode != want.PairingCode:
		return fmt.Sprintf("pairing is %q %v %q, want %q %v %q", got.QR, got.QRExpiresAt, got.PairingCode,
			want.QR, want.QRExpiresAt, want.PairingCode)
	case !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt):
		return fmt.Sprintf("times are %v/%v, want %v/%v", got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
	}
	return ""
}

func sameTimePtr(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func wantSessionNotFound(t *testing.T, what string, err error) {
	t.Helper()
	wantCode(t, what, err, apperr.NotFound)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("%s = %v, want session.ErrNotFound", what, err)
	}
}

func sessionIDs(list []session.Session) []string {
	out := []string{}
	for _, s := range list {
		out = append(out, s.ID)
	}
	return out
}

func listSessionIDs(t *testing.T, s session.Store, tenantID string) []string {
	t.Helper()
	list, err := s.ListSessions(ctx, tenantID)
	if err != nil {
		t.Fatalf("ListSessions(%s): %v", tenantID, err)
	}
	return sessionIDs(list)
}

func testSessions(t *testing.T, s session.Store) {
	if _, err := s.DefaultSession(ctx, "ten_a"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("DefaultSession of a tenant without sessions = %v, want ErrNotFound", err)
	}
	wantIDs(t, "ListSessions of a tenant without sessions", listSessionIDs(t, s, "ten_a"))

	until := now.Add(time.Hour)
	qrExp := now.Add(20 * time.Second)
	first := newSession("ten_a", "Sales", now)
	first.Status, first.Reason, first.Until = session.Banned, "temporary ban 402", &until
	first.Account = &session.Account{Phone: "966501234567", LID: "1234567@lid", DeviceJID: "966501234567:12@s.whatsapp.net",
		PushName: "Acme Sales", Platform: "android", BusinessName: "Acme"}
	first.QR, first.QRExpiresAt, first.PairingCode = "2@abc,def", &qrExp, "ABCD-EFGH"
	got := mustCreateSession(t, s, first)
	want := first
	want.Default = true
	sameSession(t, "CreateSession(first)", got, want)
	stored, err := s.GetSession(ctx, "ten_a", first.ID)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	sameSession(t, "GetSession(first)", stored, want)

	// The caller's Default is ignored: only the first session is the default.
	second := newSession("ten_a", "Support", now.Add(time.Second))
	second.Default = true
	got = mustCreateSession(t, s, second)
	second.Default = false
	sameSession(t, "CreateSession(second)", got, second)

	if _, err := s.CreateSession(ctx, second); !errors.Is(err, session.ErrExists) {
		t.Fatalf("CreateSession with a taken ID = %v, want ErrExists", err)
	}
	other := mustCreateSession(t, s, newSession("ten_b", "Other", now))
	if !other.Default {
		t.Fatalf("first session of another tenant is not its default")
	}

	def, err := s.DefaultSession(ctx, "ten_a")
	if err != nil {
		t.Fatalf("DefaultSession: %v", err)
	}
	sameSession(t, "DefaultSession", def, want)
	wantIDs(t, "ListSessions (oldest first)", listSessionIDs(t, s, "ten_a"), first.ID, second.ID)
	list, _ := s.ListSessions(ctx, "ten_a")
	sameSession(t, "listed first session", list[0], want)

	// Another tenant's sessions do not exist for this one.
	_, err = s.GetSession(ctx, "ten_a", other.ID)
	wantSessionNotFound(t, "GetSession(other tenant's)", err)
	_, err = s.UpdateStatus(ctx, "ten_a", other.ID, session.Change{Status: session.Ready}, now)
	wantSessionNotFound(t, "UpdateStatus(other tenant's)", err)
	wantSessionNotFound(t, "DeleteSession(other tenant's)", s.DeleteSession(ctx, "ten_a", other.ID))
	_, err = s.GetSession(ctx, "ten_a", id.New("ses"))
	wantSessionNotFound(t, "GetSession(missing)", err)
	if got, err := s.GetSession(ctx, "ten_b", other.ID); err != nil || got.Status != session.Connecting {
		t.Fatalf("other tenant's session after the failed calls = %+v, %v", got, err)
	}

	if err := s.DeleteSession(ctx, "ten_a", second.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	wantSessionNotFound(t, "DeleteSession twice", s.DeleteSession(ctx, "ten_a", second.ID))
	_, err = s.GetSession(ctx, "ten_a", second.ID)
	wantSessionNotFound(t, "GetSession(deleted)", err)
	wantIDs(t, "ListSessions after delete", listSessionIDs(t, s, "ten_a"), first.ID)
}

// wantDefault checks that exactly the session wantID is the tenant's default, in every read.
func wantDefault(t *testing.T, s session.Store, tenantID, wantID string) {
	t.Helper()
	list, err := s.ListSessions(ctx, tenantID)
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	var defaults []string
	for _, x := range list {
		if x.Default {
			defaults = append(defaults, x.ID)
		}
	}
	if wantID == "" {
		if len(defaults) != 0 {
			t.Fatalf("defaults %v, want none", defaults)
		}
		if _, err := s.DefaultSession(ctx, tenantID); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("DefaultSession = %v, want ErrNotFound", err)
		}
		return
	}
	if !slices.Equal(defaults, []string{wantID}) {
		t.Fatalf("defaults %v, want [%s]", defaults, wantID)
	}
	def, err := s.DefaultSession(ctx, tenantID)
	if err != nil || def.ID != wantID || !def.Default {
		t.Fatalf("DefaultSession = %s (default %v), %v; want %s", def.ID, def.Default, err, wantID)
	}
	got, err := s.GetSession(ctx, tenantID, wantID)
	if err != nil || !got.Default {
		t.Fatalf("GetSession(default) = default %v, %v", got.Default, err)
	}
}

func testSessionDefault(t *testing.T, s session.Store) {
	// Created out of age order: the oldest is the one with the earliest CreatedAt, not the first created.
	a := mustCreateSession(t, s, newSession("ten_a", "A", now))
	c := mustCreateSession(t, s, newSession("ten_a", "C", now.Add(3*time.Second)))
	b := mustCreateSession(t, s, newSession("ten_a", "B", now.Add(2*time.Second)))
	d := mustCreateSession(t, s, newSession("ten_a", "D", now.Add(4*time.Second)))
	wantDefault(t, s, "ten_a", a.ID)
	wantIDs(t, "ListSessions", listSessionIDs(t, s, "ten_a"), a.ID, b.ID, c.ID, d.ID)

	// Deleting another session leaves the default alone.
	if err := s.DeleteSession(ctx, "ten_a", c.ID); err != nil {
		t.Fatal(err)
	}
	wantDefault(t, s, "ten_a", a.ID)
	// Deleting the default promotes the oldest remaining.
	if err := s.DeleteSession(ctx, "ten_a", a.ID); err != nil {
		t.Fatal(err)
	}
	wantDefault(t, s, "ten_a", b.ID)
	if err := s.DeleteSession(ctx, "ten_a", b.ID); err != nil {
		t.Fatal(err)
	}
	wantDefault(t, s, "ten_a", d.ID)
	if err := s.DeleteSession(ctx, "ten_a", d.ID); err != nil {
		t.Fatal(err)
	}
	wantDefault(t, s, "ten_a", "")
	// The next session of a tenant whose sessions are all gone is its default again.
	e := mustCreateSession(t, s, newSession("ten_a", "E", now.Add(5*time.Second)))
	if !e.Default {
		t.Fatalf("session created after all were deleted is not the default")
	}
	wantDefault(t, s, "ten_a", e.ID)
}

// Sessions created at once for a new tenant: exactly one becomes the default.
func testConcurrentFirstSessions(t *testing.T, s session.Store) {
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateSession(ctx, newSession("ten_a", fmt.Sprint("S", i), now.Add(time.Duration(i)*time.Second)))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
	}
	list, err := s.ListSessions(ctx, "ten_a")
	if err != nil || len(list) != n {
		t.Fatalf("ListSessions = %d sessions, %v; want %d", len(list), err, n)
	}
	defaults := 0
	for _, x := range list {
		if x.Default {
			defaults++
		}
	}
	if defaults != 1 {
		t.Fatalf("%d defaults after concurrent creates, want 1", defaults)
	}
}

func testSessionStatus(t *testing.T, s session.Store) {
	in := mustCreateSession(t, s, newSession("ten_a", "Sales", now))
	qrExp := now.Add(20 * time.Second)
	acct := &session.Account{Phone: "966501234567", LID: "1234567@lid", DeviceJID: "966501234567:3@s.whatsapp.net", PushName: "Sales"}
	until := now.Add(24 * time.Hour)
	retry := now.Add(90 * time.Second)
	steps := []struct {
		name string
		c    session.Change
		// edit turns the previous state into the expected one
		edit func(s *session.Session)
	}{
		{"qr", session.Change{Status: session.QR, QR: "2@first", QRExpiresAt: &qrExp},
			func(s *session.Session) { s.Status, s.QR, s.QRExpiresAt = session.QR, "2@first", &qrExp }},
		{"pairing code", session.Change{Status: session.QR, PairingCode: "WXYZ-1234"},
			func(s *session.Session) { s.QR, s.QRExpiresAt, s.PairingCode = "", nil, "WXYZ-1234" }},
		{"paired", session.Change{Status: session.Ready, Account: acct},
			func(s *session.Session) { s.Status, s.PairingCode, s.Account = session.Ready, "", acct }},
		{"unreachable records the next retry", session.Change{Status: session.Reconnecting, Reason: "cannot reach WhatsApp (dns)", NextRetryAt: &retry},
			func(s *session.Session) {
				s.Status, s.Reason, s.NextRetryAt = session.Reconnecting, "cannot reach WhatsApp (dns)", &retry
			}},
		{"reconnecting keeps the account", session.Change{Status: session.Reconnecting, Reason: "keepalive timeout"},
			func(s *session.Session) {
				s.Status, s.Reason, s.NextRetryAt = session.Reconnecting, "keepalive timeout", nil
			}},
		{"banned", session.Change{Status: session.Banned, Reason: "temporary ban 101", Until: &until},
			func(s *session.Session) { s.Status, s.Reason, s.Until = session.Banned, "temporary ban 101", &until }},
		{"logged out forgets the account", session.Change{Status: session.LoggedOut, Reason: "device_removed", ClearAccount: true},
			func(s *session.Session) {
				s.Status, s.Reason, s.Until, s.Account = session.LoggedOut, "device_removed", nil, nil
			}},
	}
	want := in
	for i, st := range steps {
		at := now.Add(time.Duration(i+1) * time.Minute)
		st.edit(&want)
		want.UpdatedAt = at
		got, err := s.UpdateStatus(ctx, "ten_a", in.ID, st.c, at)
		if err != nil {
			t.Fatalf("UpdateStatus(%s): %v", st.name, err)
		}
		sameSession(t, "UpdateStatus("+st.name+")", got, want)
		stored, err := s.GetSession(ctx, "ten_a", in.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameSession(t, "GetSession after "+st.name, stored, want)
	}
	_, err := s.UpdateStatus(ctx, "ten_a", id.New("ses"), session.Change{Status: session.Ready}, now)
	wantSessionNotFound(t, "UpdateStatus(missing)", err)
}

func testListAllSessions(t *testing.T, s session.Store) {
	if all, err := s.ListAll(ctx); err != nil || len(all) != 0 {
		t.Fatalf("ListAll on an empty store = %v, %v", all, err)
	}
	want := map[string]session.Session{}
	for i, tenantID := range []string{"ten_a", "ten_b", "ten_a", "ten_c", "ten_b"} {
		x := mustCreateSession(t, s, newSession(tenantID, fmt.Sprint("S", i), now.Add(time.Duration(i)*time.Second)))
		want[x.ID] = x
	}
	acct := &session.Account{Phone: "966501234567", DeviceJID: "966501234567:7@s.whatsapp.net"}
	var updated session.Session
	for _, x := range want {
		u, err := s.UpdateStatus(ctx, x.TenantID, x.ID, session.Change{Status: session.Ready, Account: acct}, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want[x.ID], updated = u, u
		break
	}
	all, err := s.ListAll(ctx)
	if err != nil {
		t.Fatalf("ListAll: %v", err)
	}
	if len(all) != len(want) {
		t.Fatalf("ListAll returned %d sessions, want %d", len(all), len(want))
	}
	for _, x := range all {
		w, ok := want[x.ID]
		if !ok {
			t.Fatalf("ListAll returned unknown session %s", x.ID)
		}
		sameSession(t, "ListAll "+x.Name, x, w)
	}
	if updated.Account == nil || updated.Account.DeviceJID == "" {
		t.Fatalf("updated session lost its device: %+v", updated)
	}
}

func testReplies(t *testing.T, s session.Store) {
	if _, err := s.GetReply(ctx, "ten_a", "req_1"); !errors.Is(err, session.ErrNoReply) {
		t.Fatalf("GetReply before PutReply = %v, want ErrNoReply", err)
	}
	body := []byte(`{"exists":true,"user":{"phone":"966501234567"}}`)
	if err := s.PutReply(ctx, "ten_a", "req_1", body, live()); err != nil {
		t.Fatalf("PutReply: %v", err)
	}
	got, err := s.GetReply(ctx, "ten_a", "req_1")
	if err != nil || string(got) != string(body) {
		t.Fatalf("GetReply = %q, %v; want %q", got, err, body)
	}
	if _, err := s.GetReply(ctx, "ten_b", "req_1"); !errors.Is(err, session.ErrNoReply) {
		t.Fatalf("GetReply of another tenant's request = %v, want ErrNoReply", err)
	}
	// A second answer replaces the first.
	if err := s.PutReply(ctx, "ten_a", "req_1", []byte(`{"exists":false}`), live()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetReply(ctx, "ten_a", "req_1"); err != nil || string(got) != `{"exists":false}` {
		t.Fatalf("GetReply after a second PutReply = %q, %v", got, err)
	}
	// An expired reply is gone, even before the database deletes it.
	if err := s.PutReply(ctx, "ten_a", "req_2", body, expired()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetReply(ctx, "ten_a", "req_2"); !errors.Is(err, session.ErrNoReply) {
		t.Fatalf("GetReply of an expired reply = %q, %v; want ErrNoReply", got, err)
	}
}
