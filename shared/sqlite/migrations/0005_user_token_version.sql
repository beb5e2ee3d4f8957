-- Each user's token version: tokens carry it, and a password change, a role change, disabling and "log out
-- everywhere" increment it, which ends every token issued before (tenant.User.TokenVersion).
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
