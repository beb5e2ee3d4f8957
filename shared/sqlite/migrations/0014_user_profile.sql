-- The user's profile (tenant.User): a phone number, the Gravatar opt-in and when the avatar image (kept in the
-- media store under "avatar-<user id>") was last uploaded, NULL when there is none.
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN gravatar INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN avatar_updated_at TEXT;
