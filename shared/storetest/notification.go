package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/notification"
)

// RunNotification runs the contract suite of notification.Store; newStore must return a store over a fresh, empty
// database each call. Lists are newest (highest ID) first; a user sees their own and the tenant-wide (UserID "")
// notifications, and a caller without a user ("") only the tenant-wide ones; an expired notification is absent.
func RunNotification(t *testing.T, newStore func(t *testing.T) notification.Store) {
	t.Run("notifications", func(t *testing.T) { testNotifications(t, newStore(t)) })
	t.Run("notification pages", func(t *testing.T) { testNotificationPages(t, newStore(t)) })
	t.Run("notification expiry", func(t *testing.T) { testNotificationExpiry(t, newStore(t)) })
	t.Run("a user's notifications deleted", func(t *testing.T) { testDeleteUserNotifications(t, newStore(t)) })
}

func newNotification(tenantID, userID string, created time.Time) notification.Notification {
	return notification.Notification{ID: id.New("ntf"), TenantID: tenantID, UserID: userID, Type: notification.Warning,
		Title: "Webhook disabled", Message: "https://hooks.example answered 410 Gone.", Icon: "webhook",
		Link: "/webhooks/whk_1", CreatedAt: created}
}

func mustNotify(t *testing.T, s notification.Store, n notification.Notification, expires time.Time) notification.Notification {
	t.Helper()
	stored, err := s.CreateNotification(ctx, n, expires)
	if err != nil {
		t.Fatalf("CreateNotification: %v", err)
	}
	sameNotification(t, "CreateNotification returned", stored, n)
	return n
}

