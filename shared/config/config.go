// Package config reads WaQtor's configuration from the environment once, validates it, and reports every problem
// at once. docs/configuration.md documents each variable; TestConfigDocumented keeps the two in step.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/tenant"
)

// Config is the whole configuration of a WaQtor process.
type Config struct {
	// Addr is where the standalone HTTP server listens (WAQTOR_ADDR, default ":8080").
	Addr string
	// DataDir holds the standalone database and generated secrets (WAQTOR_DATA_DIR, default "./data").
	DataDir string

	BootstrapAPIKey   string // WAQTOR_BOOTSTRAP_API_KEY
	BootstrapEmail    string // WAQTOR_BOOTSTRAP_EMAIL
	BootstrapPassword string // WAQTOR_BOOTSTRAP_PASSWORD
	BootstrapTenant   string // WAQTOR_BOOTSTRAP_TENANT

	// TokenSecret signs dashboard tokens (WAQTOR_TOKEN_SECRET; standalone generates and keeps one in DataDir).
	TokenSecret string
	// TokenSecretARN names the Secrets Manager secret holding it on AWS (WAQTOR_TOKEN_SECRET_ARN).
	TokenSecretARN string
	TokenTTL       time.Duration // WAQTOR_TOKEN_TTL, default 1h

	DashboardOrigins []string // WAQTOR_DASHBOARD_ORIGIN, comma-separated
	SignupOpen       bool     // WAQTOR_SIGNUP=open|closed, default closed
	RatePerSecond    float64  // WAQTOR_RATE_LIMIT, default 20
	RateBurst        int      // WAQTOR_RATE_BURST, default 40
	MaxBodyBytes     int64    // WAQTOR_MAX_BODY_BYTES, default 1 MiB
	TrustProxy       bool     // WAQTOR_TRUST_PROXY
	MetricsToken     string   // WAQTOR_METRICS_TOKEN: also serve /metrics on the API, to this bearer token
	// PremiumGating turns premium gating on (WAQTOR_PREMIUM_GATING=on|off, default off: a self-hoster owns every
	// feature). On, campaigns, reports and interactive messages need the tenant's plan or a redeemed access code.
	// The AWS stack sets it on.
	PremiumGating bool
	// OperatorToken authenticates the operator endpoints, POST /api/operator/access-codes (WAQTOR_OPERATOR_TOKEN,
	// at least 32 characters, or a file named by WAQTOR_OPERATOR_TOKEN_FILE; unset: those endpoints answer 404).
	OperatorToken string
	// MetricsAddr is the separate listener that serves /metrics to anyone who can reach it (WAQTOR_METRICS_ADDR,
	// default "127.0.0.1:9464", loopback only; "off" for none). Standalone only.
	MetricsAddr string
	// DashboardDir is the built web dashboard standalone serves at / (WAQTOR_DASHBOARD_DIR, relative to the working
	// directory; `make dashboard` builds it). Default "": the dashboard embedded in a release build (`make release`),
	// else "dashboard/dist" (shared/dashboard.Handler).
	DashboardDir string

	// SecretsKeyFile holds the keys that encrypt webhook secrets and header values at rest in standalone
	// (WAQTOR_SECRETS_KEY_FILE, default DataDir/keys/secrets.key, created on the first start).
	SecretsKeyFile string
	// SecretsKMSKey is the KMS key (ID, ARN or alias) that wraps the data key encrypting webhook secrets on AWS
	// (WAQTOR_SECRETS_KMS_KEY; the CDK stack creates it and sets this).
	SecretsKMSKey string

	LogFormat       string        // WAQTOR_LOG_FORMAT: json|text (default: text on a terminal, else json)
	LogLevel        string        // WAQTOR_LOG_LEVEL: debug|info|warn|error
	ShutdownTimeout time.Duration // WAQTOR_SHUTDOWN_TIMEOUT, default 20s

	// WebhookAllow are the destinations webhook deliveries may reach although the SSRF guard refuses them by
	// default (loopback, private, link-local, …): WAQTOR_WEBHOOK_ALLOW, comma-separated CIDRs, addresses and host
	// names (egress.ParseAllow). It opens webhooks only, not media fetches.
	WebhookAllow egress.Allow
	// MediaFetchAllow is the same for the media URLs send-media fetches (WAQTOR_MEDIA_FETCH_ALLOW, same syntax).
	MediaFetchAllow egress.Allow
	// Listeners are the addresses this process listens on. Not read from the environment: the runtime fills it in
	// once it listens, and every SSRF guard refuses them whatever the allow-lists say (egress.Guard.Self).
	Listeners []netip.AddrPort

	// WhatsApp selects what sessions connect to (WAQTOR_WHATSAPP): "whatsapp" (the default, the real service) or
	// "demo" (an in-process fake WhatsApp with fake contacts, for trying WaQtor without a phone).
	WhatsApp string
	// MaxUploadBytes bounds send-media uploads and fetched media URLs (WAQTOR_MAX_UPLOAD_BYTES, default 100 MiB).
	MaxUploadBytes int64

	// AWS runtime: set WAQTOR_TABLE to run on AWS services instead of SQLite.
	Table       string // WAQTOR_TABLE
	EventBus    string // WAQTOR_EVENT_BUS
	QueuePrefix string // WAQTOR_QUEUE_PREFIX, default "waqtor-"
	// MediaBucket is the S3 bucket of media files (WAQTOR_MEDIA_BUCKET); the CDK stack creates it and sets this.
	MediaBucket string
	// WSURL is the URL of the AWS runtime's WebSocket API stage (WAQTOR_WS_URL, wss://<api>.execute-api.<region>.
	// amazonaws.com/<stage>); the CDK stack sets it. Tickets point clients there, and the live feed's functions
	// reach its Management API at the same host and stage over https. Empty: the standalone /ws.
	WSURL string
	// DeviceDBSecret is the ARN of the Secrets Manager secret of the session host's Postgres device store (the
	// JSON RDS generates: username, password, host, port, dbname), WAQTOR_DEVICE_DB_SECRET. Only the session host
	// on AWS reads it; the functions never open the device store.
	DeviceDBSecret string
	// DeviceDB is the other way to the same database: its connection settings one variable each
	// (WAQTOR_DEVICE_DB_HOST, _PORT, _NAME, _USER, _PASSWORD), as the ECS task gets them (ECS secrets taken from
	// the database's secret). Zero unless they are set; they and DeviceDBSecret exclude each other.
	DeviceDB DeviceDB
	// SessionLeaseTTL is the time to live of a session's single-writer lease on AWS (WAQTOR_SESSION_LEASE_TTL,
	// default 30s, 3s to 10m): the session host renews it every third of it, and a successor takes over a host
	// that vanished without releasing after at most this long.
	SessionLeaseTTL time.Duration
}

