package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// envSecretsKMSKey names the KMS key that encrypts webhook secrets and custom header values (shared/kms).
const envSecretsKMSKey = "WAQTOR_SECRETS_KMS_KEY"

// secretsKeyUsers are the functions that read or write webhook endpoints, and so seal or open their secrets: the
// API (create, update, rotate, test), the fan-out (lists endpoints) and the deliverer (signs with the secrets).
var secretsKeyUsers = []string{apiFunction, "webhook-router", "webhook-deliver"}

// addSecretsKey adds the symmetric KMS key that encrypts webhook secrets and custom header values at rest, with
// yearly automatic rotation (KMS keeps the earlier material to decrypt, so nothing needs re-encrypting). It is
// kept when the stack is deleted: without it the stored secrets cannot be read.
func (b *builder) addSecretsKey() {
	b.secretsKey = awskms.NewKey(b.stack, jsii.String("SecretsKey"), &awskms.KeyProps{
		Description:       jsii.String("WaQtor (" + b.props.Prefix + ") key that encrypts webhook secrets and header values"),
		EnableKeyRotation: jsii.Bool(true),
	})
}

// grantSecretsKey lets the secretsKeyUsers encrypt and decrypt with the key and tells them its ARN. Call it after
// addFunctions.
func (b *builder) grantSecretsKey() {
	for _, name := range secretsKeyUsers {
		fn := b.functions[name]
		b.secretsKey.Grant(fn, jsii.String("kms:Encrypt"), jsii.String("kms:Decrypt")) // no ReEncrypt*, no GenerateDataKey*
		fn.AddEnvironment(jsii.String(envSecretsKMSKey), b.secretsKey.KeyArn(), nil)
	}
}
