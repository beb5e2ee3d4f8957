package storetest

import (
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/webhook"
)

// RawWebhook returns everything the database holds for one endpoint, as text (the SQLite row, the DynamoDB item)
// with every string value in double quotes.
type RawWebhook func(t *testing.T, tenantID, id string) string

// RunSealedWebhook checks encryption at rest over an adapter: newStore returns the adapter over a fresh database
// and a reader of its raw records. Secrets and header values written through webhook.SealedStore are not in the
// database in plain text, yet read back whole; records written before encryption (plain text) are sealed by
// webhook.Reseal; after a key rotation Reseal moves every value to the new key, and the old key can then be retired.
// The adapter must also pass RunWebhook wrapped in webhook.SealedStore.
func RunSealedWebhook(t *testing.T, newStore func(t *testing.T) (webhook.Store, RawWebhook)) {
	plainValues := []string{"whsec_new", "whsec_old", "abc", "prod"} // newWebhook's secrets and header values
	notInRaw := func(t *testing.T, raw RawWebhook, w webhook.Webhook, keyID string) {
		t.Helper()
		r := raw(t, w.TenantID, w.ID)
		for _, v := range plainValues {
			if strings.Contains(r, `"`+v+`"`) {
				t.Fatalf("%q is in the stored record in plain text:\n%s", v, r)
			}
		}
		if n := strings.Count(r, crypt.Prefix+keyID+":"); n != 4 {
			t.Fatalf("%d values sealed with key %s in the stored record, want 4 (2 secrets, 2 headers):\n%s", n, keyID, r)
		}
	}

	t.Run("sealed at rest", func(t *testing.T) {
		s, raw := newStore(t)
		k1 := crypt.NewKey()
		ring, _ := crypt.NewKeyring(k1)
		sealed := webhook.SealedStore(s, ring)
		w := mustCreateWebhook(t, sealed, newWebhook("ten_a", now))
		notInRaw(t, raw, w, k1.ID)
		got, err := sealed.GetWebhook(ctx, "ten_a", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		sameWebhook(t, "GetWebhook through the sealed store", got, w)
		if _, err := sealed.UpdateWebhook(ctx, "ten_a", w.ID, func(x *webhook.Webhook) error {
			x.Headers["X-Token"] = "a new token value" // sealed anew
			x.Headers["X-Env"] = "prod"                // unchanged: its ciphertext is kept
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		w.Headers = map[string]string{"X-Token": "a new token value", "X-Env": "prod"}
		plainValues = append(plainValues, "a new token value")
		notInRaw(t, raw, w, k1.ID)

		// The adapter alone sees only ciphertext; another keyring cannot open it.
		stored, err := s.GetWebhook(ctx, "ten_a", w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !crypt.IsSealed(stored.Secrets[0].Value) || !crypt.IsSealed(stored.Headers["X-Token"]) {
			t.Fatalf("the adapter holds %+v, want sealed values", stored)
		}
		other, _ := crypt.NewKeyring(crypt.NewKey())
		if _, err := webhook.SealedStore(s, other).GetWebhook(ctx, "ten_a", w.ID); err == nil {
			t.Fatal("a keyring without the key opened the secrets")
		}
	})

	t.Run("plain records resealed, rotation", func(t *testing.T) {
		s, raw := newStore(t)
		// Stored before encryption at rest: plain text, readable through the sealed store as it is.
		w := mustCreateWebhook(t, s, newWebhook("ten_a", now))
		wb := mustCreateWebhook(t, s, newWebhook("ten_b", now))
		k1 := crypt.NewKey()
		ring, _ := crypt.NewKeyring(k1)
		if got, err := webhook.SealedStore(s, ring).GetWebhook(ctx, "ten_a", w.ID); err != nil {
			t.Fatal(err)
		} else {
			sameWebhook(t, "a plain record through the sealed store", got, w)
		}
		n, err := webhook.Reseal(ctx, s, ring)
		if err != nil || n != 2 {
			t.Fatalf("Reseal of 2 plain records = %d, %v", n, err)
		}
		notInRaw(t, raw, w, k1.ID)
		notInRaw(t, raw, wb, k1.ID)
		if n, err := webhook.Reseal(ctx, s, ring); err != nil || n != 0 {
			t.Fatalf("Reseal again = %d, %v; want 0 (nothing to do)", n, err)
		}

		// Rotation: a new current key, the old one kept to open; Reseal moves everything to the new key.
		k2 := crypt.NewKey()
		rotated, _ := crypt.NewKeyring(k2, k1)
		if n, err := webhook.Reseal(ctx, s, rotated); err != nil || n != 2 {
			t.Fatalf("Reseal after the rotation = %d, %v; want 2", n, err)
		}
		notInRaw(t, raw, w, k2.ID)
		// The old key retired: everything still opens.
		retired, _ := crypt.NewKeyring(k2)
		for _, x := range []webhook.Webhook{w, wb} {
			got, err := webhook.SealedStore(s, retired).GetWebhook(ctx, x.TenantID, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			sameWebhook(t, "after the rotation, without the old key", got, x)
		}
	})
}
