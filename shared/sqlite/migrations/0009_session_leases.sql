-- 0009 is the sessions' single-writer leases (sqlite.LeaseStore, session.LeaseStore). Standalone is one process
-- (the data directory lock), so it does not need them; the store exists so the lease contract runs on both stores.
-- A row is never deleted, so tokens never restart. holder is '' once released; expires_at is RFC 3339 text with
-- nine fractional digits in UTC.
CREATE TABLE session_leases (
	tenant_id  TEXT    NOT NULL,
	session_id TEXT    NOT NULL,
	holder     TEXT    NOT NULL,
	token      INTEGER NOT NULL,
	expires_at TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, session_id)
) STRICT;
