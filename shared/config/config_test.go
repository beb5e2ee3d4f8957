package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsStartStandalone(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.AWS() || c.TokenTTL != time.Hour || c.SignupOpen ||
		c.RatePerSecond != 20 || c.RateBurst != 40 || c.MaxBodyBytes != 1<<20 || c.ShutdownTimeout != 20*time.Second {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestEveryProblemReportedAtOnce(t *testing.T) {
	_, err := config.Load(env(map[string]string{
		"WAQTOR_TOKEN_TTL": "soon", "WAQTOR_SIGNUP": "maybe", "WAQTOR_RATE_LIMIT": "-1",
		"WAQTOR_TRUST_PROXY": "perhaps", "WAQTOR_DASHBOARD_ORIGIN": "dash.example", "WAQTOR_TOKEN_SECRET": "short",
		"WAQTOR_TABLE": "t", "WAQTOR_WEBHOOK_ALLOW": "10.0.0.0/8, 10.0.0.0/33", "WAQTOR_MEDIA_BUCKET": "Media_Bucket",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, name := range []string{"WAQTOR_TOKEN_TTL", "WAQTOR_SIGNUP", "WAQTOR_RATE_LIMIT", "WAQTOR_TRUST_PROXY",
		"WAQTOR_DASHBOARD_ORIGIN", "WAQTOR_TOKEN_SECRET", "WAQTOR_EVENT_BUS", "WAQTOR_WEBHOOK_ALLOW",
		"WAQTOR_MEDIA_BUCKET"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestSecretsFromFiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte("wq_live_from_a_file_0123456789abcdefghij\n"), 0o600)
	c, err := config.Load(env(map[string]string{"WAQTOR_BOOTSTRAP_API_KEY_FILE": file}))
	if err != nil || c.BootstrapAPIKey != "wq_live_from_a_file_0123456789abcdefghij" {
		t.Fatalf("key from file = %q, %v", c.BootstrapAPIKey, err)
	}
	_, err = config.Load(env(map[string]string{"WAQTOR_BOOTSTRAP_API_KEY_FILE": file, "WAQTOR_BOOTSTRAP_API_KEY": "x"}))
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("both set: %v", err)
	}
}

func TestConfigDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars {
		if !strings.Contains(string(doc), "`"+v+"`") {
			t.Errorf("docs/configuration.md does not document %s", v)
		}
	}
}

func TestWebhookAllow(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil || c.WebhookAllow.Prefixes != nil || c.WebhookAllow.Hosts != nil {
		t.Fatalf("default WebhookAllow = %+v, %v; want none", c.WebhookAllow, err)
	}
	c, err = config.Load(env(map[string]string{"WAQTOR_WEBHOOK_ALLOW": " 127.0.0.1/32, 10.1.2.3/16,::1 ,hooks.internal"}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(c.WebhookAllow.Prefixes, c.WebhookAllow.Hosts), "[127.0.0.1/32 10.1.0.0/16 ::1/128] [hooks.internal]"; got != want {
		t.Errorf("WebhookAllow = %s, want %s", got, want)
	}
}

func TestMediaBucket(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil || c.MediaBucket != "" {
		t.Fatalf("default MediaBucket = %q, %v; want none", c.MediaBucket, err)
	}
	c, err = config.Load(env(map[string]string{"WAQTOR_TABLE": "t", "WAQTOR_EVENT_BUS": "b",
		"WAQTOR_MEDIA_BUCKET": "waqtor-mediaa721a567-1x2y3z"}))
	if err != nil || c.MediaBucket != "waqtor-mediaa721a567-1x2y3z" {
		t.Fatalf("MediaBucket = %q, %v", c.MediaBucket, err)
	}
	for _, bad := range []string{"ab", "Upper", "under_score", "-start", "end.", strings.Repeat("a", 64)} {
		if _, err := config.Load(env(map[string]string{"WAQTOR_MEDIA_BUCKET": bad})); err == nil ||
			!strings.Contains(err.Error(), "WAQTOR_MEDIA_BUCKET") {
			t.Errorf("WAQTOR_MEDIA_BUCKET=%q: %v, want an error naming it", bad, err)
		}
	}
}

func TestDeviceDBSecret(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:waqtor-devices-AbCdEf"
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"unset", nil, "", false},
		{"AWS session host", map[string]string{"WAQTOR_TABLE": "t", "WAQTOR_EVENT_BUS": "b", "WAQTOR_DEVICE_DB_SECRET": " " + arn + " "}, arn, false},
		{"standalone", map[string]string{"WAQTOR_DEVICE_DB_SECRET": arn}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(env(tt.env))
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "WAQTOR_DEVICE_DB_SECRET") {
					t.Fatalf("got %v, want an error naming WAQTOR_DEVICE_DB_SECRET", err)
				}
				return
			}
			if err != nil || c.DeviceDBSecret != tt.want {
				t.Fatalf("DeviceDBSecret = %q, %v; want %q", c.DeviceDBSecret, err, tt.want)
			}
		})
	}
}

