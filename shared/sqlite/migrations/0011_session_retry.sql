-- 0011: when the session host tries to reach WhatsApp again while it cannot (session.Session.NextRetryAt),
-- RFC 3339 text like the other times; NULL while it is not retrying.
ALTER TABLE sessions ADD COLUMN next_retry_at TEXT;
