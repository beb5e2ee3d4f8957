package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/shared/dashboard"
)

// The web dashboard on AWS: its build (Props.DashboardAsset) in a private bucket, served by CloudFront.
const (
	// siteLogPrefix starts the dashboard bucket's server access log keys in the access log bucket.
	siteLogPrefix = "dashboard-bucket/"
	// siteAssetsPath is the behaviour of Vite's hashed files: cached a year at the edge and in browsers.
	siteAssetsPath = "/assets/*"
	// siteConfigKey is the runtime configuration the dashboard reads at start (dashboard/src/lib/config.ts).
	siteConfigKey = "config.json"
	// Cache-Control of the hashed files and of everything else (index.html, config.json: a deploy shows at once).
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheNoCache   = "no-cache"
	// hstsAge is Strict-Transport-Security's max-age: two years.
	hstsAgeDays = 730
)

// siteRewrite is the CloudFront function of the default behaviour: the SPA fallback. A path without a file
// extension is a page of the app (/messages, /sessions/ses_1) and gets /index.html; a path with one (/config.json,
// /favicon.svg, a missing /assets/x.js) is looked up as it is, so a missing file is an error, never HTML.
// shared/dashboard does the same in standalone.
const siteRewrite = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`

// SiteRewriteCode is the code of the SPA fallback function (for its test, which runs it in Node).
func SiteRewriteCode() string { return siteRewrite }

// validateSite checks that Props.DashboardAsset is a dashboard build.
func validateSite(p Props) error {
	index := filepath.Join(p.DashboardAsset, "index.html")
	if fi, err := os.Stat(index); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: no file %s (run make dashboard)", ErrMissingDashboard, index)
	}
	return nil
}

// addSite adds the dashboard's private bucket and its CloudFront distribution, and makes the distribution's
// https origin the first of the dashboard origins (CORS on the HTTP API, WAQTOR_DASHBOARD_ORIGIN), before
// Props.DashboardOrigins. The bucket: S3-managed encryption, all public access blocked, ACLs disabled, TLS only,
// access logs beside the media bucket's; only the distribution reads it, through origin access control. The
// distribution: HTTPS only, HTTP/2 and 3, index.html at /, the SPA fallback (siteRewrite), /assets/* cached a year
// (CachingOptimized, Cache-Control immutable), everything else not cached at the edge and no-cache in browsers, and
// the security headers on every answer (sitePolicy). Call before addFunctions and addHTTPAPI.
func (b *builder) addSite() {
	b.siteBucket = awss3.NewBucket(b.stack, jsii.String("DashboardSite"), &awss3.BucketProps{
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(mediaMinTLS),
		ServerAccessLogsBucket: b.accessLogs,
		ServerAccessLogsPrefix: jsii.String(siteLogPrefix),
		// Retained like every bucket of the stack (the deployment keeps its files when it is deleted); it holds only
		// the build, so it can be emptied and deleted by hand after the stack.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(b.siteBucket, nil)
	rewrite := awscloudfront.NewFunction(b.stack, jsii.String("DashboardRewrite"), &awscloudfront.FunctionProps{
		FunctionName: jsii.String(b.props.Prefix + "dashboard-spa"),
		Comment:      jsii.String("SPA fallback: paths without a file extension get /index.html"),
		Code:         awscloudfront.FunctionCode_FromInline(jsii.String(siteRewrite)),
		Runtime:      awscloudfront.FunctionRuntime_JS_2_0(),
	})
	b.siteDistribution = awscloudfront.NewDistribution(b.stack, jsii.String("DashboardDistribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String(b.props.Prefix + "dashboard"),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
			ResponseHeadersPolicy: b.sitePolicy("DashboardPagesHeaders", "dashboard-pages", cacheNoCache),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
				Function:  rewrite,
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			siteAssetsPath: {
				Origin:                origin,
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
				CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
				Compress:              jsii.Bool(true),
				ResponseHeadersPolicy: b.sitePolicy("DashboardAssetsHeaders", "dashboard-assets", cacheImmutable),
			},
		},
	})
	suppress(b.siteDistribution, "CFR1", "the dashboard is served worldwide; it holds no data (the API enforces who may call it)")
	suppress(b.siteDistribution, "CFR2", "the distribution serves the dashboard's static files only (GET and HEAD); the API "+
		"behind API Gateway has its own throttling")
	suppress(b.siteDistribution, "CFR3", "the dashboard's files are public static assets; CloudFront standard logging needs a "+
		"bucket with ACLs enabled, and every bucket of the stack keeps ACLs disabled. API requests are logged by the "+
		"API Gateway access log")
	suppress(b.siteDistribution, "CFR4", "the distribution uses its cloudfront.net domain and certificate, whose security "+
		"policy CloudFront fixes; a custom domain with TLSv1.2_2021 needs a certificate this stack does not own")
	b.siteOrigin = awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), b.siteDistribution.DistributionDomainName()})
	awscdk.NewCfnOutput(b.stack, jsii.String("DashboardUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("the web dashboard (CloudFront)"),
		Value:       b.siteOrigin,
	})
	awscdk.NewCfnOutput(b.stack, jsii.String("DashboardBucketName"), &awscdk.CfnOutputProps{Value: b.siteBucket.BucketName()})
}

// dashboardOrigins are the origins allowed to call the API from a browser: the distribution's, then
// Props.DashboardOrigins.
func (b *builder) dashboardOrigins() []*string {
	out := []*string{b.siteOrigin}
	for _, o := range b.props.DashboardOrigins {
		out = append(out, jsii.String(o))
	}
	return out
}

// sitePolicy is a response headers policy: the security headers (HSTS two years with subdomains, nosniff,
// X-Frame-Options DENY, a strict referrer policy, the XSS filter in block mode, and the Content-Security-Policy of
// siteCSP) and Cache-Control set to cacheControl, all overriding what the origin sends.
func (b *builder) sitePolicy(id, name, cacheControl string) awscloudfront.ResponseHeadersPolicy {
	return awscloudfront.NewResponseHeadersPolicy(b.stack, jsii.String(id), &awscloudfront.ResponseHeadersPolicyProps{
		ResponseHeadersPolicyName: jsii.String(b.props.Prefix + name),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(hstsAgeDays)),
				IncludeSubdomains:   jsii.Bool(true),
				Override:            jsii.Bool(true),
			},
			ContentTypeOptions: &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions: &awscloudfront.ResponseHeadersFrameOptions{
				FrameOption: awscloudfront.HeadersFrameOption_DENY,
				Override:    jsii.Bool(true),
			},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
				Override:       jsii.Bool(true),
			},
			XssProtection: &awscloudfront.ResponseHeadersXSSProtection{
				Protection: jsii.Bool(true),
				ModeBlock:  jsii.Bool(true),
				Override:   jsii.Bool(true),
			},
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{
				ContentSecurityPolicy: siteCSP(),
				Override:              jsii.Bool(true),
			},
		},
		CustomHeadersBehavior: &awscloudfront.ResponseCustomHeadersBehavior{
			CustomHeaders: &[]*awscloudfront.ResponseCustomHeader{{
				Header:   jsii.String("Cache-Control"),
				Value:    jsii.String(cacheControl),
				Override: jsii.Bool(true),
			}},
		},
	})
}

// siteCSP is the dashboard's Content-Security-Policy on AWS: dashboard.CSPDirectives (the same as standalone's,
// under which e2e/pages.spec.mjs runs every page), with the API and the live feed on API Gateway in the stack's
// region as connect-src.
func siteCSP() *string {
	api := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://*.execute-api."), awscdk.Aws_REGION(), jsii.String(".amazonaws.com")})
	ws := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("wss://*.execute-api."), awscdk.Aws_REGION(), jsii.String(".amazonaws.com")})
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(strings.Join(dashboard.CSPDirectives, "; ") + "; connect-src 'self' "), api, jsii.String(" "), ws})
}

// deploySite copies the dashboard's build into its bucket with aws-s3-deployment, and writes config.json beside it:
// the API's URL (the HTTP API's $default stage) and, when the stack has a WebSocket API, the live feed's URL. Files
// of an earlier build are removed (prune). Call after addHTTPAPI.
func (b *builder) deploySite() {
	config := map[string]any{"apiUrl": b.apiURL}
	if b.wsURL != nil {
		config["wsUrl"] = b.wsURL
	}
	logs := awslogs.NewLogGroup(b.stack, jsii.String("DashboardDeployLogs"), &awslogs.LogGroupProps{
		Retention:     b.props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	awss3deployment.NewBucketDeployment(b.stack, jsii.String("DashboardDeployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: b.siteBucket,
		Sources: &[]awss3deployment.ISource{
			awss3deployment.Source_Asset(jsii.String(b.props.DashboardAsset), nil),
			awss3deployment.Source_JsonData(jsii.String(siteConfigKey), config, nil),
		},
		Prune:    jsii.Bool(true),
		LogGroup: logs,
		// The distribution caches only /assets/*, whose names change with their content: nothing to invalidate.
	})
	// aws-s3-deployment's handler is one function per stack, made by CDK: its runtime, role and grants are CDK's.
	bucketID := *b.stack.GetLogicalId(b.siteBucket.Node().DefaultChild().(awscdk.CfnElement))
	for _, c := range *b.stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		suppress(c, "L1", "aws-s3-deployment's handler: CDK chooses and updates its runtime")
		suppress(c, "IAM4", "aws-s3-deployment's handler: CDK gives its role AWSLambdaBasicExecutionRole, to write its logs",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		suppress(c, "IAM5", "aws-s3-deployment's handler: CDK grants it read on the CDK asset bucket (the dashboard's zip "+
			"and config.json) and read-write on the dashboard bucket only, to copy the build and prune old files",
			"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
			"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
			"Resource::<"+bucketID+".Arn>/*")
	}
}
