-- Single-use connect tickets of the live feed (realtime.Ticket): the SHA-256 of the secret, never the secret, and
-- the principal it was issued to. A ticket lives 30 s; taking it deletes it.
CREATE TABLE realtime_tickets (
	hash       TEXT PRIMARY KEY,
	tenant_id  TEXT NOT NULL,
	principal  TEXT NOT NULL,
	expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX realtime_tickets_expiry ON realtime_tickets (expires_at);