func sameNotification(t *testing.T, what string, got, want notification.Notification) {
	t.Helper()
	if got.ID != want.ID || got.TenantID != want.TenantID || got.UserID != want.UserID || got.Kind != want.Kind || got.Type != want.Type ||
		got.Title != want.Title || got.Message != want.Message || got.Icon != want.Icon || got.Link != want.Link ||
		got.Read != want.Read || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// listIDs lists the IDs the user sees with f.
func listIDs(t *testing.T, s notification.Store, tenantID, userID string, f notification.Filter) []string {
	t.Helper()
	list, err := s.ListNotifications(ctx, tenantID, userID, f)
	if err != nil {
		t.Fatalf("ListNotifications(%s, %q, %+v): %v", tenantID, userID, f, err)
	}
	out := []string{}
	for _, n := range list {
		out = append(out, n.ID)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func wantUnread(t *testing.T, s notification.Store, tenantID, userID string, want int) {
	t.Helper()
	if n, err := s.CountUnread(ctx, tenantID, userID); err != nil || n != want {
		t.Fatalf("CountUnread(%s, %q) = %d, %v; want %d", tenantID, userID, n, err, want)
	}
}

func testNotifications(t *testing.T, s notification.Store) {
	far := live()
	sec := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	all := mustNotify(t, s, newNotification("ten_a", "", sec(0)), far)
	mine := mustNotify(t, s, newNotification("ten_a", "usr_1", sec(1)), far)
	theirs := mustNotify(t, s, newNotification("ten_a", "usr_2", sec(2)), far)
	plain := newNotification("ten_a", "usr_1", sec(3))
	plain.Type, plain.Icon, plain.Link, plain.Kind = notification.Info, "", "", notification.KindSessionBanned
	mustNotify(t, s, plain, far)
	other := mustNotify(t, s, newNotification("ten_b", "", sec(4)), far)

	// Creating again keeps the first.
	dup := mine
	dup.Title, dup.Read = "changed", true
	stored, err := s.CreateNotification(ctx, dup, far)
	if err != nil {
		t.Fatalf("CreateNotification(existing ID): %v", err)
	}
	sameNotification(t, "CreateNotification(existing ID) returned", stored, mine)

	list, err := s.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: 100})
	if err != nil || len(list) != 3 {
		t.Fatalf("ListNotifications(usr_1) = %v, %v; want 3", list, err)
	}
	sameNotification(t, "newest", list[0], plain)
	sameNotification(t, "own", list[1], mine)
	sameNotification(t, "tenant-wide", list[2], all)
	wantIDs(t, "usr_2 sees", listIDs(t, s, "ten_a", "usr_2", notification.Filter{Limit: 100}), theirs.ID, all.ID)
	wantIDs(t, "no user sees", listIDs(t, s, "ten_a", "", notification.Filter{Limit: 100}), all.ID)
	wantIDs(t, "tenant b sees", listIDs(t, s, "ten_b", "usr_1", notification.Filter{Limit: 100}), other.ID)
	wantUnread(t, s, "ten_a", "usr_1", 3)
	wantUnread(t, s, "ten_a", "usr_2", 2)
	wantUnread(t, s, "ten_a", "", 1)
	wantUnread(t, s, "ten_c", "usr_1", 0)

	// Another user's or tenant's notification cannot be read or deleted, and stays as it was.
	for _, tt := range []struct {
		name, tenantID, userID, id string
	}{
		{"another user's", "ten_a", "usr_1", theirs.ID},
		{"a user's, without a user", "ten_a", "", mine.ID},
		{"another tenant's", "ten_b", "usr_1", mine.ID},
		{"another tenant's tenant-wide", "ten_b", "usr_1", all.ID},
		{"missing", "ten_a", "usr_1", id.New("ntf")},
	} {
		err := s.MarkRead(ctx, tt.tenantID, tt.userID, tt.id)
		wantCode(t, "MarkRead("+tt.name+")", err, apperr.NotFound)
		if !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("MarkRead(%s) = %v, want ErrNotFound", tt.name, err)
		}
		if err := s.DeleteNotification(ctx, tt.tenantID, tt.userID, tt.id); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("DeleteNotification(%s) = %v, want ErrNotFound", tt.name, err)
		}
	}
	wantUnread(t, s, "ten_a", "usr_2", 2)
	wantUnread(t, s, "ten_a", "usr_1", 3)
	wantUnread(t, s, "ten_b", "", 1)

	if err := s.MarkRead(ctx, "ten_a", "usr_1", mine.ID); err != nil {
		t.Fatalf("MarkRead: %v", err)
	}
	if err := s.MarkRead(ctx, "ten_a", "usr_1", mine.ID); err != nil {
		t.Fatalf("MarkRead twice: %v", err)
	}
	wantUnread(t, s, "ten_a", "usr_1", 2)
	wantIDs(t, "unread of usr_1", listIDs(t, s, "ten_a", "usr_1", notification.Filter{UnreadOnly: true, Limit: 100}), plain.ID, all.ID)
	list, _ = s.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: 100})
	want := mine
	want.Read = true
	sameNotification(t, "read notification", list[1], want)
	// Creating it again (a late redelivery) returns it as stored: read.
	if stored, err = s.CreateNotification(ctx, mine, far); err != nil {
		t.Fatalf("CreateNotification(read one): %v", err)
	}
	sameNotification(t, "CreateNotification(read one) returned", stored, want)

	// Read state is shared: usr_1 reading the tenant-wide one reads it for usr_2 too.
	if err := s.MarkRead(ctx, "ten_a", "usr_1", all.ID); err != nil {
		t.Fatalf("MarkRead(tenant-wide): %v", err)
	}
	wantUnread(t, s, "ten_a", "usr_2", 1)

	if n, err := s.MarkAllRead(ctx, "ten_a", "usr_2"); err != nil || n != 1 {
		t.Fatalf("MarkAllRead(usr_2) = %d, %v; want 1", n, err)
	}
	wantUnread(t, s, "ten_a", "usr_2", 0)
	wantUnread(t, s, "ten_a", "usr_1", 1) // usr_1's own unread one is untouched
	if n, err := s.MarkAllRead(ctx, "ten_a", "usr_2"); err != nil || n != 0 {
		t.Fatalf("MarkAllRead(usr_2) again = %d, %v; want 0", n, err)
	}
	if n, err := s.MarkAllRead(ctx, "ten_a", "usr_1"); err != nil || n != 1 {
		t.Fatalf("MarkAllRead(usr_1) = %d, %v; want 1", n, err)
	}
	wantIDs(t, "unread after MarkAllRead", listIDs(t, s, "ten_a", "usr_1", notification.Filter{UnreadOnly: true, Limit: 100}))
	wantUnread(t, s, "ten_b", "usr_1", 1) // another tenant's untouched

	if err := s.DeleteNotification(ctx, "ten_a", "usr_1", mine.ID); err != nil {
		t.Fatalf("DeleteNotification: %v", err)
	}
	wantIDs(t, "usr_1 after delete", listIDs(t, s, "ten_a", "usr_1", notification.Filter{Limit: 100}), plain.ID, all.ID)
	if err := s.DeleteNotification(ctx, "ten_a", "usr_1", mine.ID); !errors.Is(err, notification.ErrNotFound) {
		t.Fatalf("DeleteNotification twice = %v, want ErrNotFound", err)
	}
	// Any user may delete a tenant-wide notification, for everyone.
	if err := s.DeleteNotification(ctx, "ten_a", "usr_2", all.ID); err != nil {
		t.Fatalf("DeleteNotification(tenant-wide): %v", err)
	}
	wantIDs(t, "usr_1 after the tenant-wide delete", listIDs(t, s, "ten_a", "usr_1", notification.Filter{Limit: 100}), plain.ID)
	wantIDs(t, "usr_2 after the tenant-wide delete", listIDs(t, s, "ten_a", "usr_2", notification.Filter{Limit: 100}), theirs.ID)
}