func TestSessionLeaseTTL(t *testing.T) {
	c, err := config.Load(env(map[string]string{"WAQTOR_TABLE": "t", "WAQTOR_EVENT_BUS": "b"}))
	if err != nil || c.SessionLeaseTTL != 30*time.Second {
		t.Fatalf("default session lease TTL = %s, %v; want 30s", c.SessionLeaseTTL, err)
	}
	c, err = config.Load(env(map[string]string{"WAQTOR_SESSION_LEASE_TTL": "45s"}))
	if err != nil || c.SessionLeaseTTL != 45*time.Second {
		t.Fatalf("WAQTOR_SESSION_LEASE_TTL=45s gives %s, %v", c.SessionLeaseTTL, err)
	}
	for _, bad := range []string{"2s", "11m", "soon"} {
		_, err := config.Load(env(map[string]string{"WAQTOR_SESSION_LEASE_TTL": bad}))
		if err == nil || !strings.Contains(err.Error(), "WAQTOR_SESSION_LEASE_TTL") {
			t.Errorf("WAQTOR_SESSION_LEASE_TTL=%s: error %v, want one naming the variable", bad, err)
		}
	}
}

// TestStartupSettingsCheckedAtLoad is issue 8 item 15: the settings that used to fail only while starting (after the
// data directory was created, one per start, some without naming the variable) are checked by Load, all at once,
// each error line naming its variable first and none repeating a secret.
func TestStartupSettingsCheckedAtLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o600)
	bad := map[string]string{
		"WAQTOR_ADDR":               "localhost:99999",
		"WAQTOR_DATA_DIR":           file,
		"WAQTOR_BOOTSTRAP_API_KEY":  "sk_live_secret_value",
		"WAQTOR_BOOTSTRAP_EMAIL":    "not-an-email",
		"WAQTOR_BOOTSTRAP_PASSWORD": "hunter2",
		"WAQTOR_BOOTSTRAP_TENANT":   strings.Repeat("t", 101),
		"WAQTOR_RATE_BURST":         "1.5",
		"WAQTOR_MAX_BODY_BYTES":     "1e3",
		"WAQTOR_MAX_UPLOAD_BYTES":   "-5",
	}
	_, err := config.Load(env(bad))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for name := range bad {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	for _, secret := range []string{"sk_live_secret_value", "hunter2"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error holds the secret %q:\n%v", secret, err)
		}
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "configuration:" {
		t.Fatalf("first line %q", lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "WAQTOR_") {
			t.Errorf("error line %q does not start with the variable's name", l)
		}
	}
	if len(lines)-1 != len(bad) {
		t.Errorf("%d error lines, want one per bad variable (%d):\n%v", len(lines)-1, len(bad), err)
	}
	// Good values of the same variables pass.
	if _, err := config.Load(env(map[string]string{"WAQTOR_ADDR": "127.0.0.1:0", "WAQTOR_DATA_DIR": t.TempDir(),
		"WAQTOR_BOOTSTRAP_API_KEY": "wq_live_0123456789abcdefghijklmnopqrstuv", "WAQTOR_BOOTSTRAP_EMAIL": "Owner@Example.com",
		"WAQTOR_BOOTSTRAP_PASSWORD": "a long enough passphrase", "WAQTOR_RATE_BURST": "7"})); err != nil {
		t.Fatalf("good configuration refused: %v", err)
	}
}

