// Package awssealed is the KMS sealer of webhook secrets on AWS (WAQTOR_SECRETS_KMS_KEY) and the consumer
// functions' webhook store over it (WebhookStore, an awsfunction.Dep). It is apart from awsfunction so that a
// function that stores no webhook links no KMS.
package awssealed

import (
	"context"

	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/kms"
	"github.com/waqtor/waqtor/shared/runtime/awsfunction"
)

// Load sets rt.Secrets to the KMS sealer of WAQTOR_SECRETS_KMS_KEY, once; without a key it warns and leaves it nil
// (secrets are then stored unencrypted).
func Load(ctx context.Context, rt *awsfunction.Runtime) error {
	if rt.Secrets != nil {
		return nil
	}
	if rt.Config.SecretsKMSKey == "" {
		rt.Log.WarnContext(ctx, "WAQTOR_SECRETS_KMS_KEY is not set: webhook secrets and header values are stored unencrypted")
		return nil
	}
	s, err := kms.NewSealer(kmssdk.NewFromConfig(rt.AWS), rt.Config.SecretsKMSKey)
	if err != nil {
		return err
	}
	rt.Secrets = s
	return nil
}

// WebhookStore fills Deps.Webhooks: the table's webhook store, sealing secrets with KMS (Load).
func WebhookStore(ctx context.Context, rt *awsfunction.Runtime, d *consumers.Deps) error {
	if err := Load(ctx, rt); err != nil {
		return err
	}
	d.Webhooks = rt.WebhookStore()
	return nil
}