func testNotificationPages(t *testing.T, s notification.Store) {
	far := live()
	// 12 notifications: every third usr_2's (invisible to usr_1), the rest alternating usr_1's and tenant-wide;
	// usr_1's visible ones with an even index are read.
	var visible, unread []string
	for i := range 12 {
		user := []string{"usr_1", "", "usr_2"}[i%3]
		n := mustNotify(t, s, newNotification("ten_a", user, now.Add(time.Duration(i)*time.Second)), far)
		if user == "usr_2" {
			continue
		}
		visible = append(visible, n.ID)
		if i%2 == 0 {
			if err := s.MarkRead(ctx, "ten_a", "usr_1", n.ID); err != nil {
				t.Fatal(err)
			}
		} else {
			unread = append(unread, n.ID)
		}
	}
	slices.Reverse(visible)
	slices.Reverse(unread)
	for _, unreadOnly := range []bool{false, true} {
		want := visible
		if unreadOnly {
			want = unread
		}
		t.Run(fmt.Sprintf("unread only %v", unreadOnly), func(t *testing.T) {
			var walked []string
			for before, pages := "", 0; ; pages++ {
				if pages > len(want) {
					t.Fatalf("paging does not end: %v", walked)
				}
				page := listIDs(t, s, "ten_a", "usr_1", notification.Filter{UnreadOnly: unreadOnly, Before: before, Limit: 3})
				walked = append(walked, page...)
				if len(page) < 3 {
					break
				}
				if len(walked) == 3 {
					wantIDs(t, "first page", page, want[:3]...)
				}
				before = page[len(page)-1]
			}
			wantIDs(t, "paged through", walked, want...)
		})
	}
	wantUnread(t, s, "ten_a", "usr_1", len(unread))
	for _, limit := range []int{0, -1, 101} {
		_, err := s.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: limit})
		wantCode(t, fmt.Sprintf("ListNotifications(limit %d)", limit), err, apperr.Validation)
	}
}