// TestDeviceDBVariables: the device database's connection settings as ECS secrets pass them, one variable each.
func TestDeviceDBVariables(t *testing.T) {
	const password = "s3cr3t-Pa55word"
	aws := map[string]string{"WAQTOR_TABLE": "t", "WAQTOR_EVENT_BUS": "b"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range aws {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	c, err := config.Load(env(with(map[string]string{"WAQTOR_DEVICE_DB_HOST": "waqtor-devices.abc.eu-west-1.rds.amazonaws.com",
		"WAQTOR_DEVICE_DB_PORT": "5433", "WAQTOR_DEVICE_DB_NAME": "waqtor", "WAQTOR_DEVICE_DB_USER": "waqtor",
		"WAQTOR_DEVICE_DB_PASSWORD": password})))
	if err != nil {
		t.Fatal(err)
	}
	want := config.DeviceDB{Host: "waqtor-devices.abc.eu-west-1.rds.amazonaws.com", Port: 5433, Name: "waqtor",
		User: "waqtor", Password: password}
	if c.DeviceDB != want || !c.DeviceDB.Set() || c.DeviceDBSecret != "" {
		t.Fatalf("DeviceDB = %#v (set %v), secret %q; want %#v", c.DeviceDB, c.DeviceDB.Set(), c.DeviceDBSecret, want)
	}
	// Printing the configuration never shows the password.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, c); strings.Contains(s, password) {
			t.Errorf("Sprintf(%q, config) shows the password: %s", verb, s)
		}
	}

	// Defaults, and the password from a file.
	file := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(file, []byte(password+"\n"), 0o600)
	c, err = config.Load(env(with(map[string]string{"WAQTOR_DEVICE_DB_HOST": "10.0.3.7", "WAQTOR_DEVICE_DB_USER": "u",
		"WAQTOR_DEVICE_DB_PASSWORD_FILE": file})))
	if want := (config.DeviceDB{Host: "10.0.3.7", Port: 5432, Name: "postgres", User: "u", Password: password}); err != nil || c.DeviceDB != want {
		t.Fatalf("DeviceDB = %#v, %v; want %#v", c.DeviceDB, err, want)
	}
	// None set: none, and the ARN alone still works.
	c, err = config.Load(env(with(map[string]string{"WAQTOR_DEVICE_DB_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:x"})))
	if err != nil || c.DeviceDB.Set() || c.DeviceDB != (config.DeviceDB{}) {
		t.Fatalf("DeviceDB = %#v, %v; want none", c.DeviceDB, err)
	}

	tests := []struct {
		name string
		env  map[string]string
		want []string // every variable the error must name, one line each
	}{
		{"only a password", with(map[string]string{"WAQTOR_DEVICE_DB_PASSWORD": password}),
			[]string{"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_USER"}},
		{"only a port", with(map[string]string{"WAQTOR_DEVICE_DB_PORT": "5433"}),
			[]string{"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_USER", "WAQTOR_DEVICE_DB_PASSWORD"}},
		{"bad values", with(map[string]string{"WAQTOR_DEVICE_DB_HOST": "db host/x", "WAQTOR_DEVICE_DB_PORT": "70000",
			"WAQTOR_DEVICE_DB_NAME": strings.Repeat("n", 64), "WAQTOR_DEVICE_DB_USER": strings.Repeat("u", 64),
			"WAQTOR_DEVICE_DB_PASSWORD": password}),
			[]string{"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_PORT", "WAQTOR_DEVICE_DB_NAME", "WAQTOR_DEVICE_DB_USER"}},
		{"port not a number", with(map[string]string{"WAQTOR_DEVICE_DB_HOST": "h", "WAQTOR_DEVICE_DB_PORT": "pg",
			"WAQTOR_DEVICE_DB_USER": "u", "WAQTOR_DEVICE_DB_PASSWORD": password}), []string{"WAQTOR_DEVICE_DB_PORT"}},
		{"both ways", with(map[string]string{"WAQTOR_DEVICE_DB_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
			"WAQTOR_DEVICE_DB_HOST": "h", "WAQTOR_DEVICE_DB_USER": "u", "WAQTOR_DEVICE_DB_PASSWORD": password}),
			[]string{"WAQTOR_DEVICE_DB_SECRET"}},
		{"standalone", map[string]string{"WAQTOR_DEVICE_DB_HOST": "h", "WAQTOR_DEVICE_DB_USER": "u",
			"WAQTOR_DEVICE_DB_PASSWORD": password}, []string{"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_USER", "WAQTOR_DEVICE_DB_PASSWORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(env(tt.env))
			if err == nil {
				t.Fatal("accepted")
			}
			lines := strings.Split(err.Error(), "\n")[1:]
			if len(lines) != len(tt.want) {
				t.Errorf("%d error lines, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, name := range tt.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], name) {
					t.Errorf("line %d %q does not start with %s", i+1, lines[i], name)
				}
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password:\n%v", err)
			}
		})
	}
}

