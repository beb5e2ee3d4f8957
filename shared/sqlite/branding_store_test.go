package sqlite_test

import (
	"testing"

	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestBrandingStoreContract(t *testing.T) {
	storetest.RunBranding(t, func(t *testing.T) branding.Store { return sqlite.NewBrandingStore(MustOpenDB(t)) })
}