func testNotificationExpiry(t *testing.T, s notification.Store) {
	keep := mustNotify(t, s, newNotification("ten_a", "usr_1", now), live())
	// Expired ones with newer IDs, the user's own and tenant-wide: still stored, maybe, but gone for every method.
	gone := mustNotify(t, s, newNotification("ten_a", "usr_1", now), expired())
	goneAll := mustNotify(t, s, newNotification("ten_a", "", now), expired())
	wantIDs(t, "ListNotifications", listIDs(t, s, "ten_a", "usr_1", notification.Filter{Limit: 100}), keep.ID)
	wantIDs(t, "first page", listIDs(t, s, "ten_a", "usr_1", notification.Filter{UnreadOnly: true, Limit: 1}), keep.ID)
	wantUnread(t, s, "ten_a", "usr_1", 1)
	for _, n := range []notification.Notification{gone, goneAll} {
		if err := s.MarkRead(ctx, "ten_a", "usr_1", n.ID); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("MarkRead(expired) = %v, want ErrNotFound", err)
		}
		if err := s.DeleteNotification(ctx, "ten_a", "usr_1", n.ID); !errors.Is(err, notification.ErrNotFound) {
			t.Fatalf("DeleteNotification(expired) = %v, want ErrNotFound", err)
		}
	}
	if n, err := s.MarkAllRead(ctx, "ten_a", "usr_1"); err != nil || n != 1 {
		t.Fatalf("MarkAllRead = %d, %v; want 1 (the live one)", n, err)
	}
	// The ID of an expired notification is free again.
	again := gone
	again.Title = "again"
	if stored, err := s.CreateNotification(ctx, again, live()); err != nil {
		t.Fatalf("CreateNotification over an expired one: %v", err)
	} else {
		sameNotification(t, "CreateNotification over an expired one returned", stored, again)
	}
	list, err := s.ListNotifications(ctx, "ten_a", "usr_1", notification.Filter{Limit: 100})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListNotifications = %v, %v; want the new one and the kept one", list, err)
	}
	sameNotification(t, "recreated", list[0], again)
	wantUnread(t, s, "ten_a", "usr_1", 1)
}

// testDeleteUserNotifications: DeleteUserNotifications removes the notifications addressed to the user (live and
// expired), in their tenant only, and leaves the tenant-wide ones and everyone else's.
func testDeleteUserNotifications(t *testing.T, s notification.Store) {
	sec := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	all := mustNotify(t, s, newNotification("ten_a", "", sec(0)), live())
	mustNotify(t, s, newNotification("ten_a", "usr_1", sec(1)), live())
	mustNotify(t, s, newNotification("ten_a", "usr_1", sec(2)), expired())
	theirs := mustNotify(t, s, newNotification("ten_a", "usr_2", sec(3)), live())
	elsewhere := mustNotify(t, s, newNotification("ten_b", "usr_1", sec(4)), live())
	// The expired one counts where the store still holds it (DynamoDB deletes expired items some time later).
	if n, err := s.DeleteUserNotifications(ctx, "ten_a", "usr_1"); err != nil || n < 1 || n > 2 {
		t.Fatalf("DeleteUserNotifications = %d, %v; want the user's 2 (1 if the expired one is already gone)", n, err)
	}
	wantIDs(t, "usr_1 sees", listIDs(t, s, "ten_a", "usr_1", notification.Filter{Limit: 100}), all.ID)
	wantIDs(t, "usr_2 sees", listIDs(t, s, "ten_a", "usr_2", notification.Filter{Limit: 100}), theirs.ID, all.ID)
	wantIDs(t, "usr_1 of tenant b sees", listIDs(t, s, "ten_b", "usr_1", notification.Filter{Limit: 100}), elsewhere.ID)
	if n, err := s.DeleteUserNotifications(ctx, "ten_a", "usr_1"); err != nil || n != 0 {
		t.Fatalf("DeleteUserNotifications again = %d, %v; want 0, no error", n, err)
	}
	if n, err := s.DeleteUserNotifications(ctx, "ten_a", ""); err == nil || n != 0 {
		t.Fatalf("DeleteUserNotifications without a user = %d, %v; want an error (it would delete the tenant-wide ones)", n, err)
	}
	wantIDs(t, "no user sees", listIDs(t, s, "ten_a", "", notification.Filter{Limit: 100}), all.ID)
}