func TestWSURL(t *testing.T) {
	c, err := config.Load(env(map[string]string{"WAQTOR_WS_URL": "wss://abc.execute-api.eu-west-1.amazonaws.com/live/"}))
	if err != nil || c.WSURL != "wss://abc.execute-api.eu-west-1.amazonaws.com/live" {
		t.Fatalf("WSURL = %q, %v", c.WSURL, err)
	}
	for _, bad := range []string{"https://abc/live", "wss://abc", "wss://abc/live?ticket=x", "wss:///live"} {
		if _, err := config.Load(env(map[string]string{"WAQTOR_WS_URL": bad})); err == nil || !strings.Contains(err.Error(), "WAQTOR_WS_URL") {
			t.Errorf("WAQTOR_WS_URL=%q: %v, want an error naming the variable", bad, err)
		}
	}
}

// Premium gating is off unless asked for (standalone's default; the AWS stack sets on); the operator token is long.
func TestPremiumGatingAndOperatorToken(t *testing.T) {
	c, err := config.Load(env(nil))
	if err != nil || c.PremiumGating || c.OperatorToken != "" {
		t.Fatalf("defaults: gating %v, operator token %q, %v; want off and none", c.PremiumGating, c.OperatorToken, err)
	}
	c, err = config.Load(env(map[string]string{"WAQTOR_PREMIUM_GATING": "on", "WAQTOR_OPERATOR_TOKEN": strings.Repeat("k", 32)}))
	if err != nil || !c.PremiumGating || c.OperatorToken != strings.Repeat("k", 32) {
		t.Fatalf("on: %+v, %v", c.PremiumGating, err)
	}
	_, err = config.Load(env(map[string]string{"WAQTOR_PREMIUM_GATING": "yes", "WAQTOR_OPERATOR_TOKEN": "short-secret"}))
	if err == nil || !strings.Contains(err.Error(), "WAQTOR_PREMIUM_GATING") || !strings.Contains(err.Error(), "WAQTOR_OPERATOR_TOKEN") ||
		strings.Contains(err.Error(), "short-secret") {
		t.Fatalf("bad values: %v; want both named, the secret not repeated", err)
	}
}
