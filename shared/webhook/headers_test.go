package webhook_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/webhook"
)

type anyURL struct{}

func (anyURL) CheckURL(context.Context, string) error { return nil }

// Custom header values are write-only: every answer masks them, PATCH keeps a masked one, replaces or removes the
// others, and what is stored (and sent) is the real values.
func TestHeaderValuesAreWriteOnly(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	svc := &webhook.Service{Store: e.store, Guard: anyURL{}, Queue: e.q, Now: time.Now}
	p := auth.Principal{TenantID: "ten_a", UserID: "usr_1", Role: auth.Owner,
		Scopes: []auth.Scope{auth.ScopeWebhooksRead, auth.ScopeWebhooksWrite}}
	secretHeaders := map[string]string{"Authorization": "Bearer receiver-token-1", "X-Env": "prod-eu"}
	c, err := svc.Create(ctx, p, webhook.CreateInput{URL: "https://hooks.example/in", Events: []string{"*"}, Headers: secretHeaders})
	if err != nil {
		t.Fatal(err)
	}
	masked := map[string]string{"Authorization": webhook.HeaderMask, "X-Env": webhook.HeaderMask}
	noValues := func(what string, v any) {
		t.Helper()
		b, _ := json.Marshal(v)
		for _, val := range []string{"receiver-token", "prod-eu", "new-token-2"} {
			if strings.Contains(string(b), val) {
				t.Fatalf("%s answers a header value: %s", what, b)
			}
		}
	}
	noValues("create", c)
	if !maps.Equal(c.Headers, masked) {
		t.Fatalf("create answered headers %v, want %v", c.Headers, masked)
	}
	got, err := svc.Get(ctx, p, c.ID)
	if err != nil || !maps.Equal(got.Headers, masked) {
		t.Fatalf("get: %v %v", got.Headers, err)
	}
	noValues("get", got)
	list, err := svc.List(ctx, p)
	if err != nil || len(list) != 1 || !maps.Equal(list[0].Headers, masked) {
		t.Fatalf("list: %v %v", list, err)
	}
	stored := func() map[string]string {
		w, err := e.store.GetWebhook(ctx, "ten_a", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return w.Headers
	}
	if !maps.Equal(stored(), secretHeaders) {
		t.Fatalf("stored headers %v, want the real values", stored())
	}

	// PATCH what GET answered with one value replaced and one header added: the masked one keeps its value.
	hs := maps.Clone(got.Headers)
	hs["Authorization"] = "Bearer new-token-2"
	hs["X-New"] = "added"
	upd, err := svc.Update(ctx, p, c.ID, webhook.UpdateInput{Headers: &hs})
	if err != nil {
		t.Fatal(err)
	}
	noValues("update", upd)
	if want := map[string]string{"Authorization": "Bearer new-token-2", "X-Env": "prod-eu", "X-New": "added"}; !maps.Equal(stored(), want) {
		t.Fatalf("after PATCH stored %v, want %v", stored(), want)
	}
	// Removing: leave it out.
	hs = map[string]string{"X-Env": webhook.HeaderMask}
	if _, err := svc.Update(ctx, p, c.ID, webhook.UpdateInput{Headers: &hs}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"X-Env": "prod-eu"}; !maps.Equal(stored(), want) {
		t.Fatalf("after removing stored %v, want %v", stored(), want)
	}
	// The mask for a header that has no value: refused, nothing changes.
	hs = map[string]string{"X-Env": webhook.HeaderMask, "X-Unknown": webhook.HeaderMask}
	_, err = svc.Update(ctx, p, c.ID, webhook.UpdateInput{Headers: &hs})
	if ae, ok := err.(*apperr.Error); !ok || ae.Code != apperr.Validation || !strings.Contains(ae.Error(), "X-Unknown") {
		t.Fatalf("masked unknown header: %v, want a validation error naming it", err)
	}
	if want := map[string]string{"X-Env": "prod-eu"}; !maps.Equal(stored(), want) {
		t.Fatalf("a refused PATCH changed the headers to %v", stored())
	}
}
