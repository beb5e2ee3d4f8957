-- Tenants, users, API keys, idempotency records and the activity log.
CREATE TABLE tenants (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	plan       TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants(id),
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX users_tenant ON users (tenant_id, created_at, id);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL REFERENCES tenants(id),
	name       TEXT NOT NULL,
	hint       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	scopes     TEXT NOT NULL, -- JSON array
	created_by TEXT NOT NULL,
	role       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	expires_at TEXT,
	last_used  TEXT,
	revoked_at TEXT
) STRICT;
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at, id);

CREATE TABLE idempotency (
	tenant_id    TEXT NOT NULL,
	key          TEXT NOT NULL,
	request_hash TEXT NOT NULL,
	done         INTEGER NOT NULL,
	status       INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	body         BLOB,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	PRIMARY KEY (tenant_id, key)
) STRICT;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

CREATE TABLE activity (
	id         TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	type       TEXT NOT NULL,
	actor_id   TEXT NOT NULL,
	time       TEXT NOT NULL,
	data       TEXT NOT NULL,
	expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX activity_tenant ON activity (tenant_id, id);
CREATE INDEX activity_expiry ON activity (expires_at);
