// Package e2e holds the end-to-end tests that run WaQtor's real binaries together. aws_test.go runs the Lambda
// bootstraps of functions/ under aws-lambda-rie against local AWS emulators, wired as infra/ deploys them;
// whatsapp_test.go adds the session host (awshost, in the test process) on the fake WhatsApp (wasim), with the
// device store on Postgres and media on S3.
//
// The tests live here rather than in functions/, because every directory under functions/ is a Lambda function
// (the Makefile builds functions/* and the CDK stack deploys functions/<name>).
package e2e