// DeviceDB are the connection settings of the session host's Postgres device store. String leaves the password
// out, so printing a Config never shows it.
type DeviceDB struct {
	Host     string // WAQTOR_DEVICE_DB_HOST
	Port     int    // WAQTOR_DEVICE_DB_PORT, default 5432
	Name     string // WAQTOR_DEVICE_DB_NAME, the database, default "postgres"
	User     string // WAQTOR_DEVICE_DB_USER
	Password string // WAQTOR_DEVICE_DB_PASSWORD (or a file named by WAQTOR_DEVICE_DB_PASSWORD_FILE)
}

// Set reports whether the settings are given (Load then checked that all the required ones are).
func (d DeviceDB) Set() bool { return d.Host != "" }

func (d DeviceDB) String() string {
	if !d.Set() {
		return "{}"
	}
	return fmt.Sprintf("{%s@%s:%d/%s password:[%d characters]}", d.User, d.Host, d.Port, d.Name, len(d.Password))
}

// GoString is String, for %#v.
func (d DeviceDB) GoString() string { return "config.DeviceDB" + d.String() }

// Demo reports whether sessions connect to the in-process demo WhatsApp.
func (c Config) Demo() bool { return c.WhatsApp == "demo" }

// WebhookGuard is the SSRF guard of webhook endpoints and deliveries: WebhookAllow, never the own listeners.
func (c Config) WebhookGuard() egress.Guard {
	return egress.Guard{Allow: c.WebhookAllow, Self: c.Listeners}
}

