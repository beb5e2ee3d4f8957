package sqlite_test

import (
	"testing"

	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
	"github.com/waqtor/waqtor/shared/webhook"
)

func TestWebhookStoreContract(t *testing.T) {
	storetest.RunWebhook(t, func(t *testing.T) webhook.Store { return sqlite.NewWebhookStore(MustOpenDB(t)) })
}

func TestNotificationStoreContract(t *testing.T) {
	storetest.RunNotification(t, func(t *testing.T) notification.Store { return sqlite.NewNotificationStore(MustOpenDB(t)) })
}
