package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/notification"
)

// NotificationStore is notification.Store on SQLite (table notifications of migrations/0003_webhooks.sql). A user
// sees the notifications addressed to them and the tenant-wide ones (empty user_id); expired ones are never returned.
type NotificationStore struct{ db *DB }

var _ notification.Store = (*NotificationStore)(nil)

// NewNotificationStore returns the notification store of db.
func NewNotificationStore(db *DB) *NotificationStore { return &NotificationStore{db: db} }

// visible is the condition for the notifications of tenant ?, user ? that have not expired by ?.
const visible = `tenant_id = ? AND user_id IN (?, '') AND expires_at > ?`

// CreateNotification inserts n unless a live notification with its ID exists; an expired one is replaced. It
// returns the notification stored under the ID.
func (s *NotificationStore) CreateNotification(ctx context.Context, n notification.Notification, expires time.Time) (notification.Notification, error) {
	var stored notification.Notification
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		now := fmtTime(s.db.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications
			(tenant_id, id, user_id, kind, type, title, message, icon, link, read, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, id) DO UPDATE SET user_id = excluded.user_id, kind = excluded.kind, type = excluded.type,
				title = excluded.title, message = excluded.message, icon = excluded.icon, link = excluded.link,
				read = excluded.read, created_at = excluded.created_at, expires_at = excluded.expires_at
			WHERE notifications.expires_at <= ?`,
			n.TenantID, n.ID, n.UserID, n.Kind, n.Type, n.Title, n.Message, n.Icon, n.Link, n.Read, fmtTime(n.CreatedAt),
			fmtTime(expires), now); err != nil {
			return fmt.Errorf("create notification: %w", err)
		}
		var err error
		if stored, err = scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+
			` FROM notifications WHERE tenant_id = ? AND id = ?`, n.TenantID, n.ID)); err != nil {
			return fmt.Errorf("read back notification: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE rowid IN
			(SELECT rowid FROM notifications WHERE expires_at <= ? LIMIT 100)`, now); err != nil {
			return fmt.Errorf("expire notifications: %w", err)
		}
		return nil
	})
	return stored, err
}

