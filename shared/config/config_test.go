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
