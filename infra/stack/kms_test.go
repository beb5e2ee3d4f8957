package stack_test

import (
	"reflect"
	"testing"
)

// The key that encrypts webhook secrets: symmetric, rotated yearly by KMS, kept when the stack goes (the secrets
// cannot be read without it). Who may use it is checked in TestLeastPrivilege, its ARN in TestFunctions.
func TestSecretsKey(t *testing.T) {
	tmpl := defaultTemplate(t)
	id := singleID(t, tmpl, "AWS::KMS::Key")
	r := resources(t, tmpl, "AWS::KMS::Key")[id]
	if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("key removal: %v / %v, want Retain", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	p := props(r)
	for key, want := range map[string]any{
		"EnableKeyRotation": true,
		"KeySpec":           nil, // SYMMETRIC_DEFAULT
		"KeyUsage":          nil, // ENCRYPT_DECRYPT
	} {
		if got := p[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff(key, got, want))
		}
	}
}
