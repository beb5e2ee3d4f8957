-- 0007 makes idempotency records per caller (issue 8 item 2): the key is (tenant, caller, Idempotency-Key), where
-- the caller is the API key's ID or the user's ID, so one caller can never replay a response sent to another. The
-- request is kept as its fingerprint: method, path with query, and the SHA-256 of the canonical body, so a reuse
-- with another request can say what differs.
--
-- The records are a 24-hour retry cache: the old table (per tenant, one opaque hash) is dropped rather than
-- converted, as its records cannot be attributed to a caller. A retry of a request sent before the upgrade runs
-- again.
DROP TABLE idempotency;

CREATE TABLE idempotency (
	tenant_id    TEXT NOT NULL,
	caller       TEXT NOT NULL,
	key          TEXT NOT NULL,
	method       TEXT NOT NULL,
	path         TEXT NOT NULL,
	body_hash    TEXT NOT NULL,
	done         INTEGER NOT NULL,
	status       INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body         BLOB,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	PRIMARY KEY (tenant_id, caller, key)
) STRICT;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);
