// Package setup prepares a brand-new installation: on the first start (no tenant yet) it creates the first
// tenant, its owner and an owner API key, and hands back the credentials to show once.
package setup

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"math/big"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/tenant"
)

// Input are the operator's choices; empty fields get defaults (a generated password and key).
type Input struct {
	TenantName string
	Email      string
	Password   string
	// APIKey is WAQTOR_BOOTSTRAP_API_KEY: a known owner key for automation.
	APIKey string
}

// Result is what to show the operator once. Created is false when the installation already had a tenant.
type Result struct {
	Created  bool
	TenantID string
	Email    string
	Password string
	APIKey   string
	// PasswordChosen and KeyChosen say the operator set them, so they are not echoed.
	PasswordChosen bool
	KeyChosen      bool
}

// Print shows the new credentials once (nothing when nothing was created). It is for the operator's terminal,
// never for logs.
func (r Result) Print(w io.Writer) {
	if !r.Created {
		return
	}
	password, key := r.Password, r.APIKey
	if r.PasswordChosen {
		password = "(as set in WAQTOR_BOOTSTRAP_PASSWORD)"
	}
	if r.KeyChosen {
		key = "(as set in WAQTOR_BOOTSTRAP_API_KEY)"
	}
	fmt.Fprintf(w, "\nFirst start: created the owner login and an API key. They are shown this once; keep them safe.\n")
	fmt.Fprintf(w, "  Owner email:    %s\n  Owner password: %s\n  API key:        %s\n\n", r.Email, password, key)
}

const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func generatePassword() string {
	b := make([]byte, 20)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// FirstStart creates the first tenant, owner and owner key if there is no tenant yet.
func FirstStart(ctx context.Context, tenants *tenant.Service, keys *apikey.Service, in Input) (Result, error) {
	if in.APIKey != "" && !apikey.LooksLikeKey(in.APIKey) {
		return Result{}, fmt.Errorf("WAQTOR_BOOTSTRAP_API_KEY must start with wq_ and have 32 to 128 characters of [A-Za-z0-9_-]")
	}
	n, err := tenants.Store.CountTenants(ctx)
	if err != nil {
		return Result{}, err
	}
	if n > 0 {
		return Result{}, nil
	}
	res := Result{Created: true, Email: in.Email, Password: in.Password, PasswordChosen: in.Password != "", KeyChosen: in.APIKey != ""}
	if res.Email == "" {
		res.Email = "admin@waqtor.local"
	}
	if res.Password == "" {
		res.Password = generatePassword()
	}
	name := in.TenantName
	if name == "" {
		name = "My business"
	}
	t, owner, err := tenants.Signup(ctx, tenant.SignupInput{TenantName: name, Email: res.Email, Name: "Owner", Password: res.Password})
	if err != nil {
		return Result{}, fmt.Errorf("create the first tenant: %w", err)
	}
	res.TenantID = t.ID
	p := auth.Principal{TenantID: t.ID, UserID: owner.ID, Role: auth.Owner, Scopes: auth.RoleScopes(auth.Owner)}
	keyIn := apikey.CreateInput{Name: "bootstrap", Scopes: []auth.Scope{auth.ScopeAll}}
	var k apikey.Created
	if in.APIKey != "" {
		k, err = keys.Import(ctx, p, keyIn, in.APIKey)
	} else {
		k, err = keys.Create(ctx, p, keyIn)
	}
	if err != nil {
		return Result{}, fmt.Errorf("create the owner API key: %w", err)
	}
	res.APIKey = k.Plaintext
	return res, nil
}
