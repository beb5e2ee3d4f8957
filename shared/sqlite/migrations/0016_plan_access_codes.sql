-- Premium gating (package plan): operator-issued access codes, stored as the SHA-256 of the code, never the code,
-- and the features tenants unlocked by redeeming one.
CREATE TABLE access_codes (
	hash        TEXT PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	tenant_id   TEXT NOT NULL,
	feature     TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	expires_at  TEXT NOT NULL,
	redeemed_at TEXT,
	redeemed_by TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX access_codes_tenant ON access_codes (tenant_id);

CREATE TABLE feature_grants (
	tenant_id  TEXT NOT NULL,
	feature    TEXT NOT NULL,
	granted_at TEXT NOT NULL,
	code_id    TEXT NOT NULL,
	PRIMARY KEY (tenant_id, feature)
) STRICT;