// MediaFetchGuard is the SSRF guard of the media URLs send-media fetches: MediaFetchAllow, never the own listeners.
func (c Config) MediaFetchGuard() egress.Guard {
	return egress.Guard{Allow: c.MediaFetchAllow, Self: c.Listeners}
}

// AWS reports whether the process runs on AWS services.
func (c Config) AWS() bool { return c.Table != "" }

// Vars lists every variable Load reads, for the docs test.
var Vars = []string{"WAQTOR_ADDR", "WAQTOR_DATA_DIR", "WAQTOR_BOOTSTRAP_API_KEY", "WAQTOR_BOOTSTRAP_EMAIL",
	"WAQTOR_BOOTSTRAP_PASSWORD", "WAQTOR_BOOTSTRAP_TENANT", "WAQTOR_TOKEN_SECRET", "WAQTOR_TOKEN_SECRET_ARN",
	"WAQTOR_TOKEN_TTL", "WAQTOR_DASHBOARD_ORIGIN", "WAQTOR_SIGNUP", "WAQTOR_RATE_LIMIT", "WAQTOR_RATE_BURST",
	"WAQTOR_MAX_BODY_BYTES", "WAQTOR_TRUST_PROXY", "WAQTOR_METRICS_TOKEN", "WAQTOR_LOG_FORMAT", "WAQTOR_LOG_LEVEL",
	"WAQTOR_SHUTDOWN_TIMEOUT", "WAQTOR_TABLE", "WAQTOR_EVENT_BUS", "WAQTOR_QUEUE_PREFIX", "WAQTOR_WEBHOOK_ALLOW",
	"WAQTOR_MEDIA_FETCH_ALLOW", "WAQTOR_WHATSAPP", "WAQTOR_MAX_UPLOAD_BYTES", "WAQTOR_MEDIA_BUCKET", "WAQTOR_DEVICE_DB_SECRET",
	"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_PORT", "WAQTOR_DEVICE_DB_NAME", "WAQTOR_DEVICE_DB_USER",
	"WAQTOR_DEVICE_DB_PASSWORD", "WAQTOR_METRICS_ADDR", "WAQTOR_SECRETS_KEY_FILE", "WAQTOR_SECRETS_KMS_KEY", "WAQTOR_SESSION_LEASE_TTL", "WAQTOR_WS_URL",
	"WAQTOR_PREMIUM_GATING", "WAQTOR_OPERATOR_TOKEN"}

// secretVars may instead be read from a file named by NAME_FILE.
var secretVars = map[string]bool{"WAQTOR_BOOTSTRAP_API_KEY": true, "WAQTOR_BOOTSTRAP_PASSWORD": true,
	"WAQTOR_TOKEN_SECRET": true, "WAQTOR_METRICS_TOKEN": true, "WAQTOR_DEVICE_DB_PASSWORD": true, "WAQTOR_OPERATOR_TOKEN": true}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) str(name, def string) string {
	v := strings.TrimSpace(r.getenv(name))
	if secretVars[name] {
		if file := r.getenv(name + "_FILE"); file != "" {
			if v != "" {
				r.errs = append(r.errs, fmt.Errorf("%s and %s_FILE are both set; set one", name, name))
			}
			b, err := os.ReadFile(file)
			if err != nil {
				r.errs = append(r.errs, fmt.Errorf("%s_FILE: %w", name, err))
			}
			v = strings.TrimSpace(string(b))
		}
	}
	if v == "" {
		return def
	}
	return v
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive duration like 30s or 1h", name, v))
		return def
	}
	return d
}

func (r *reader) number(name string, def float64) float64 {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive number", name, v))
		return def
	}
	return f
}

// whole reads a positive whole number (sizes, counts): "1.5" is refused rather than cut to 1.
func (r *reader) whole(name string, def int64) int64 {
	v := r.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive whole number", name, v))
		return def
	}
	return n
}

func (r *reader) boolean(name string) bool {
	switch v := strings.ToLower(r.str(name, "")); v {
	case "", "0", "false", "no", "off":
		return false
	case "1", "true", "yes", "on":
		return true
	default:
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want true or false", name, v))
		return false
	}
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.errs = append(r.errs, fmt.Errorf("%s=%q: want one of %s", name, v, strings.Join(allowed, ", ")))
	return def
}

