package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/session"
)

// MessageStore is message.Store on SQLite (table messages of migrations/0004_sessions_messages.sql). Apply's
// read-modify-write runs in one transaction on the single writer connection, so concurrent receipts queue up
// instead of overwriting each other. Messages are deleted message.Retention after their Timestamp (a bounded batch
// per CreateMessage); reads do not hide the few that wait for the next sweep.
type MessageStore struct{ db *DB }

var _ message.Store = (*MessageStore)(nil)

// NewMessageStore returns the message store of db.
func NewMessageStore(db *DB) *MessageStore { return &MessageStore{db: db} }

const messageColumns = `tenant_id, session_id, id, direction, chat_id, chat, sender, push_name, is_group, type, body,
	media, content, reply_to, campaign_id, status, error, timeline, timestamp, updated_at`

// mediaRow is the stored media: message.MediaInfo with the media store key its JSON form hides.
type mediaRow struct {
	Kind     session.MediaKind `json:"kind"`
	Mime     string            `json:"mime"`
	FileName string            `json:"fileName,omitempty"`
	Size     int64             `json:"size"`
	Key      string            `json:"key,omitempty"`
	URL      string            `json:"url,omitempty"`
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// CreateMessage inserts m unless (tenant, session, ID) exists, and deletes a bounded batch of expired messages.
func (s *MessageStore) CreateMessage(ctx context.Context, m message.Message) (bool, error) {
	chat, err := jsonText(m.Chat)
	if err != nil {
		return false, fmt.Errorf("encode chat: %w", err)
	}
	sender, err := jsonText(m.Sender)
	if err != nil {
		return false, fmt.Errorf("encode sender: %w", err)
	}
	timeline, err := jsonText(nonNilTimeline(m.Timeline))
	if err != nil {
		return false, fmt.Errorf("encode timeline: %w", err)
	}
	var media sql.NullString
	if m.Media != nil {
		if media.String, err = jsonText(mediaRow(*m.Media)); err != nil {
			return false, fmt.Errorf("encode media: %w", err)
		}
		media.Valid = true
	}
	var content []byte
	if len(m.Content) > 0 {
		content = m.Content
	}
	var created bool
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO messages (`+messageColumns+`, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant_id, session_id, id) DO NOTHING`,
			m.TenantID, m.SessionID, m.ID, m.Direction, m.ChatID, chat, sender, m.PushName, m.IsGroup, m.Type, m.Body,
			media, content, m.ReplyTo, m.CampaignID, m.Status, m.Error, timeline, fmtTime(m.Timestamp),
			fmtTime(m.UpdatedAt), fmtTime(m.Timestamp.Add(message.Retention)))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		_, err = tx.ExecContext(ctx, `DELETE FROM messages WHERE rowid IN
			(SELECT rowid FROM messages WHERE expires_at <= ? LIMIT 100)`, fmtTime(s.db.Now()))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("create message: %w", err)
	}
	return created, nil
}

func nonNilTimeline(t []message.Step) []message.Step {
	if t == nil {
		return []message.Step{}
	}
	return t
}

func scanMessage(r rowScanner) (message.Message, error) {
	var m message.Message
	var chat, sender, timeline, ts, updated string
	var media sql.NullString
	var content []byte
	if err := r.Scan(&m.TenantID, &m.SessionID, &m.ID, &m.Direction, &m.ChatID, &chat, &sender, &m.PushName,
		&m.IsGroup, &m.Type, &m.Body, &media, &content, &m.ReplyTo, &m.CampaignID, &m.Status, &m.Error, &timeline,
		&ts, &updated); err != nil {
		return message.Message{}, err
	}
	if err := errors.Join(json.Unmarshal([]byte(chat), &m.Chat), json.Unmarshal([]byte(sender), &m.Sender),
		json.Unmarshal([]byte(timeline), &m.Timeline)); err != nil {
		return message.Message{}, fmt.Errorf("decode message %s: %w", m.ID, err)
	}
	if media.Valid {
		var mr mediaRow
		if err := json.Unmarshal([]byte(media.String), &mr); err != nil {
			return message.Message{}, fmt.Errorf("decode media of message %s: %w", m.ID, err)
		}
		mi := message.MediaInfo(mr)
		m.Media = &mi
	}
	if len(content) > 0 {
		m.Content = content
	}
	m.Timestamp, m.UpdatedAt = parseTime(ts), parseTime(updated)
	return m, nil
}

// GetMessage returns the tenant's message with the ID; when two of its sessions hold one (a session sent it to
// another), the outgoing one.
func (s *MessageStore) GetMessage(ctx context.Context, tenantID, id string) (message.Message, error) {
	return s.one(ctx, `SELECT `+messageColumns+` FROM messages WHERE tenant_id = ? AND id = ?
		ORDER BY direction = 'out' DESC, session_id LIMIT 1`, tenantID, id)
}

func (s *MessageStore) GetSessionMessage(ctx context.Context, tenantID, sessionID, id string) (message.Message, error) {
	return s.one(ctx, `SELECT `+messageColumns+` FROM messages WHERE tenant_id = ? AND session_id = ? AND id = ?`,
		tenantID, sessionID, id)
}

func (s *MessageStore) one(ctx context.Context, query string, args ...any) (message.Message, error) {
	m, err := scanMessage(s.db.readRow(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return message.Message{}, message.ErrNotFound
	}
	if err != nil {
		return message.Message{}, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

// Apply reads the message, applies st with message.Apply and writes it back if it changed, in one transaction.
func (s *MessageStore) Apply(ctx context.Context, tenantID, sessionID, id string, st message.Status, at time.Time, errMsg string) (message.Message, bool, error) {
	var m message.Message
	var changed bool
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		m, err = scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages
			WHERE tenant_id = ? AND session_id = ? AND id = ?`, tenantID, sessionID, id))
		if errors.Is(err, sql.ErrNoRows) {
			return message.ErrNotFound
		}
		if err != nil {
			return err
		}
		if changed = message.Apply(&m, st, at, errMsg); !changed {
			return nil
		}
		timeline, err := jsonText(m.Timeline)
		if err != nil {
			return fmt.Errorf("encode timeline: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE messages SET status = ?, error = ?, timeline = ?, updated_at = ?
			WHERE tenant_id = ? AND session_id = ? AND id = ?`,
			m.Status, m.Error, timeline, fmtTime(m.UpdatedAt), tenantID, sessionID, id)
		return err
	})
	if errors.Is(err, message.ErrNotFound) {
		return message.Message{}, false, err
	}
	if err != nil {
		return message.Message{}, false, fmt.Errorf("apply message status: %w", err)
	}
	return m, changed, nil
}

// List reads one page newest first through the index of its filter (session, chat or the tenant's time index).
// It reads one row more than the page to know whether a next page exists.
func (s *MessageStore) List(ctx context.Context, tenantID string, f message.Filter) (message.Page, error) {
	limit, err := f.PageLimit()
	if err != nil {
		return message.Page{}, err
	}
	after, err := f.After(tenantID)
	if err != nil {
		return message.Page{}, err
	}
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.SessionID != "" {
		add("session_id = ?", f.SessionID)
	}
	if f.ChatID != "" {
		add("chat_id = ?", f.ChatID)
	}
	if f.Direction != "" {
		add("direction = ?", f.Direction)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if !f.From.IsZero() {
		add("timestamp >= ?", fmtTime(f.From))
	}
	if !f.To.IsZero() {
		add("timestamp < ?", fmtTime(f.To))
	}
	if after != nil {
		where = append(where, "(timestamp, id, session_id) < (?, ?, ?)")
		args = append(args, fmtTime(after.Timestamp), after.ID, after.SessionID)
	}
	rows, err := s.db.readRows(ctx, `SELECT `+messageColumns+` FROM messages WHERE `+strings.Join(where, " AND ")+
		` ORDER BY timestamp DESC, id DESC, session_id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return message.Page{}, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	page := message.Page{Messages: []message.Message{}}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return message.Page{}, fmt.Errorf("list messages: %w", err)
		}
		page.Messages = append(page.Messages, m)
	}
	if err := rows.Err(); err != nil {
		return message.Page{}, fmt.Errorf("list messages: %w", err)
	}
	if len(page.Messages) > limit {
		page.Messages = page.Messages[:limit]
		page.Next = f.NextCursor(tenantID, message.PositionOf(page.Messages[limit-1]))
	}
	return page, nil
}
