-- 0004 is the WhatsApp sessions (sqlite.SessionStore) and their messages (sqlite.MessageStore).
--
-- Keys start with tenant_id, so another tenant's IDs are simply not found. Times are RFC 3339 text with nine
-- fractional digits in UTC (fmtTime), which compares correctly as text.

-- One linked (or linking) WhatsApp number. account is the JSON of the linked account with its device JID (NULL
-- before pairing and after a logout). At most one session of a tenant is its default (the partial unique index).
CREATE TABLE sessions (
	tenant_id     TEXT    NOT NULL,
	id            TEXT    NOT NULL,
	name          TEXT    NOT NULL,
	is_default    INTEGER NOT NULL,
	status        TEXT    NOT NULL,
	reason        TEXT    NOT NULL,
	until         TEXT,
	account       TEXT,
	qr            TEXT    NOT NULL,
	qr_expires_at TEXT,
	pairing_code  TEXT    NOT NULL,
	created_at    TEXT    NOT NULL,
	updated_at    TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX sessions_default ON sessions (tenant_id) WHERE is_default = 1;
CREATE INDEX sessions_age ON sessions (tenant_id, created_at, id);

-- The session host's answer to a request the API waits for; gone once expires_at has passed.
CREATE TABLE session_replies (
	tenant_id  TEXT NOT NULL,
	request_id TEXT NOT NULL,
	body       BLOB NOT NULL,
	expires_at TEXT NOT NULL,
	PRIMARY KEY (tenant_id, request_id)
) STRICT;
CREATE INDEX session_replies_expiry ON session_replies (expires_at);

-- One message a session sent or received. chat, sender, media and timeline are JSON; content is the raw JSON of
-- the request or the decoded extras. Lists read newest first by (timestamp, id, session_id) through the index of
-- their filter. expires_at is timestamp + message.Retention: writes delete a bounded batch of expired rows.
CREATE TABLE messages (
	tenant_id   TEXT    NOT NULL,
	session_id  TEXT    NOT NULL,
	id          TEXT    NOT NULL,
	direction   TEXT    NOT NULL,
	chat_id     TEXT    NOT NULL,
	chat        TEXT    NOT NULL,
	sender      TEXT    NOT NULL,
	push_name   TEXT    NOT NULL,
	is_group    INTEGER NOT NULL,
	type        TEXT    NOT NULL,
	body        TEXT    NOT NULL,
	media       TEXT,
	content     BLOB,
	reply_to    TEXT    NOT NULL,
	campaign_id TEXT    NOT NULL,
	status      TEXT    NOT NULL,
	error       TEXT    NOT NULL,
	timeline    TEXT    NOT NULL,
	timestamp   TEXT    NOT NULL,
	updated_at  TEXT    NOT NULL,
	expires_at  TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, session_id, id)
) STRICT;
CREATE INDEX messages_id ON messages (tenant_id, id);
CREATE INDEX messages_time ON messages (tenant_id, timestamp, id, session_id);
CREATE INDEX messages_session_time ON messages (tenant_id, session_id, timestamp, id);
CREATE INDEX messages_chat_time ON messages (tenant_id, chat_id, timestamp, id, session_id);
CREATE INDEX messages_expiry ON messages (expires_at);
