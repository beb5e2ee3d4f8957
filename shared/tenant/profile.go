package tenant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/media"
)

var phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// checkPhone accepts "" (no phone) or an E.164 number: "+", then 7 to 15 digits not starting with 0.
func checkPhone(f *apperr.Fields, field, v string) {
	v = strings.TrimSpace(v)
	if v != "" && !phonePattern.MatchString(v) {
		f.Add(field, "must be a phone number in international form: + and 7 to 15 digits, e.g. +15551234567")
	}
}

// AvatarFiles is where avatar images are kept: the media store (localdisk.MediaStore standalone, s3.MediaStore on
// AWS), one file per user under AvatarKey.
type AvatarFiles interface {
	Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mime string) error
	Open(ctx context.Context, tenantID, key string) (io.ReadCloser, media.Info, error)
	Delete(ctx context.Context, tenantID, key string) error
}

// MaxAvatarBytes is the largest avatar image (1 MiB).
const MaxAvatarBytes = 1 << 20

// AvatarTypes are the image types an avatar may be, decided from the file's bytes (media.Sniff), never from the
// name or the type the client declares. SVG is not among them: it can carry script.
var AvatarTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif"}

// AvatarKey is the media-store key of a user's avatar.
func AvatarKey(userID string) string { return "avatar-" + userID }

var (
	// ErrNoAvatar: the user has no uploaded avatar.
	ErrNoAvatar = &apperr.Error{Code: apperr.NotFound, Message: "this user has no avatar"}
	// ErrNoAvatarStore: the server has no media store to keep avatars in.
	ErrNoAvatarStore = &apperr.Error{Code: apperr.ServiceUnavailable, Message: "avatar storage is not configured on this server"}
)

// CheckAvatar validates an avatar image: not empty, at most MaxAvatarBytes, and one of AvatarTypes by content.
// It returns the detected MIME type.
func CheckAvatar(data []byte) (string, error) {
	if len(data) == 0 {
		return "", apperr.Field("file", "is empty")
	}
	if len(data) > MaxAvatarBytes {
		return "", apperr.New(apperr.TooLarge, "an avatar may be at most %d bytes; this one is %d bytes", MaxAvatarBytes, len(data)).
			WithDetails(map[string]any{"limit": MaxAvatarBytes, "size": len(data),
				"fields": []apperr.FieldError{{Field: "file", Message: fmt.Sprintf("must be at most %d bytes (1 MiB)", MaxAvatarBytes)}}})
	}
	mt, _, err := media.Sniff(data[:min(len(data), media.SniffLen)], "")
	if err != nil {
		return "", err
	}
	base, _, _ := strings.Cut(mt, ";")
	for _, t := range AvatarTypes {
		if base == t {
			return t, nil
		}
	}
	return "", apperr.Field("file", "must be a JPEG, PNG, WebP or GIF image; its content is "+base)
}

