package notification_test

import (
	"context"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/auth"
	"github.com/waqtor/waqtor/shared/notification"
)

// store records calls; it is the in-memory side of these unit tests.
type store struct {
	created []notification.Notification
	expires []time.Time
	calls   []string
}

func (s *store) CreateNotification(_ context.Context, n notification.Notification, expires time.Time) (notification.Notification, error) {
	s.created = append(s.created, n)
	s.expires = append(s.expires, expires)
	return n, nil
}
func (s *store) ListNotifications(_ context.Context, tenantID, userID string, _ notification.Filter) ([]notification.Notification, error) {
	s.calls = append(s.calls, "list "+tenantID+" "+userID)
	return nil, nil
}
func (s *store) CountUnread(_ context.Context, tenantID, userID string) (int, error) {
	s.calls = append(s.calls, "count "+tenantID+" "+userID)
	return 0, nil
}
func (s *store) MarkRead(_ context.Context, tenantID, userID, id string) error {
	s.calls = append(s.calls, "read "+tenantID+" "+userID+" "+id)
	return nil
}
func (s *store) MarkAllRead(_ context.Context, tenantID, userID string) (int, error) {
	s.calls = append(s.calls, "readall "+tenantID+" "+userID)
	return 0, nil
}
func (s *store) DeleteNotification(_ context.Context, tenantID, userID, id string) error {
	s.calls = append(s.calls, "delete "+tenantID+" "+userID+" "+id)
	return nil
}
func (s *store) DeleteUserNotifications(_ context.Context, tenantID, userID string) (int, error) {
	s.calls = append(s.calls, "deleteuser "+tenantID+" "+userID)
	return 0, nil
}

// TestServiceActsOnTheCallersOwn: the service keeps every caller to their own tenant and user. Scopes are the
// API's (its route table: TestRoutesRefuseCallersWithoutTheirScope in shared/httpapi), not the service's.
func TestServiceActsOnTheCallersOwn(t *testing.T) {
	ctx := context.Background()
	reader := auth.Principal{TenantID: "ten_1", UserID: "usr_1", KeyID: "key_1", Scopes: []auth.Scope{auth.ScopeNotificationsRead}}
	writer := auth.Principal{TenantID: "ten_1", UserID: "usr_1", KeyID: "key_2", Scopes: []auth.Scope{auth.ScopeNotificationsWrite}}
	s := &store{}
	svc := notification.Service{Store: s}

	for _, limit := range []int{0, notification.MaxPage + 1} {
		if _, err := svc.List(ctx, reader, notification.Filter{Limit: limit}); !apperr.Is(err, apperr.Validation) {
			t.Errorf("List with limit %d: %v, want %s", limit, err, apperr.Validation)
		}
	}
	if len(s.calls) != 0 {
		t.Errorf("refused calls reached the store: %q", s.calls)
	}
	svc.List(ctx, reader, notification.Filter{Limit: notification.MaxPage})
	svc.Count(ctx, reader)
	svc.MarkRead(ctx, writer, "ntf_9")
	svc.MarkAllRead(ctx, writer)
	svc.Delete(ctx, writer, "ntf_9")
	want := []string{"list ten_1 usr_1", "count ten_1 usr_1", "read ten_1 usr_1 ntf_9", "readall ten_1 usr_1", "delete ten_1 usr_1 ntf_9"}
	if len(s.calls) != len(want) {
		t.Fatalf("store calls %q, want %q", s.calls, want)
	}
	for i := range want {
		if s.calls[i] != want[i] {
			t.Errorf("store call %d %q, want %q (the caller's tenant and user)", i, s.calls[i], want[i])
		}
	}
}
