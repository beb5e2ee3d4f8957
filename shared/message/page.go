package message

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
)

// Page sizes of List.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Retention is how long messages are kept: the stores expire a message this long after its Timestamp.
const Retention = 90 * 24 * time.Hour

// Position is where a page of List ends: the last message's sort key (newest first by Timestamp, then ID, then
// SessionID, all descending). The next page holds the messages after it in that order.
type Position struct {
	Timestamp time.Time
	ID        string
	SessionID string
}

// PositionOf returns the position of m.
func PositionOf(m Message) Position {
	return Position{Timestamp: m.Timestamp, ID: m.ID, SessionID: m.SessionID}
}

// Before reports whether p sorts before q in List's order (p is newer).
func (p Position) Before(q Position) bool {
	if !p.Timestamp.Equal(q.Timestamp) {
		return p.Timestamp.After(q.Timestamp)
	}
	if p.ID != q.ID {
		return p.ID > q.ID
	}
	return p.SessionID > q.SessionID
}

// PageLimit returns the page size f asks for: DefaultLimit when unset, a validation error outside 1..MaxLimit.
func (f Filter) PageLimit() (int, error) {
	switch {
	case f.Limit == 0:
		return DefaultLimit, nil
	case f.Limit < 0 || f.Limit > MaxLimit:
		var fe apperr.Fields
		fe.Add("limit", "must be between 1 and %d, not %d", MaxLimit, f.Limit)
		return 0, fe.Err()
	}
	return f.Limit, nil
}

// cursor is the decoded form of Filter.Cursor. Q binds it to the tenant and the filter it was issued for.
type cursor struct {
	T  time.Time `json:"t"`
	ID string    `json:"i"`
	S  string    `json:"s"`
	Q  string    `json:"q"`
}

// query fingerprints the tenant and f without its cursor and limit: a cursor only continues the query it came from.
func (f Filter) query(tenantID string) string {
	key := strings.Join([]string{tenantID, f.SessionID, f.ChatID, f.Direction, string(f.Status), f.Type,
		f.From.UTC().Format(time.RFC3339Nano), f.To.UTC().Format(time.RFC3339Nano)}, "\x00")
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// NextCursor returns the opaque cursor that continues tenantID's query f after p.
func (f Filter) NextCursor(tenantID string, p Position) string {
	b, _ := json.Marshal(cursor{T: p.Timestamp.UTC(), ID: p.ID, S: p.SessionID, Q: f.query(tenantID)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// After decodes f.Cursor: the position the page starts after, or nil for the first page. A cursor that does not
// parse, or that another tenant's or another filter's List issued, is a validation error on "cursor".
func (f Filter) After(tenantID string) (*Position, error) {
	if f.Cursor == "" {
		return nil, nil
	}
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(f.Cursor)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return nil, cursorError("is not a cursor this API issued")
	}
	if c.Q != f.query(tenantID) {
		return nil, cursorError("belongs to another query: pass the same filters as the page that returned it")
	}
	return &Position{Timestamp: c.T, ID: c.ID, SessionID: c.S}, nil
}

func cursorError(msg string) error {
	var fe apperr.Fields
	fe.Add("cursor", "%s", msg)
	return fmt.Errorf("list messages: %w", fe.Err())
}