// RunNotificationPreferences runs the contract suite of notification.PreferenceStore; newStore must return a store
// over a fresh, empty database each call. A user without preferences has empty ones (no error); Put replaces them
// whole; preferences are per tenant and user.
func RunNotificationPreferences(t *testing.T, newStore func(t *testing.T) notification.PreferenceStore) {
	s := newStore(t)
	p, err := s.GetPreferences(ctx, "ten_a", "usr_1")
	if err != nil || len(p.Muted) != 0 || !p.UpdatedAt.IsZero() {
		t.Fatalf("GetPreferences of a user without any = %+v, %v; want empty", p, err)
	}
	set := notification.Preferences{TenantID: "ten_a", UserID: "usr_1", UpdatedAt: now,
		Muted: []notification.Kind{notification.KindSessionBanned, notification.KindSessionQRWaiting}}
	if err := s.PutPreferences(ctx, set); err != nil {
		t.Fatalf("PutPreferences: %v", err)
	}
	got, err := s.GetPreferences(ctx, "ten_a", "usr_1")
	if err != nil || !slices.Equal(got.Muted, set.Muted) || !got.UpdatedAt.Equal(now) || got.TenantID != "ten_a" || got.UserID != "usr_1" {
		t.Fatalf("GetPreferences = %+v, %v; want %+v", got, err, set)
	}
	for _, other := range [][2]string{{"ten_a", "usr_2"}, {"ten_b", "usr_1"}} {
		if p, err := s.GetPreferences(ctx, other[0], other[1]); err != nil || len(p.Muted) != 0 {
			t.Fatalf("GetPreferences(%s, %s) = %+v, %v; want none (another user's were set)", other[0], other[1], p, err)
		}
	}
	later := now.Add(time.Minute)
	if err := s.PutPreferences(ctx, notification.Preferences{TenantID: "ten_a", UserID: "usr_1", UpdatedAt: later}); err != nil {
		t.Fatalf("PutPreferences(none muted): %v", err)
	}
	if got, err := s.GetPreferences(ctx, "ten_a", "usr_1"); err != nil || len(got.Muted) != 0 || !got.UpdatedAt.Equal(later) {
		t.Fatalf("GetPreferences after unmuting all = %+v, %v; want nothing muted at %s", got, err, later)
	}
	// Deleting a user's preferences forgets them, and only theirs; deleting none is no error.
	for _, u := range [][2]string{{"ten_a", "usr_1"}, {"ten_a", "usr_2"}, {"ten_b", "usr_1"}} {
		if err := s.PutPreferences(ctx, notification.Preferences{TenantID: u[0], UserID: u[1], UpdatedAt: now, Muted: set.Muted}); err != nil {
			t.Fatalf("PutPreferences(%v): %v", u, err)
		}
	}
	for range 2 {
		if err := s.DeletePreferences(ctx, "ten_a", "usr_1"); err != nil {
			t.Fatalf("DeletePreferences: %v", err)
		}
	}
	if got, err := s.GetPreferences(ctx, "ten_a", "usr_1"); err != nil || len(got.Muted) != 0 || !got.UpdatedAt.IsZero() {
		t.Fatalf("GetPreferences after DeletePreferences = %+v, %v; want none", got, err)
	}
	for _, other := range [][2]string{{"ten_a", "usr_2"}, {"ten_b", "usr_1"}} {
		if p, err := s.GetPreferences(ctx, other[0], other[1]); err != nil || !slices.Equal(p.Muted, set.Muted) {
			t.Fatalf("GetPreferences(%s, %s) = %+v, %v; want theirs kept", other[0], other[1], p, err)
		}
	}
}
