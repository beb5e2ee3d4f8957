package apikey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
)

// TestGoldenEvents pins the apikey.* events exactly as the service publishes them (the EventBridge detail; random
// IDs replaced by fixed ones). A change is a change of the public contract: WAQTOR_UPDATE_GOLDEN=1 rewrites the
// files and the diff shows in review. shared/archtest checks every catalog type has a golden file.
func TestGoldenEvents(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	creator := &users{user: tenant.User{ID: "usr_1", TenantID: "ten_1", Role: auth.Admin}}
	var published []event.Envelope
	svc := apikey.NewService(&keys{byID: map[string]apikey.Key{}, users: creator}, creator,
		event.PublisherFunc(func(_ context.Context, es ...event.Envelope) error { published = append(published, es...); return nil }),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	svc.Now = func() time.Time { return at }
	p := auth.Principal{TenantID: "ten_1", UserID: "usr_1", Role: auth.Admin, Scopes: auth.RoleScopes(auth.Admin)}
	k, err := svc.Create(ctx, p, apikey.CreateInput{Name: "CRM <sync> & co", Scopes: []auth.Scope{auth.ScopeMessagesSend, auth.ScopeSessionsRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, p, k.ID); err != nil {
		t.Fatal(err)
	}
	if len(published) != 2 {
		t.Fatalf("published %d events, want 2", len(published))
	}
	for _, e := range published {
		if err := e.Validate(); err != nil {
			t.Fatal(err)
		}
		raw, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(k.Plaintext)) || bytes.Contains(raw, []byte(k.Hash)) {
			t.Fatalf("%s carries the key or its hash: %s", e.Type, raw)
		}
		raw = bytes.ReplaceAll(raw, []byte(e.ID), []byte("evt_01KGOLDEN0000000000000000"))
		raw = bytes.ReplaceAll(raw, []byte(k.ID), []byte("key_01KGOLDEN0000000000000000"))
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		testkit.Golden(t, filepath.Join("testdata", "golden", strings.ReplaceAll(e.Type, ".", "_")+".json"), pretty.Bytes())
	}
}
