package tenant

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
)

// Service applies the rules for tenants and users.
type Service struct {
	Store       Store
	Events      event.Publisher
	Log         *slog.Logger
	Now         func() time.Time
	EventSrc    string // event source, "waqtor.api"
	DefaultPlan string
	// Attempts keeps failed sign-ins for the per-account lockout (Lockout). Both runtimes set it (app.NewServices);
	// nil turns the lockout off.
	Attempts AttemptStore
	// Lockout is the per-account lockout rule (DefaultLockout).
	Lockout LockoutPolicy
	// Notifier tells a user that sign-in to their account was paused (nil: nobody is told).
	Notifier notification.Notifier
	// Avatars keeps users' avatar images (the media store; app.NewServices sets it). nil: avatar uploads answer
	// 503 avatar storage not configured.
	Avatars AvatarFiles
}

// NewService returns a Service with defaults filled in.
func NewService(store Store, events event.Publisher, log *slog.Logger) *Service {
	return &Service{Store: store, Events: events, Log: log, Now: time.Now, EventSrc: "waqtor.api", DefaultPlan: "free",
		Lockout: DefaultLockout}
}

// SignupInput creates a tenant and its owner.
type SignupInput struct {
	TenantName string `json:"tenantName"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	Password   string `json:"password"`
}

// NormalizeEmail lowercases and trims an email and checks its form.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return s, false
	}
	return s, true
}

func checkName(f *apperr.Fields, field, v string, required bool) {
	switch n := utf8.RuneCountInString(strings.TrimSpace(v)); {
	case n == 0 && required:
		f.Add(field, "is required")
	case n > 100:
		f.Add(field, "must be at most 100 characters")
	}
}

// Signup creates a tenant with its first owner.
func (s *Service) Signup(ctx context.Context, in SignupInput) (Tenant, User, error) {
	var f apperr.Fields
	checkName(&f, "tenantName", in.TenantName, true)
	checkName(&f, "name", in.Name, false)
	email, ok := NormalizeEmail(in.Email)
	if !ok {
		f.Add("email", "must be a valid email address")
	}
	if msg := auth.CheckPasswordPolicy(in.Password, email); msg != "" {
		f.Add("password", "%s", msg)
	}
	if err := f.Err(); err != nil {
		return Tenant{}, User{}, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return Tenant{}, User{}, err
	}
	now := s.Now().UTC()
	t := Tenant{ID: id.New("ten"), Name: strings.TrimSpace(in.TenantName), Plan: s.DefaultPlan, CreatedAt: now}
	u := User{ID: id.New("usr"), TenantID: t.ID, Email: email, Name: strings.TrimSpace(in.Name), Role: auth.Owner,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateTenant(ctx, t, u); err != nil {
		return Tenant{}, User{}, err
	}
	s.publish(ctx, event.UserCreated, t.ID, u.ID, userEvent(u, u.ID))
	return t, u, nil
}

// Login checks email and password. A wrong password, an unknown email and a disabled user are all
// ErrInvalidCredentials and take about as long. Failures are counted per email address (Attempts, Lockout), known
// or not: while the address is locked every attempt, even with the right password, is refused with account_locked
// and a Retry-After, without checking the password; the failure that imposes a lock answers the same, and tells
// the account's user once through the notification center. A success forgets the failures.
func (s *Service) Login(ctx context.Context, email, password string) (User, error) {
	email, _ = NormalizeEmail(email)
	now := s.Now()
	key := LoginKey(email)
	failedBefore := false
	if s.Attempts != nil {
		a, err := s.Attempts.GetLoginAttempts(ctx, key)
		switch {
		case err == nil:
			failedBefore = true
			if now.Before(a.LockedUntil) {
				return User{}, lockedError(a.LockedUntil, now)
			}
		case !errors.Is(err, ErrNoLoginAttempts):
			return User{}, err
		}
	}
	u, err := s.Store.FindUserByEmail(ctx, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, err
	}
	if err := auth.CheckPassword(u.PasswordHash, password); err != nil || u.Disabled {
		return User{}, s.loginFailed(ctx, key, u, now)
	}
	if failedBefore {
		if err := s.Attempts.DeleteLoginAttempts(ctx, key); err != nil {
			return User{}, err
		}
	}
	s.publish(ctx, event.UserLoggedIn, u.TenantID, u.ID, userEvent(u, u.ID))
	return u, nil
}

// CreateUserInput adds a user to the caller's tenant.
type CreateUserInput struct {
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Password string    `json:"password"`
}

// CreateUser adds a user (the API route needs users:write); only an owner can create an owner.
func (s *Service) CreateUser(ctx context.Context, p auth.Principal, in CreateUserInput) (User, error) {
	var f apperr.Fields
	email, ok := NormalizeEmail(in.Email)
	if !ok {
		f.Add("email", "must be a valid email address")
	}
	checkName(&f, "name", in.Name, false)
	if !in.Role.Valid() {
		f.Add("role", "must be one of owner, admin, member")
	}
	if msg := auth.CheckPasswordPolicy(in.Password, email); msg != "" {
		f.Add("password", "%s", msg)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if in.Role == auth.Owner && p.Role != auth.Owner {
		return User{}, apperr.New(apperr.Forbidden, "only an owner can create an owner")
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	now := s.Now().UTC()
	u := User{ID: id.New("usr"), TenantID: p.TenantID, Email: email, Name: strings.TrimSpace(in.Name), Role: in.Role,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	s.publish(ctx, event.UserCreated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}

// UpdateUserInput changes a user; nil fields stay as they are.
type UpdateUserInput struct {
	Name     *string    `json:"name"`
	Role     *auth.Role `json:"role"`
	Password *string    `json:"password"`
	// CurrentPassword is required with Password when the caller changes their own password (checked like
	// ChangePassword's); an admin resetting another user's password does not give it.
	CurrentPassword *string `json:"currentPassword"`
	Disabled        *bool   `json:"disabled"`
	// Phone is an E.164 number ("+" then 7 to 15 digits), or "" to remove it.
	Phone    *string `json:"phone"`
	Gravatar *bool   `json:"gravatar"`
}

// UpdateUser changes a user. Anyone may change their own name, phone, Gravatar choice and password; everything else needs users:write
// (checked by the API, which owns every scope check: its route table, and handleUpdateUser for one's own role or
// disabled flag), and only an owner may touch an owner or grant the owner role. The tenant always keeps an
// enabled owner. A new password, a different role and disabling end the user's tokens (TokenVersion).
//
// Passwords: one's own needs CurrentPassword, checked like ChangePassword's (missing: a field error; wrong: a field
// error that counts as a failed sign-in to the user's email, the login lockout), and must differ from it; so a
// stolen token cannot take the account over. Another user's password is an admin's reset (users:write) and needs
// no current password. No API key sets a password, not even its creator's (ErrPasswordNeedsLogin): a key is a
// program's credential, and a leaked one must not become a dashboard login.
func (s *Service) UpdateUser(ctx context.Context, p auth.Principal, userID string, in UpdateUserInput) (User, error) {
	self := p.UserID == userID && p.KeyID == ""
	if in.Password != nil && (p.KeyID != "" || p.UserID == "") {
		return User{}, ErrPasswordNeedsLogin
	}
	var f apperr.Fields
	if in.Name != nil {
		checkName(&f, "name", *in.Name, false)
	}
	if in.Role != nil && !in.Role.Valid() {
		f.Add("role", "must be one of owner, admin, member")
	}
	if in.Phone != nil {
		checkPhone(&f, "phone", *in.Phone)
	}
	var hash string
	if in.Password != nil {
		// The policy rejects passwords containing the user's email, so it needs the user.
		target, err := s.Store.GetUser(ctx, p.TenantID, userID)
		if err != nil {
			return User{}, err
		}
		if msg := auth.CheckPasswordPolicy(*in.Password, target.Email); msg != "" {
			f.Add("password", "%s", msg)
		} else if self && in.CurrentPassword != nil && *in.Password == *in.CurrentPassword {
			f.Add("password", "must differ from the current password")
		}
		if self && (in.CurrentPassword == nil || *in.CurrentPassword == "") {
			f.Add("currentPassword", "is required to change your own password")
		}
		if err := f.Err(); err != nil {
			return User{}, err
		}
		if self {
			if err := s.checkCurrentPassword(ctx, target, *in.CurrentPassword); err != nil {
				return User{}, err
			}
		}
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if in.Password != nil {
		var err error
		if hash, err = auth.HashPassword(*in.Password); err != nil {
			return User{}, err
		}
	}
	demotesOwner := false
	var before User
	u, err := s.Store.UpdateUser(ctx, p.TenantID, userID, keepFixed(func(u *User) error {
		if u.Role == auth.Owner && p.Role != auth.Owner && !self {
			return apperr.New(apperr.Forbidden, "only an owner can change an owner")
		}
		if in.Role != nil && *in.Role == auth.Owner && p.Role != auth.Owner {
			return apperr.New(apperr.Forbidden, "only an owner can grant the owner role")
		}
		wasOwner := u.Role == auth.Owner && !u.Disabled
		before = *u
		if endsTokens(*u, in, hash) {
			u.TokenVersion++
		}
		if in.Name != nil {
			u.Name = strings.TrimSpace(*in.Name)
		}
		if in.Role != nil {
			u.Role = *in.Role
		}
		if in.Disabled != nil {
			u.Disabled = *in.Disabled
		}
		if in.Phone != nil {
			u.Phone = strings.TrimSpace(*in.Phone)
		}
		if in.Gravatar != nil {
			u.Gravatar = *in.Gravatar
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		demotesOwner = wasOwner && (u.Role != auth.Owner || u.Disabled)
		u.UpdatedAt = s.Now().UTC()
		return nil
	}))
	if err != nil {
		return User{}, err
	}
	if demotesOwner {
		if err := s.ensureOwner(ctx, p.TenantID); err != nil {
			// Undo: put the owner back as they were (password and tokens included: a refused change changes nothing).
			if _, uerr := s.Store.UpdateUser(ctx, p.TenantID, userID, keepFixed(func(u *User) error {
				*u = before
				return nil
			})); uerr != nil {
				return User{}, uerr
			}
			return User{}, err
		}
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return u, nil
}

// endsTokens reports whether the change ends the user's tokens: a new password, another role, or disabling.
func endsTokens(u User, in UpdateUserInput, hash string) bool {
	return hash != "" || in.Role != nil && *in.Role != u.Role || in.Disabled != nil && *in.Disabled && !u.Disabled
}

// EndTokens logs the user out everywhere: every token issued to them so far stops working (their API keys do
// not: revoke those with the key API). Callers may end their own tokens with a dashboard token; ending another
// user's needs users:write (the API route's check), and only an owner may end an owner's.
func (s *Service) EndTokens(ctx context.Context, p auth.Principal, userID string) error {
	self := p.UserID == userID && p.KeyID == ""
	u, err := s.Store.UpdateUser(ctx, p.TenantID, userID, keepFixed(func(u *User) error {
		if u.Role == auth.Owner && p.Role != auth.Owner && !self {
			return apperr.New(apperr.Forbidden, "only an owner can log an owner out")
		}
		u.TokenVersion++
		u.UpdatedAt = s.Now().UTC()
		return nil
	}))
	if err != nil {
		return err
	}
	s.publish(ctx, event.UserUpdated, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return nil
}

// Authenticate turns a verified token's claims into the principal they stand for, as the user is now: a deleted
// or disabled user (ErrTokenUserGone) or a token of an older token version (ErrTokenRevoked) is refused, and the
// role and scopes are the user's current ones.
func (s *Service) Authenticate(ctx context.Context, c auth.Claims) (auth.Principal, error) {
	u, err := s.Store.GetUser(ctx, c.TenantID, c.Subject)
	if apperr.Is(err, apperr.NotFound) || err == nil && u.Disabled {
		return auth.Principal{}, ErrTokenUserGone
	}
	if err != nil {
		return auth.Principal{}, err
	}
	if c.Version != u.TokenVersion {
		return auth.Principal{}, ErrTokenRevoked
	}
	return auth.Principal{TenantID: u.TenantID, UserID: u.ID, Role: u.Role, Scopes: auth.RoleScopes(u.Role),
		TokenVersion: u.TokenVersion}, nil
}

func (s *Service) ensureOwner(ctx context.Context, tenantID string) error {
	users, err := s.Store.ListUsers(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Role == auth.Owner && !u.Disabled {
			return nil
		}
	}
	return ErrLastOwner
}

// DeleteUser removes a user (the API route needs users:write); only an owner can delete an owner; the last owner stays.
func (s *Service) DeleteUser(ctx context.Context, p auth.Principal, userID string) error {
	u, err := s.Store.GetUser(ctx, p.TenantID, userID)
	if err != nil {
		return err
	}
	if u.Role == auth.Owner {
		if p.Role != auth.Owner {
			return apperr.New(apperr.Forbidden, "only an owner can delete an owner")
		}
		users, err := s.Store.ListUsers(ctx, p.TenantID)
		if err != nil {
			return err
		}
		owners := 0
		for _, o := range users {
			if o.Role == auth.Owner && !o.Disabled && o.ID != u.ID {
				owners++
			}
		}
		if owners == 0 {
			return ErrLastOwner
		}
	}
	if err := s.Store.DeleteUser(ctx, p.TenantID, userID); err != nil {
		return err
	}
	if u.AvatarUpdatedAt != nil && s.Avatars != nil {
		if err := s.Avatars.Delete(ctx, p.TenantID, AvatarKey(userID)); err != nil {
			s.Log.ErrorContext(ctx, "delete avatar of deleted user", "tenant", p.TenantID, "user", userID, "err", err)
		}
	}
	s.publish(ctx, event.UserDeleted, p.TenantID, p.UserID, userEvent(u, p.UserID))
	return nil
}

// GetUser returns one user of the caller's tenant. The API route lets users:read, or the caller's own record with
// a dashboard token (an API key acts for its creator but needs users:read to read any user, its creator included).
func (s *Service) GetUser(ctx context.Context, p auth.Principal, userID string) (User, error) {
	return s.Store.GetUser(ctx, p.TenantID, userID)
}

// ListUsers returns the caller's tenant's users (the API route needs users:read).
func (s *Service) ListUsers(ctx context.Context, p auth.Principal) ([]User, error) {
	return s.Store.ListUsers(ctx, p.TenantID)
}

// UserEvent is the data of user.* events: no email, no password hash.
type UserEvent struct {
	UserID   string    `json:"userId"`
	Role     auth.Role `json:"role"`
	Disabled bool      `json:"disabled"`
	ActorID  string    `json:"actorId"`
}

func userEvent(u User, actor string) UserEvent {
	return UserEvent{UserID: u.ID, Role: u.Role, Disabled: u.Disabled, ActorID: actor}
}

func (s *Service) publish(ctx context.Context, typ, tenantID, actor string, data any) {
	if s.Events == nil {
		return
	}
	e, err := event.New(s.EventSrc, typ, tenantID, s.Now(), data)
	if err == nil {
		err = event.PublishRetry(ctx, s.Events, e)
	}
	if err != nil {
		s.Log.ErrorContext(ctx, "publish event", "type", typ, "tenant", tenantID, "actor", actor, "err", err)
	}
}
