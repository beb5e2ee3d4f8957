package stack_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// mediaObjectsArn is the ARN of the media objects (media/*) of the bucket with this logical ID, as CDK writes it.
func mediaObjectsArn(bucketID string) any {
	return map[string]any{"Fn::Join": []any{"", []any{getAtt(bucketID, "Arn"), "/media/*"}}}
}

func TestMediaBucket(t *testing.T) {
	tmpl := defaultTemplate(t)
	id := mediaBucketID(t, tmpl)
	r := resources(t, tmpl, "AWS::S3::Bucket")[id]
	if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("bucket removal: %v / %v, want Retain (it holds the tenants' files)", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	p := props(r)
	if p["BucketName"] != nil {
		t.Errorf("BucketName %v: want a generated name (bucket names are global)", p["BucketName"])
	}
	for key, want := range map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true,
			"IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		// Files expire 90 days after they were written, their old versions (deleted, overwritten, expired) 7 days
		// after that: nothing outlives 97 days.
		"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
			"Id": "expire-media", "Status": "Enabled", "ExpirationInDays": 90.0,
			"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 7.0},
			"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1.0},
		}, map[string]any{
			"Id": "remove-delete-markers", "Status": "Enabled", "ExpiredObjectDeleteMarker": true,
		}}},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"LoggingConfiguration":    map[string]any{"DestinationBucketName": ref(accessLogBucketID(t, tmpl, id)), "LogFilePrefix": "media-bucket/"},
		"WebsiteConfiguration":    nil,
		"CorsConfiguration":       nil,
	} {
		if got := p[key]; !reflect.DeepEqual(got, want) {
			t.Error(diff(key, got, want))
		}
	}

	// The bucket policy only denies: requests without TLS, and with TLS older than 1.2.
	policies := resources(t, tmpl, "AWS::S3::BucketPolicy")
	for pid, pol := range policies {
		if !reflect.DeepEqual(props(pol)["Bucket"], ref(id)) {
			delete(policies, pid) // the access log bucket's
		}
	}
	if len(policies) != 1 {
		t.Fatalf("bucket policies: got %d, want 1", len(policies))
	}
	var tlsOnly, tls12 bool
	for _, pol := range policies {
		bp := props(pol)
		if !reflect.DeepEqual(bp["Bucket"], ref(id)) {
			t.Errorf("bucket policy on %v, want the media bucket", bp["Bucket"])
		}
		doc, _ := bp["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Effect"] != "Deny" {
				t.Errorf("bucket policy statement %v: want only Deny statements", st)
				continue
			}
			cond, _ := st["Condition"].(map[string]any)
			switch {
			case reflect.DeepEqual(cond, map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}):
				tlsOnly = true
			case reflect.DeepEqual(cond, map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}):
				tls12 = true
			default:
				t.Errorf("bucket policy statement with condition %v", cond)
			}
			want := []any{getAtt(id, "Arn"), map[string]any{"Fn::Join": []any{"", []any{getAtt(id, "Arn"), "/*"}}}}
			if got := list(st["Resource"]); !reflect.DeepEqual(got, want) {
				t.Error(diff("deny resources", got, want))
			}
		}
	}
	if !tlsOnly || !tls12 {
		t.Errorf("bucket policy: denies plain HTTP %v, denies TLS < 1.2 %v; want both", tlsOnly, tls12)
	}

	check(t, "bucket name output", func() {
		tmpl.HasOutput(jsii.String("MediaBucketName"), map[string]any{"Value": ref(id)})
	})
}

// Only the api function (outgoing media) and the session host (incoming media, and reading outgoing ones to send
// them) may touch the bucket; TestLeastPrivilege checks exactly what each gets.
func TestMediaAccessOnlyForAPIAndHost(t *testing.T) {
	tmpl := defaultTemplate(t)
	_, api := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed("api"))
	apiRole := ref(list(api["Role"].(map[string]any)["Fn::GetAtt"])[0].(string))
	_, task := only(t, tmpl, "AWS::ECS::TaskDefinition", "Family", prefixed("session-host"))
	hostRole := ref(list(task["TaskRoleArn"].(map[string]any)["Fn::GetAtt"])[0].(string))
	for id, r := range resources(t, tmpl, "AWS::IAM::Policy") {
		if strings.HasPrefix(id, bucketDeploymentID) {
			continue // the dashboard's deployment: the CDK asset bucket and the dashboard bucket only (TestDashboardDeploymentGrants)
		}
		p := props(r)
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			for _, a := range list(st["Action"]) {
				roles := list(p["Roles"])
				if s, _ := a.(string); len(s) > 3 && s[:3] == "s3:" && !reflect.DeepEqual(roles, []any{apiRole}) && !reflect.DeepEqual(roles, []any{hostRole}) {
					t.Errorf("policy %s gives %s to %v; only the api and session host roles may use the media bucket", id, s, p["Roles"])
				}
			}
		}
	}
}

// mediaBucketID is the logical ID of the media bucket: the bucket that logs its access under media-bucket/.
func mediaBucketID(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	var ids []string
	for id, r := range resources(t, tmpl, "AWS::S3::Bucket") {
		if logging, _ := props(r)["LoggingConfiguration"].(map[string]any); logging["LogFilePrefix"] == "media-bucket/" {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("buckets with access logging: %v, want one (the media bucket)", ids)
	}
	return ids[0]
}

// accessLogBucketID is the logical ID of the bucket that logs nowhere itself: the server access logs of the media
// bucket (and of the dashboard's).
func accessLogBucketID(t *testing.T, tmpl assertions.Template, mediaID string) string {
	t.Helper()
	var ids []string
	for id, r := range resources(t, tmpl, "AWS::S3::Bucket") {
		if id != mediaID && props(r)["LoggingConfiguration"] == nil {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("buckets besides the media bucket: %v, want one (its access logs)", ids)
	}
	return ids[0]
}
