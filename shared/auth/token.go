package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Tokens issues and verifies dashboard session tokens: compact JWTs (HS256) signed with a server secret.
// They are short-lived; the API also re-reads the user on every request, so a deleted or demoted user loses access
// at once whatever the token says, and a token whose Version is not the user's current token version (bumped by a
// password change, a role change, disabling and "log out everywhere") is refused.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// Claims are what a token asserts.
type Claims struct {
	Subject   string `json:"sub"`
	TenantID  string `json:"tid"`
	Role      Role   `json:"role"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
	Issuer    string `json:"iss"`
	// Version is the user's token version when the token was issued (see tenant.User.TokenVersion).
	Version int64 `json:"ver,omitempty"`
}

const issuer = "waqtor"

var (
	// ErrTokenInvalid: malformed, wrong signature, or not ours.
	ErrTokenInvalid = errors.New("auth: invalid token")
	// ErrTokenExpired: the token is past its expiry.
	ErrTokenExpired = errors.New("auth: token expired")
)

// NewTokens returns a token issuer. The secret must be at least 32 bytes.
func NewTokens(secret []byte, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("auth: token secret must be at least 32 bytes, got %d", len(secret))
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("auth: token ttl must be positive")
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{secret: secret, ttl: ttl, now: now}, nil
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// Issue signs a token for the user at the user's current token version.
func (t *Tokens) Issue(userID, tenantID string, role Role, version int64) (token string, expires time.Time, err error) {
	now := t.now()
	expires = now.Add(t.ttl)
	jti := make([]byte, 12)
	rand.Read(jti)
	c := Claims{Subject: userID, TenantID: tenantID, Role: role, IssuedAt: now.Unix(), ExpiresAt: expires.Unix(),
		ID: base64.RawURLEncoding.EncodeToString(jti), Issuer: issuer, Version: version}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", time.Time{}, err
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + t.sign(signing), time.Unix(c.ExpiresAt, 0).UTC(), nil
}

func (t *Tokens) sign(s string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks the signature and expiry and returns the claims.
func (t *Tokens) Verify(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return Claims{}, ErrTokenInvalid
	}
	if !hmac.Equal([]byte(t.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return Claims{}, ErrTokenInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return Claims{}, ErrTokenInvalid
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil || c.Issuer != issuer || c.Subject == "" || c.TenantID == "" {
		return Claims{}, ErrTokenInvalid
	}
	if t.now().Unix() >= c.ExpiresAt {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}
