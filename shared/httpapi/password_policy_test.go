package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/httpapi"
)

// passwordFieldError returns the message of the one field error of r, which must be on "password".
func passwordFieldError(t *testing.T, r resp) string {
	t.Helper()
	want(t, r, 422, "validation_failed")
	var body struct {
		Error struct {
			Details struct {
				Fields []struct{ Field, Message string } `json:"fields"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	f := body.Error.Details.Fields
	if len(f) != 1 || f[0].Field != "password" {
		t.Fatalf("field errors = %+v, want one on password: %s", f, r.body)
	}
	return f[0].Message
}

// TestPasswordPolicyOnEveryPath: signup, user creation and password change all apply auth.CheckPasswordPolicy,
// answer a precise field error on "password" and change nothing.
func TestPasswordPolicyOnEveryPath(t *testing.T) {
	e := newEnv(t, httpapi.Config{SignupOpen: true})
	created := e.call(t, "POST", "/api/users", e.ownerKey, map[string]string{"email": "mia.jones@a.example", "password": "member-password", "role": "member"})
	want(t, created, 201, "")
	mid := created.json(t)["id"].(string)
	mtok := e.login(t, "mia.jones@a.example", "member-password")

	bad := []struct{ name, pw, mention string }{
		{"ten spaces", strings.Repeat(" ", 10), "only spaces"},
		{"ten NULs", strings.Repeat("\x00", 10), "control characters"},
		{"common", "password12", "common and breached"},
		{"sequence", "1234567890", "sequence"},
		{"email local part", "mia.jones-2026", "email"},
		{"product name", "waqtor-rocks-2026", "product name"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			paths := map[string]resp{
				"signup": e.call(t, "POST", "/api/auth/signup", "", map[string]string{"tenantName": "New", "email": "mia.jones@new.example", "password": b.pw}),
				"create": e.call(t, "POST", "/api/users", e.ownerKey, map[string]string{"email": "mia.jones@b.example", "password": b.pw, "role": "member"}),
				"change": e.call(t, "PATCH", "/api/users/"+mid, mtok, map[string]string{"password": b.pw, "currentPassword": "member-password"}),
			}
			for path, r := range paths {
				if msg := passwordFieldError(t, r); !strings.Contains(msg, b.mention) {
					t.Errorf("%s: password error %q does not mention %q", path, msg, b.mention)
				}
			}
		})
	}
	// Nothing changed: the old password still works, the refused accounts do not exist.
	e.login(t, "mia.jones@a.example", "member-password")
	want(t, e.call(t, "POST", "/api/auth/login", "", map[string]string{"email": "mia.jones@b.example", "password": "password12"}), 401, "unauthorized")
	// A good password passes everywhere.
	want(t, e.call(t, "PATCH", "/api/users/"+mid, mtok, map[string]string{"password": "velvet otter quarry", "currentPassword": "member-password"}), 200, "")
	e.login(t, "mia.jones@a.example", "velvet otter quarry")
}
