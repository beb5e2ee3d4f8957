package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	mediastore "github.com/waqtor/waqtor/shared/s3"
)

// Media bucket settings.
const (
	// mediaExpiryDays: media files are deleted this long after they were written. Messages keep their metadata;
	// the API answers a missing file with 404.
	mediaExpiryDays = 90
	// mediaAbortUploadDays: parts of multipart uploads that never completed are dropped after this long.
	mediaAbortUploadDays = 1
	// mediaNoncurrentDays: an overwritten or deleted version (including the one mediaExpiryDays expires) is kept
	// this long for recovery, then deleted for good; so every file is gone mediaExpiryDays + mediaNoncurrentDays
	// after it was written.
	mediaNoncurrentDays = 7
	// accessLogDays: the media bucket's server access logs are kept this long.
	accessLogDays = 90
	// accessLogPrefix starts every access log object's key.
	accessLogPrefix = "media-bucket/"
	// mediaMinTLS refuses requests over TLS older than 1.2 (besides refusing plain HTTP).
	mediaMinTLS = 1.2
	// envMediaBucket names the bucket in every function's environment.
	envMediaBucket = "WAQTOR_MEDIA_BUCKET"
)

// mediaObjectActions are all a function with MediaReadWrite may do on media objects (s3.MediaStore's calls).
var mediaObjectActions = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}

// addMediaBucket adds the private bucket of media files (s3.MediaStore): encrypted with S3-managed keys, all public
// access blocked, ACLs disabled, plain HTTP and TLS < 1.2 denied by the bucket policy, versioned (a deleted or
// overwritten file can be restored for mediaNoncurrentDays), every object expiring mediaExpiryDays after it was
// written and its old versions mediaNoncurrentDays later, and server access logs in a second bucket. Like the
// table it is retained when the stack is deleted: it holds the tenants' data. Its name is generated (bucket names
// are global), and passed to the functions as WAQTOR_MEDIA_BUCKET.
func (b *builder) addMediaBucket() {
	b.accessLogs = awss3.NewBucket(b.stack, jsii.String("MediaAccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // the only encryption S3 log delivery supports
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(mediaMinTLS),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:         jsii.String("expire-access-logs"),
			Enabled:    jsii.Bool(true),
			Expiration: awscdk.Duration_Days(jsii.Number(accessLogDays)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	b.mediaBucket = awss3.NewBucket(b.stack, jsii.String("Media"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(mediaMinTLS),
		Versioned:         jsii.Bool(true),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-media"),
			Enabled:                             jsii.Bool(true),
			Expiration:                          awscdk.Duration_Days(jsii.Number(mediaExpiryDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(mediaNoncurrentDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(mediaAbortUploadDays)),
		}, {
			// S3 refuses ExpiredObjectDeleteMarker in a rule with Expiration days: the delete markers left once
			// every version of a key is gone are removed by their own rule.
			Id:                        jsii.String("remove-delete-markers"),
			Enabled:                   jsii.Bool(true),
			ExpiredObjectDeleteMarker: jsii.Bool(true),
		}},
		ServerAccessLogsBucket: b.accessLogs,
		ServerAccessLogsPrefix: jsii.String(accessLogPrefix),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("MediaBucketName"), &awscdk.CfnOutputProps{Value: b.mediaBucket.BucketName()})
}

// grantMedia lets role read, write and delete media objects (media/*) and list the bucket. Without s3:ListBucket,
// S3 answers a GetObject of a missing key with 403 instead of 404, and the store could not tell a missing file
// from a denied one. The grants name each action: the bucket's Grant* methods would add wildcard actions
// (s3:GetObject*, s3:List*). A delete only adds a delete marker (the bucket is versioned): the file can be restored
// for mediaNoncurrentDays.
func (b *builder) grantMedia(role awsiam.Role) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(mediaObjectActions...),
		Resources: jsii.Strings(*b.mediaBucket.ArnForObjects(jsii.String(mediastore.KeyPrefix + "*"))),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: jsii.Strings(*b.mediaBucket.BucketArn()),
	}))
	bucketID := *b.stack.GetLogicalId(b.mediaBucket.Node().DefaultChild().(awscdk.CfnElement))
	suppress(role, "IAM5", "media object keys are generated per file (tenant/message IDs, shared/s3.KeyPrefix); the "+
		"grant is limited to that prefix and to Get/Put/DeleteObject",
		"Resource::<"+bucketID+".Arn>/"+mediastore.KeyPrefix+"*")
}
