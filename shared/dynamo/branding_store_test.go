package dynamo_test

import (
	"testing"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/branding"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/storetest"
)

func TestBrandingStoreContract(t *testing.T) {
	client := awstest.DynamoDB(t)
	storetest.RunBranding(t, func(t *testing.T) branding.Store { return dynamo.NewBrandingStore(client, newTable(t, client)) })
}