// SetAvatar stores data as userID's avatar, replacing any earlier one. The user themself or users:write; only an
// owner may change another owner's. The image is checked by CheckAvatar before anything is written.
func (s *Service) SetAvatar(ctx context.Context, p auth.Principal, userID string, data []byte) (User, error) {
	mt, err := CheckAvatar(data)
	if err != nil {
		return User{}, err
	}
	if s.Avatars == nil {
		return User{}, ErrNoAvatarStore
	}
	target, err := s.Store.GetUser(ctx, p.TenantID, userID)
	if err != nil {
		return User{}, err
	}
	if err := ownerGuard(p, target); err != nil {
		return User{}, err
	}
	if err := s.Avatars.Put(ctx, p.TenantID, AvatarKey(userID), bytes.NewReader(data), int64(len(data)), mt); err != nil {
		return User{}, fmt.Errorf("store avatar: %w", err)
	}
	now := s.Now().UTC()
	u, err := s.Store.UpdateUser(ctx, p.TenantID, userID, keepFixed(func(u *User) error {
		u.AvatarUpdatedAt, u.UpdatedAt = &now, now
		return nil
	}))
	if err != nil {
		return User{}, err
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}

// ownerGuard: only an owner may change another user who is an owner.
func ownerGuard(p auth.Principal, target User) error {
	if target.Role == auth.Owner && p.Role != auth.Owner && p.UserID != target.ID {
		return apperr.New(apperr.Forbidden, "only an owner can change an owner")
	}
	return nil
}

// DeleteAvatar removes userID's avatar (the same rule as SetAvatar). Removing a missing avatar succeeds.
func (s *Service) DeleteAvatar(ctx context.Context, p auth.Principal, userID string) (User, error) {
	target, err := s.Store.GetUser(ctx, p.TenantID, userID)
	if err != nil {
		return User{}, err
	}
	if err := ownerGuard(p, target); err != nil {
		return User{}, err
	}
	if target.AvatarUpdatedAt == nil {
		return target, nil
	}
	if s.Avatars == nil {
		return User{}, ErrNoAvatarStore
	}
	if err := s.Avatars.Delete(ctx, p.TenantID, AvatarKey(userID)); err != nil {
		return User{}, fmt.Errorf("delete avatar: %w", err)
	}
	u, err := s.Store.UpdateUser(ctx, p.TenantID, userID, keepFixed(func(u *User) error {
		u.AvatarUpdatedAt, u.UpdatedAt = nil, s.Now().UTC()
		return nil
	}))
	if err != nil {
		return User{}, err
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}

// OpenAvatar returns userID's avatar image for streaming: the user themself, or users:read. ErrNoAvatar when the
// user has none.
func (s *Service) OpenAvatar(ctx context.Context, p auth.Principal, userID string) (io.ReadCloser, media.Info, error) {
	u, err := s.GetUser(ctx, p, userID)
	if err != nil {
		return nil, media.Info{}, err
	}
	if u.AvatarUpdatedAt == nil {
		return nil, media.Info{}, ErrNoAvatar
	}
	if s.Avatars == nil {
		return nil, media.Info{}, ErrNoAvatarStore
	}
	rc, info, err := s.Avatars.Open(ctx, p.TenantID, AvatarKey(userID))
	if errors.Is(err, media.ErrNotFound) {
		return nil, media.Info{}, ErrNoAvatar
	}
	return rc, info, err
}

// ChangePasswordInput is a user's change of their own password.
type ChangePasswordInput struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

// ChangePassword sets the caller's own password (a dashboard login, not an API key) after checking the current
// one. The new password obeys the password policy and must differ from the current one. A wrong current password
// is a field error and counts as a failed sign-in to the user's email (the same lockout as login: while it is
// locked, every attempt is refused with account_locked). Success ends every token the user holds (TokenVersion);
// the caller issues the device that asked a fresh one.
func (s *Service) ChangePassword(ctx context.Context, p auth.Principal, in ChangePasswordInput) (User, error) {
	if p.KeyID != "" || p.UserID == "" {
		return User{}, apperr.New(apperr.Forbidden, "changing a password needs a dashboard login, not an API key")
	}
	u, err := s.Store.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return User{}, err
	}
	var f apperr.Fields
	if in.CurrentPassword == "" {
		f.Add("currentPassword", "is required")
	}
	if msg := auth.CheckPasswordPolicy(in.NewPassword, u.Email); msg != "" {
		f.Add("newPassword", "%s", msg)
	} else if in.NewPassword == in.CurrentPassword {
		f.Add("newPassword", "must differ from the current password")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if err := s.checkCurrentPassword(ctx, u, in.CurrentPassword); err != nil {
		return User{}, err
	}
	hash, err := auth.HashPassword(in.NewPassword)
	if err != nil {
		return User{}, err
	}
	u, err = s.Store.UpdateUser(ctx, p.TenantID, p.UserID, keepFixed(func(u *User) error {
		u.PasswordHash = hash
		u.TokenVersion++
		u.UpdatedAt = s.Now().UTC()
		return nil
	}))
	if err != nil {
		return User{}, err
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}

// checkCurrentPassword verifies the password a signed-in user typed to confirm a change. While sign-in to their
// email is locked it is refused without checking (account_locked); a wrong one counts as a failed sign-in (the login
// lockout) and is the field error currentPassword.
func (s *Service) checkCurrentPassword(ctx context.Context, u User, password string) error {
	now := s.Now()
	key := LoginKey(u.Email)
	if s.Attempts != nil {
		a, err := s.Attempts.GetLoginAttempts(ctx, key)
		if err == nil && now.Before(a.LockedUntil) {
			return lockedError(a.LockedUntil, now)
		}
		if err != nil && !errors.Is(err, ErrNoLoginAttempts) {
			return err
		}
	}
	if err := auth.CheckPassword(u.PasswordHash, password); err != nil {
		if ferr := s.loginFailed(ctx, key, u, now); !errors.Is(ferr, ErrInvalidCredentials) {
			return ferr
		}
		return apperr.Field("currentPassword", "is not your current password")
	}
	return nil
}

// ChangeEmailInput is a user's change of their own sign-in email.
type ChangeEmailInput struct {
	Email           string `json:"email"`
	CurrentPassword string `json:"currentPassword"`
}

// ChangeEmail gives the caller (a dashboard login) a new sign-in email after checking their current password (the
// same check and lockout as ChangePassword). The email is normalised; one in use by any user is ErrEmailTaken.
// Tokens stay valid: the login is the same user.
func (s *Service) ChangeEmail(ctx context.Context, p auth.Principal, in ChangeEmailInput) (User, error) {
	if p.KeyID != "" || p.UserID == "" {
		return User{}, apperr.New(apperr.Forbidden, "changing an email needs a dashboard login, not an API key")
	}
	u, err := s.Store.GetUser(ctx, p.TenantID, p.UserID)
	if err != nil {
		return User{}, err
	}
	var f apperr.Fields
	email, ok := NormalizeEmail(in.Email)
	if !ok {
		f.Add("email", "must be a valid email address")
	}
	if in.CurrentPassword == "" {
		f.Add("currentPassword", "is required")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if err := s.checkCurrentPassword(ctx, u, in.CurrentPassword); err != nil {
		return User{}, err
	}
	if email == u.Email {
		return u, nil
	}
	u, err = s.Store.ChangeEmail(ctx, p.TenantID, p.UserID, email, s.Now().UTC())
	if errors.Is(err, ErrEmailTaken) {
		return User{}, &apperr.Error{Code: apperr.Conflict, Message: ErrEmailTaken.Message,
			Details: map[string]any{"fields": []apperr.FieldError{{Field: "email", Message: "is used by another account"}}}}
	}
	if err != nil {
		return User{}, err
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}