// DeviceDBSecretFields maps each WAQTOR_DEVICE_DB_* variable to the field of the database's secret (the JSON RDS
// generates) it is taken from: the CDK stack passes them to the session host task as ECS secrets this way.
var DeviceDBSecretFields = map[string]string{
	"WAQTOR_DEVICE_DB_HOST":     "host",
	"WAQTOR_DEVICE_DB_PORT":     "port",
	"WAQTOR_DEVICE_DB_NAME":     "dbname",
	"WAQTOR_DEVICE_DB_USER":     "username",
	"WAQTOR_DEVICE_DB_PASSWORD": "password",
}

// deviceDBVars are the device database's connection settings, in the order of their errors.
var deviceDBVars = []string{"WAQTOR_DEVICE_DB_HOST", "WAQTOR_DEVICE_DB_PORT", "WAQTOR_DEVICE_DB_NAME",
	"WAQTOR_DEVICE_DB_USER", "WAQTOR_DEVICE_DB_PASSWORD"}

// deviceDB reads the device database's connection settings: none, or at least the host, the user and the
// password, and not next to WAQTOR_DEVICE_DB_SECRET (viaSecret). No error repeats the password.
func (r *reader) deviceDB(viaSecret bool) DeviceDB {
	d := DeviceDB{
		Host:     r.str("WAQTOR_DEVICE_DB_HOST", ""),
		Name:     r.str("WAQTOR_DEVICE_DB_NAME", ""),
		User:     r.str("WAQTOR_DEVICE_DB_USER", ""),
		Password: r.str("WAQTOR_DEVICE_DB_PASSWORD", ""),
	}
	port := r.str("WAQTOR_DEVICE_DB_PORT", "")
	if d == (DeviceDB{}) && port == "" {
		return DeviceDB{}
	}
	if viaSecret {
		r.errs = append(r.errs, errors.New("WAQTOR_DEVICE_DB_SECRET: set it or the WAQTOR_DEVICE_DB_* variables (host, port, name, user, password), not both"))
	}
	for _, v := range [][2]string{{"WAQTOR_DEVICE_DB_HOST", d.Host}, {"WAQTOR_DEVICE_DB_USER", d.User},
		{"WAQTOR_DEVICE_DB_PASSWORD", d.Password}} {
		if v[1] == "" {
			r.errs = append(r.errs, fmt.Errorf("%s is required with the other WAQTOR_DEVICE_DB_* variables", v[0]))
		}
	}
	if d.Host != "" && (strings.ContainsAny(d.Host, " /@?#") || len(d.Host) > 253) {
		r.errs = append(r.errs, fmt.Errorf("WAQTOR_DEVICE_DB_HOST=%q: want a host name or an IP address", d.Host))
	}
	d.Port = 5432
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			r.errs = append(r.errs, fmt.Errorf("WAQTOR_DEVICE_DB_PORT=%q: want a port number from 1 to 65535", port))
		}
		d.Port = n
	}
	if d.Name == "" {
		d.Name = "postgres"
	}
	// Postgres cuts identifiers at 63 bytes: a longer name would silently name another database or role.
	for _, v := range [][2]string{{"WAQTOR_DEVICE_DB_NAME", d.Name}, {"WAQTOR_DEVICE_DB_USER", d.User}} {
		if len(v[1]) > 63 {
			r.errs = append(r.errs, fmt.Errorf("%s: at most 63 bytes (a Postgres identifier), got %d", v[0], len(v[1])))
		}
	}
	return d
}

