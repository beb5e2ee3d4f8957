-- Failed sign-ins per email address (tenant.LoginAttempts), for the per-account lockout. key is a hash of the
-- email; records of any address, known or not, so a lock looks the same either way.
CREATE TABLE login_attempts (
	key          TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locks        INTEGER NOT NULL,
	locked_until TEXT NOT NULL,
	last_failure TEXT NOT NULL,
	expires_at   TEXT NOT NULL
) STRICT;
CREATE INDEX login_attempts_expiry ON login_attempts (expires_at);
