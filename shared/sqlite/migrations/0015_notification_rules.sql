-- Notifications the rules create say what they are about (notification.Kind; '' for the others), and each user's
-- notification preferences: the kinds they muted (a JSON array of kinds), which the rules do not create for them.
ALTER TABLE notifications ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE TABLE notification_preferences (
	tenant_id  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	muted      TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (tenant_id, user_id)
) STRICT;