var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Load reads the configuration through getenv (os.Getenv in mains, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	r := &reader{getenv: getenv}
	c := Config{
		Addr:              r.str("WAQTOR_ADDR", ":8080"),
		DataDir:           r.str("WAQTOR_DATA_DIR", "./data"),
		BootstrapAPIKey:   r.str("WAQTOR_BOOTSTRAP_API_KEY", ""),
		BootstrapEmail:    r.str("WAQTOR_BOOTSTRAP_EMAIL", ""),
		BootstrapPassword: r.str("WAQTOR_BOOTSTRAP_PASSWORD", ""),
		BootstrapTenant:   r.str("WAQTOR_BOOTSTRAP_TENANT", ""),
		TokenSecret:       r.str("WAQTOR_TOKEN_SECRET", ""),
		TokenSecretARN:    r.str("WAQTOR_TOKEN_SECRET_ARN", ""),
		TokenTTL:          r.duration("WAQTOR_TOKEN_TTL", time.Hour),
		SignupOpen:        r.oneOf("WAQTOR_SIGNUP", "closed", "open", "closed") == "open",
		RatePerSecond:     r.number("WAQTOR_RATE_LIMIT", 20),
		RateBurst:         int(r.whole("WAQTOR_RATE_BURST", 40)),
		MaxBodyBytes:      r.whole("WAQTOR_MAX_BODY_BYTES", 1<<20),
		TrustProxy:        r.boolean("WAQTOR_TRUST_PROXY"),
		MetricsToken:      r.str("WAQTOR_METRICS_TOKEN", ""),
		PremiumGating:     r.oneOf("WAQTOR_PREMIUM_GATING", "off", "off", "on") == "on",
		OperatorToken:     r.str("WAQTOR_OPERATOR_TOKEN", ""),
		MetricsAddr:       r.str("WAQTOR_METRICS_ADDR", "127.0.0.1:9464"),
		DashboardDir:      r.str("WAQTOR_DASHBOARD_DIR", ""),
		SecretsKeyFile:    r.str("WAQTOR_SECRETS_KEY_FILE", ""),
		SecretsKMSKey:     r.str("WAQTOR_SECRETS_KMS_KEY", ""),
		LogFormat:         r.oneOf("WAQTOR_LOG_FORMAT", "auto", "auto", "json", "text"),
		LogLevel:          r.oneOf("WAQTOR_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		ShutdownTimeout:   r.duration("WAQTOR_SHUTDOWN_TIMEOUT", 20*time.Second),
		Table:             r.str("WAQTOR_TABLE", ""),
		EventBus:          r.str("WAQTOR_EVENT_BUS", ""),
		QueuePrefix:       r.str("WAQTOR_QUEUE_PREFIX", "waqtor-"),
		WhatsApp:          r.oneOf("WAQTOR_WHATSAPP", "whatsapp", "whatsapp", "demo"),
		MaxUploadBytes:    r.whole("WAQTOR_MAX_UPLOAD_BYTES", 100<<20),
		MediaBucket:       r.str("WAQTOR_MEDIA_BUCKET", ""),
		WSURL:             strings.TrimRight(r.str("WAQTOR_WS_URL", ""), "/"),
		DeviceDBSecret:    r.str("WAQTOR_DEVICE_DB_SECRET", ""),
		SessionLeaseTTL:   r.duration("WAQTOR_SESSION_LEASE_TTL", 30*time.Second),
	}
	c.DeviceDB = r.deviceDB(c.DeviceDBSecret != "")
	if c.SessionLeaseTTL < 3*time.Second || c.SessionLeaseTTL > 10*time.Minute {
		r.errs = append(r.errs, fmt.Errorf("WAQTOR_SESSION_LEASE_TTL=%s: want 3s to 10m", c.SessionLeaseTTL))
	}
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	} else if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		r.errs = append(r.errs, fmt.Errorf("WAQTOR_METRICS_ADDR=%q: want host:port or off", c.MetricsAddr))
	}
	if c.SecretsKeyFile == "" {
		c.SecretsKeyFile = filepath.Join(c.DataDir, "keys", "secrets.key")
	}
	if c.LogFormat == "auto" {
		c.LogFormat = ""
	}
	for _, o := range strings.Split(r.str("WAQTOR_DASHBOARD_ORIGIN", ""), ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
				r.errs = append(r.errs, fmt.Errorf("WAQTOR_DASHBOARD_ORIGIN: %q must start with http:// or https://", o))
			}
			c.DashboardOrigins = append(c.DashboardOrigins, o)
		}
	}
	allow, err := egress.ParseAllow(r.str(egress.WebhookAllowEnv, ""))
	if err != nil {
		r.errs = append(r.errs, err)
	}
	c.WebhookAllow = allow
	if c.MediaFetchAllow, err = egress.ParseAllowEnv(egress.MediaFetchAllowEnv, r.str(egress.MediaFetchAllowEnv, "")); err != nil {
		r.errs = append(r.errs, err)
	}
	r.errs = append(r.errs, checkStandalone(c)...)
	if c.TokenSecret != "" && len(c.TokenSecret) < 32 {
		r.errs = append(r.errs, errors.New("WAQTOR_TOKEN_SECRET must be at least 32 characters"))
	}
	if c.OperatorToken != "" && len(c.OperatorToken) < 32 {
		r.errs = append(r.errs, errors.New("WAQTOR_OPERATOR_TOKEN must be at least 32 characters"))
	}
	if c.MediaBucket != "" && !bucketPattern.MatchString(c.MediaBucket) {
		r.errs = append(r.errs, fmt.Errorf("WAQTOR_MEDIA_BUCKET=%q: want an S3 bucket name (3 to 63 of a-z 0-9 . -)", c.MediaBucket))
	}
	if c.WSURL != "" {
		if u, err := url.Parse(c.WSURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" ||
			strings.Trim(u.Path, "/") == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			r.errs = append(r.errs, fmt.Errorf("WAQTOR_WS_URL=%q: want wss://host/stage (the WebSocket API's stage URL)", c.WSURL))
		}
	}
	if c.AWS() {
		if c.EventBus == "" {
			r.errs = append(r.errs, errors.New("WAQTOR_EVENT_BUS is required with WAQTOR_TABLE (AWS runtime)"))
		}
	} else {
		if c.DeviceDBSecret != "" {
			r.errs = append(r.errs, errors.New("WAQTOR_DEVICE_DB_SECRET is for the AWS runtime: set WAQTOR_TABLE too (standalone keeps devices in SQLite)"))
		}
		for _, name := range deviceDBVars {
			if r.getenv(name) != "" || r.getenv(name+"_FILE") != "" {
				r.errs = append(r.errs, fmt.Errorf("%s is for the AWS runtime: set WAQTOR_TABLE too (standalone keeps devices in SQLite)", name))
			}
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		// Every problem names its variable first, and none holds a secret's value.
		return Config{}, fmt.Errorf("configuration:\n%w", err)
	}
	return c, nil
}

