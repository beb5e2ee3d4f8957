package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AddChecks applies cdk-nag's AwsSolutions rules to everything under scope (the app, in infra/main.go and the
// tests): each finding becomes an error annotation at synthesis, unless the construct carries a suppression with
// its reason (suppress). `cdk synth` then fails, and so does TestNagAwsSolutions.
func AddChecks(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppress records that construct (and its children) knowingly breaks the AwsSolutions rule id, for reason. With
// appliesTo, only those findings of the rule (e.g. "Resource::<arn>/media/*" for IAM5) are suppressed.
func suppress(construct constructs.IConstruct, id, reason string, appliesTo ...string) {
	s := &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-" + id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(construct, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