// ListNotifications returns the user's and the tenant-wide notifications newest (highest ID) first.
func (s *NotificationStore) ListNotifications(ctx context.Context, tenantID, userID string, f notification.Filter) ([]notification.Notification, error) {
	if err := activity.CheckLimit(f.Limit); err != nil {
		return nil, err
	}
	q := `SELECT ` + notificationColumns + ` FROM notifications WHERE ` + visible
	args := []any{tenantID, userID, fmtTime(s.db.Now())}
	if f.UnreadOnly {
		q += ` AND read = 0`
	}
	if f.Before != "" {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	rows, err := s.db.R.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	out := []notification.Notification{}
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("list notifications: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// notificationColumns are the columns scanNotification reads, in its order.
const notificationColumns = `tenant_id, id, user_id, kind, type, title, message, icon, link, read, created_at`

func scanNotification(row interface{ Scan(...any) error }) (notification.Notification, error) {
	var n notification.Notification
	var created string
	if err := row.Scan(&n.TenantID, &n.ID, &n.UserID, &n.Kind, &n.Type, &n.Title, &n.Message, &n.Icon, &n.Link, &n.Read, &created); err != nil {
		return notification.Notification{}, err
	}
	n.CreatedAt = parseTime(created)
	return n, nil
}

func (s *NotificationStore) CountUnread(ctx context.Context, tenantID, userID string) (int, error) {
	var n int
	if err := s.db.readRow(ctx, `SELECT COUNT(*) FROM notifications WHERE `+visible+` AND read = 0`,
		tenantID, userID, fmtTime(s.db.Now())).Scan(&n); err != nil {
		return 0, fmt.Errorf("count unread notifications: %w", err)
	}
	return n, nil
}

// MarkRead marks a notification the user can see as read (for every user, if it is tenant-wide).
func (s *NotificationStore) MarkRead(ctx context.Context, tenantID, userID, id string) error {
	res, err := s.db.W.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE `+visible+` AND id = ?`,
		tenantID, userID, fmtTime(s.db.Now()), id)
	if err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notification.ErrNotFound
	}
	return nil
}

// MarkAllRead marks every unread notification the user can see as read and returns how many it marked.
func (s *NotificationStore) MarkAllRead(ctx context.Context, tenantID, userID string) (int, error) {
	res, err := s.db.W.ExecContext(ctx, `UPDATE notifications SET read = 1 WHERE `+visible+` AND read = 0`,
		tenantID, userID, fmtTime(s.db.Now()))
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return int(n), nil
}

// DeleteNotification deletes a notification the user can see (for every user, if it is tenant-wide).
func (s *NotificationStore) DeleteNotification(ctx context.Context, tenantID, userID, id string) error {
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM notifications WHERE `+visible+` AND id = ?`,
		tenantID, userID, fmtTime(s.db.Now()), id)
	if err != nil {
		return fmt.Errorf("delete notification: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notification.ErrNotFound
	}
	return nil
}

// DeleteUserNotifications deletes the notifications addressed to the user (expired ones too).
func (s *NotificationStore) DeleteUserNotifications(ctx context.Context, tenantID, userID string) (int, error) {
	if userID == "" {
		return 0, fmt.Errorf("delete user notifications: no user")
	}
	res, err := s.db.W.ExecContext(ctx, `DELETE FROM notifications WHERE tenant_id = ? AND user_id = ?`, tenantID, userID)
	if err != nil {
		return 0, fmt.Errorf("delete user notifications: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete user notifications: %w", err)
	}
	return int(n), nil
}

var _ notification.PreferenceStore = (*NotificationStore)(nil)

// GetPreferences returns the user's notification preferences (table notification_preferences of
// migrations/0015_notification_rules.sql); empty ones when the user has none.
func (s *NotificationStore) GetPreferences(ctx context.Context, tenantID, userID string) (notification.Preferences, error) {
	p := notification.Preferences{TenantID: tenantID, UserID: userID}
	var muted, updated string
	err := s.db.readRow(ctx, `SELECT muted, updated_at FROM notification_preferences WHERE tenant_id = ? AND user_id = ?`,
		tenantID, userID).Scan(&muted, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("get notification preferences: %w", err)
	}
	if err := json.Unmarshal([]byte(muted), &p.Muted); err != nil {
		return p, fmt.Errorf("decode notification preferences of %s: %w", userID, err)
	}
	p.UpdatedAt = parseTime(updated)
	return p, nil
}

// PutPreferences replaces the user's notification preferences.
func (s *NotificationStore) PutPreferences(ctx context.Context, p notification.Preferences) error {
	muted := p.Muted
	if muted == nil {
		muted = []notification.Kind{}
	}
	raw, err := json.Marshal(muted)
	if err != nil {
		return fmt.Errorf("encode notification preferences: %w", err)
	}
	if _, err := s.db.W.ExecContext(ctx, `INSERT INTO notification_preferences (tenant_id, user_id, muted, updated_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id, user_id) DO UPDATE SET muted = excluded.muted,
		updated_at = excluded.updated_at`, p.TenantID, p.UserID, string(raw), fmtTime(p.UpdatedAt)); err != nil {
		return fmt.Errorf("put notification preferences: %w", err)
	}
	return nil
}

// DeletePreferences deletes the user's notification preferences.
func (s *NotificationStore) DeletePreferences(ctx context.Context, tenantID, userID string) error {
	if _, err := s.db.W.ExecContext(ctx, `DELETE FROM notification_preferences WHERE tenant_id = ? AND user_id = ?`,
		tenantID, userID); err != nil {
		return fmt.Errorf("delete notification preferences: %w", err)
	}
	return nil
}