// checkStandalone checks the variables that used to be checked only while starting, after the data directory had
// been created: the listen address, the data directory and the bootstrap settings. Each error names its variable
// and never repeats a secret.
func checkStandalone(c Config) []error {
	var errs []error
	if host, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("WAQTOR_ADDR=%q: want host:port or :port, like :8080", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("WAQTOR_ADDR=%q: the port must be a number from 0 to 65535", c.Addr))
	} else if strings.ContainsAny(host, " /") {
		errs = append(errs, fmt.Errorf("WAQTOR_ADDR=%q: the host must be a host name or an IP address", c.Addr))
	}
	if !c.AWS() {
		if fi, err := os.Stat(c.DataDir); err == nil && !fi.IsDir() {
			errs = append(errs, fmt.Errorf("WAQTOR_DATA_DIR=%q: is a file, not a directory", c.DataDir))
		}
	}
	if c.BootstrapAPIKey != "" && !apikey.LooksLikeKey(c.BootstrapAPIKey) {
		errs = append(errs, errors.New("WAQTOR_BOOTSTRAP_API_KEY: must start with wq_ and have 32 to 128 characters of [A-Za-z0-9_-]"))
	}
	if c.BootstrapEmail != "" {
		if _, ok := tenant.NormalizeEmail(c.BootstrapEmail); !ok {
			errs = append(errs, fmt.Errorf("WAQTOR_BOOTSTRAP_EMAIL=%q: must be a valid email address", c.BootstrapEmail))
		}
	}
	if c.BootstrapPassword != "" {
		email := c.BootstrapEmail
		if email == "" {
			email = "admin@waqtor.local" // setup's default owner email
		}
		if msg := auth.CheckPasswordPolicy(c.BootstrapPassword, email); msg != "" {
			errs = append(errs, fmt.Errorf("WAQTOR_BOOTSTRAP_PASSWORD: %s", msg))
		}
	}
	if utf8.RuneCountInString(c.BootstrapTenant) > 100 {
		errs = append(errs, errors.New("WAQTOR_BOOTSTRAP_TENANT: must be at most 100 characters"))
	}
	return errs
}
