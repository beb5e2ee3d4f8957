-- 0003 is the outbound webhooks (sqlite.WebhookStore) and the notification center (sqlite.NotificationStore).
--
-- Every table is keyed by (tenant_id, id), so another tenant's IDs are simply not found. Times are RFC 3339 text
-- with nine fractional digits in UTC (fmtTime), which compares correctly as text. A row whose expires_at is not
-- after now is expired: the stores never return it, and writes delete a bounded batch of expired rows.

-- One endpoint. events, sessions and headers are JSON; secrets is a JSON array of {value, createdAt, expiresAt}
-- (the newest first). seq is the sequence number of the endpoint's last delivery: CreateDelivery increments it in
-- the transaction that inserts the delivery, and UpdateWebhook never writes it.
CREATE TABLE webhooks (
	tenant_id                  TEXT    NOT NULL,
	id                         TEXT    NOT NULL,
	url                        TEXT    NOT NULL,
	description                TEXT    NOT NULL,
	events                     TEXT    NOT NULL,
	sessions                   TEXT    NOT NULL,
	ignore_groups              INTEGER NOT NULL,
	ignore_broadcast           INTEGER NOT NULL,
	ignore_status              INTEGER NOT NULL,
	headers                    TEXT    NOT NULL,
	enabled                    INTEGER NOT NULL,
	disabled_reason            TEXT    NOT NULL,
	secrets                    TEXT    NOT NULL,
	policy_schedule            TEXT    NOT NULL,
	policy_timeout_ms          INTEGER NOT NULL,
	policy_retry_client_errors INTEGER NOT NULL,
	policy_max_concurrency     INTEGER NOT NULL,
	policy_disable_after_hours INTEGER NOT NULL,
	failing_since              TEXT,
	seq                        INTEGER NOT NULL,
	created_at                 TEXT    NOT NULL,
	updated_at                 TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;

-- One event for one endpoint. Deliveries outlive a deleted endpoint until they expire (the delivery log), so there
-- is no foreign key. The log lists them newest first by ID, optionally of one endpoint.
CREATE TABLE webhook_deliveries (
	tenant_id  TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	webhook_id TEXT    NOT NULL,
	event_id   TEXT    NOT NULL,
	event      TEXT    NOT NULL,
	session_id TEXT    NOT NULL,
	body       BLOB    NOT NULL,
	seq        INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	attempts   INTEGER NOT NULL,
	next_at    TEXT,
	last_code  INTEGER NOT NULL,
	last_error TEXT    NOT NULL,
	created_at TEXT    NOT NULL,
	updated_at TEXT    NOT NULL,
	expires_at TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (tenant_id, webhook_id, id);
CREATE INDEX webhook_deliveries_expiry ON webhook_deliveries (expires_at);

-- One HTTP request of a delivery.
CREATE TABLE webhook_attempts (
	tenant_id   TEXT    NOT NULL,
	delivery_id TEXT    NOT NULL,
	n           INTEGER NOT NULL,
	at          TEXT    NOT NULL,
	status_code INTEGER NOT NULL,
	duration_ms INTEGER NOT NULL,
	response    TEXT    NOT NULL,
	error       TEXT    NOT NULL,
	expires_at  TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, delivery_id, n)
) STRICT;
CREATE INDEX webhook_attempts_expiry ON webhook_attempts (expires_at);

-- One notification; user_id '' addresses every user of the tenant.
CREATE TABLE notifications (
	tenant_id  TEXT    NOT NULL,
	id         TEXT    NOT NULL,
	user_id    TEXT    NOT NULL,
	type       TEXT    NOT NULL,
	title      TEXT    NOT NULL,
	message    TEXT    NOT NULL,
	icon       TEXT    NOT NULL,
	link       TEXT    NOT NULL,
	read       INTEGER NOT NULL,
	created_at TEXT    NOT NULL,
	expires_at TEXT    NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE INDEX notifications_user ON notifications (tenant_id, user_id, id);
CREATE INDEX notifications_expiry ON notifications (expires_at);
