package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

const tokenSecretLength = 64

// addSecret adds the generated key that signs dashboard tokens. Only functions with ReadTokenSecret may read it.
// It keeps a generated physical name: a deleted secret's name stays reserved for its recovery window, which
// would block deleting and re-creating the stack under a fixed name.
func (b *builder) addSecret() {
	b.tokenSecret = awssecretsmanager.NewSecret(b.stack, jsii.String("TokenSecret"), &awssecretsmanager.SecretProps{
		Description: jsii.String("WaQtor (" + b.props.Prefix + ") key that signs dashboard tokens"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(tokenSecretLength),
			ExcludePunctuation: jsii.Bool(true),
		},
	})
	suppress(b.tokenSecret, "SMG4", "no automatic rotation: a new signing key ends every dashboard session at once and "+
		"the functions read the key at cold start; rotate by hand in a quiet hour (runbook in docs/deployment.md)")
}
