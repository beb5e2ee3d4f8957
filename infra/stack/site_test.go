package stack_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/waqtor/waqtor/infra/stack"
	"github.com/waqtor/waqtor/shared/dashboard"
)

// CloudFront's managed cache policies.
const (
	cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	cachingDisabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
)

// siteOrigin is https://<the dashboard distribution's domain>, as the template writes it.
func siteOrigin(t *testing.T, tmpl assertions.Template) any {
	t.Helper()
	dist := singleID(t, tmpl, "AWS::CloudFront::Distribution")
	return map[string]any{"Fn::Join": []any{"", []any{"https://", getAtt(dist, "DomainName")}}}
}

// render writes a template value as a string: Fn::Join evaluated, {"Ref": X} as ${X}, Fn::GetAtt as ${X.Attr}, so
// values built by different CDK paths compare equal when they mean the same.
func render(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v
	case float64, bool:
		return fmt.Sprint(v)
	case map[string]any:
		if r, ok := v["Ref"]; ok {
			return "${" + fmt.Sprint(r) + "}"
		}
		if a, ok := v["Fn::GetAtt"].([]any); ok && len(a) == 2 {
			return fmt.Sprintf("${%v.%v}", a[0], a[1])
		}
		if _, ok := v["Fn::Sub"]; ok {
			return render(t, resolveSub(v))
		}
		if j, ok := v["Fn::Join"].([]any); ok && len(j) == 2 {
			var parts []string
			for _, p := range list(j[1]) {
				parts = append(parts, render(t, p))
			}
			return strings.Join(parts, fmt.Sprint(j[0]))
		}
	}
	t.Fatalf("render: unexpected template value %#v", v)
	return ""
}

func TestDashboardBucket(t *testing.T) {
	tmpl := defaultTemplate(t)
	dist := singleID(t, tmpl, "AWS::CloudFront::Distribution")
	var bucketID string
	for id, r := range resources(t, tmpl, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "DashboardSite") {
			bucketID = id
			p := props(r)
			want := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
			if !reflect.DeepEqual(p["PublicAccessBlockConfiguration"], want) {
				t.Error(diff("public access block", p["PublicAccessBlockConfiguration"], want))
			}
			if s := fmt.Sprint(p["BucketEncryption"]); !strings.Contains(s, "AES256") {
				t.Errorf("encryption %s, want S3-managed (AES256)", s)
			}
			if s := fmt.Sprint(p["OwnershipControls"]); !strings.Contains(s, "BucketOwnerEnforced") {
				t.Errorf("ownership %s, want BucketOwnerEnforced (ACLs disabled)", s)
			}
			logging, _ := p["LoggingConfiguration"].(map[string]any)
			if logging["LogFilePrefix"] != "dashboard-bucket/" || !strings.HasPrefix(render(t, logging["DestinationBucketName"]), "${MediaAccessLogs") {
				t.Errorf("access logs %v, want the access log bucket under dashboard-bucket/", logging)
			}
			if r["DeletionPolicy"] != "Retain" {
				t.Errorf("DeletionPolicy %v, want Retain", r["DeletionPolicy"])
			}
		}
	}
	if bucketID == "" {
		t.Fatal("no dashboard bucket")
	}
	// Only CloudFront, for this distribution, may read it; plain HTTP and old TLS are denied.
	var allows, denies int
	for _, r := range resources(t, tmpl, "AWS::S3::BucketPolicy") {
		p := props(r)
		if !reflect.DeepEqual(p["Bucket"], ref(bucketID)) {
			continue
		}
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			if st["Effect"] == "Deny" {
				denies++
				continue
			}
			allows++
			principal, _ := st["Principal"].(map[string]any)
			cond := fmt.Sprint(render(t, st["Condition"].(map[string]any)["StringEquals"].(map[string]any)["AWS:SourceArn"]))
			if principal["Service"] != "cloudfront.amazonaws.com" || st["Action"] != "s3:GetObject" ||
				!strings.HasSuffix(cond, ":distribution/${"+dist+"}") || render(t, st["Resource"]) != "${"+bucketID+".Arn}/*" {
				t.Errorf("bucket policy allows %v %v on %v if %s; want only CloudFront's GetObject for the distribution",
					principal, st["Action"], st["Resource"], cond)
			}
		}
	}
	if allows != 1 || denies != 2 {
		t.Errorf("dashboard bucket policy: %d allow and %d deny statements, want 1 (CloudFront) and 2 (TLS)", allows, denies)
	}
}

func TestDashboardDistribution(t *testing.T) {
	tmpl := defaultTemplate(t)
	bucketID := ""
	for id := range resources(t, tmpl, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "DashboardSite") {
			bucketID = id
		}
	}
	oac := singleID(t, tmpl, "AWS::CloudFront::OriginAccessControl")
	check(t, "origin access control", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::CloudFront::OriginAccessControl"), map[string]any{
			"OriginAccessControlConfig": map[string]any{"OriginAccessControlOriginType": "s3", "SigningBehavior": "always", "SigningProtocol": "sigv4"},
		})
	})
	var cfg map[string]any
	for _, r := range resources(t, tmpl, "AWS::CloudFront::Distribution") {
		cfg, _ = props(r)["DistributionConfig"].(map[string]any)
	}
	if cfg["DefaultRootObject"] != "index.html" {
		t.Errorf("DefaultRootObject %v, want index.html", cfg["DefaultRootObject"])
	}
	origins := list(cfg["Origins"])
	if len(origins) != 1 {
		t.Fatalf("origins %v, want the dashboard bucket only", origins)
	}
	o, _ := origins[0].(map[string]any)
	if render(t, o["DomainName"]) != "${"+bucketID+".RegionalDomainName}" || render(t, o["OriginAccessControlId"]) != "${"+oac+".Id}" {
		t.Errorf("origin %v, want the dashboard bucket through origin access control %s", o, oac)
	}
	if fmt.Sprint(o["S3OriginConfig"]) != "map[OriginAccessIdentity:]" {
		t.Errorf("origin %v: want no origin access identity", o["S3OriginConfig"])
	}

	policies := resources(t, tmpl, "AWS::CloudFront::ResponseHeadersPolicy")
	cacheControl := func(behavior map[string]any) string {
		id := fmt.Sprint(behavior["ResponseHeadersPolicyId"].(map[string]any)["Ref"])
		p, _ := props(policies[id])["ResponseHeadersPolicyConfig"].(map[string]any)
		checkSecurityHeaders(t, id, p)
		custom, _ := p["CustomHeadersConfig"].(map[string]any)
		for _, h := range list(custom["Items"]) {
			h, _ := h.(map[string]any)
			if h["Header"] == "Cache-Control" && h["Override"] == true {
				return fmt.Sprint(h["Value"])
			}
		}
		return ""
	}
	def, _ := cfg["DefaultCacheBehavior"].(map[string]any)
	if def["ViewerProtocolPolicy"] != "https-only" || def["CachePolicyId"] != cachingDisabled {
		t.Errorf("default behaviour %v %v, want https-only, not cached at the edge", def["ViewerProtocolPolicy"], def["CachePolicyId"])
	}
	if cc := cacheControl(def); cc != "no-cache" {
		t.Errorf("default behaviour (index.html, config.json): Cache-Control %q, want no-cache", cc)
	}
	fns := list(def["FunctionAssociations"])
	fnID := singleID(t, tmpl, "AWS::CloudFront::Function")
	if len(fns) != 1 || fns[0].(map[string]any)["EventType"] != "viewer-request" ||
		render(t, fns[0].(map[string]any)["FunctionARN"]) != "${"+fnID+".FunctionARN}" {
		t.Errorf("default behaviour functions %v, want the SPA fallback on viewer-request", fns)
	}
	behaviors := list(cfg["CacheBehaviors"])
	if len(behaviors) != 1 {
		t.Fatalf("cache behaviours %v, want /assets/* only", behaviors)
	}
	assets, _ := behaviors[0].(map[string]any)
	if assets["PathPattern"] != "/assets/*" || assets["ViewerProtocolPolicy"] != "https-only" || assets["CachePolicyId"] != cachingOptimized {
		t.Errorf("assets behaviour %v, want /assets/* https-only cached (CachingOptimized)", assets)
	}
	if cc := cacheControl(assets); cc != "public, max-age=31536000, immutable" {
		t.Errorf("assets: Cache-Control %q, want a year, immutable", cc)
	}
	for _, b := range []map[string]any{def, assets} {
		if !reflect.DeepEqual(b["AllowedMethods"], []any{"GET", "HEAD"}) {
			t.Errorf("%v: methods %v, want GET and HEAD", b["PathPattern"], b["AllowedMethods"])
		}
	}
	outputs := tmpl.FindOutputs(jsii.String("DashboardUrl"), nil)
	if out, ok := (*outputs)["DashboardUrl"]; !ok || render(t, plain(t, *out)["Value"]) != render(t, siteOrigin(t, tmpl)) {
		t.Errorf("DashboardUrl output %v, want the distribution's https URL", outputs)
	}
}

// checkSecurityHeaders: every answer of the dashboard carries HSTS, nosniff, DENY framing, a referrer policy, the
// XSS filter and the Content-Security-Policy, overriding the origin.
func checkSecurityHeaders(t *testing.T, id string, p map[string]any) {
	t.Helper()
	sec, _ := p["SecurityHeadersConfig"].(map[string]any)
	hsts, _ := sec["StrictTransportSecurity"].(map[string]any)
	if hsts["AccessControlMaxAgeSec"] != float64(730*24*3600) || hsts["IncludeSubdomains"] != true || hsts["Override"] != true {
		t.Errorf("%s: HSTS %v, want two years with subdomains", id, hsts)
	}
	if fo, _ := sec["FrameOptions"].(map[string]any); fo["FrameOption"] != "DENY" {
		t.Errorf("%s: frame options %v, want DENY", id, fo)
	}
	if cto, _ := sec["ContentTypeOptions"].(map[string]any); cto["Override"] != true {
		t.Errorf("%s: content type options %v, want nosniff", id, cto)
	}
	if rp, _ := sec["ReferrerPolicy"].(map[string]any); rp["ReferrerPolicy"] != "strict-origin-when-cross-origin" {
		t.Errorf("%s: referrer policy %v", id, rp)
	}
	if x, _ := sec["XSSProtection"].(map[string]any); x["Protection"] != true || x["ModeBlock"] != true {
		t.Errorf("%s: XSS protection %v", id, x)
	}
	csp, _ := sec["ContentSecurityPolicy"].(map[string]any)
	want := strings.Join(dashboard.CSPDirectives, "; ") +
		"; connect-src 'self' https://*.execute-api.${AWS::Region}.amazonaws.com wss://*.execute-api.${AWS::Region}.amazonaws.com"
	if got := render(t, csp["ContentSecurityPolicy"]); got != want || csp["Override"] != true {
		t.Error(diff(id+": Content-Security-Policy", got, want))
	}
}

// TestDashboardRewrite runs the distribution's SPA fallback function in Node: page paths get /index.html, files
// (with an extension) are asked for as they are.
func TestDashboardRewrite(t *testing.T) {
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	cases := map[string]string{
		"/": "/index.html", "/messages": "/index.html", "/sessions/ses_1": "/index.html", "/api-keys": "/index.html",
		"/index.html": "/index.html", "/config.json": "/config.json", "/assets/index-abc.js": "/assets/index-abc.js",
		"/assets/gone.css": "/assets/gone.css", "/favicon.svg": "/favicon.svg",
	}
	var uris []string
	for u := range cases {
		uris = append(uris, u)
	}
	script := stack.SiteRewriteCode() + "\nconst uris = " + mustJSON(t, uris) +
		";\nconsole.log(JSON.stringify(uris.map((uri) => handler({ request: { uri } }).uri)));\n"
	out, err := exec.Command(node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	for i, u := range uris {
		if got[i] != cases[u] {
			t.Errorf("rewrite %s = %s, want %s", u, got[i], cases[u])
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var markerPattern = regexp.MustCompile(`<<marker:0x[0-9a-f]+:\d+>>`)

// TestDashboardConfigJSON: the deployment copies the build and writes config.json, whose apiUrl is the HTTP API's
// URL (the ApiUrl output) and whose wsUrl is the live feed's WebSocket stage URL (WAQTOR_WS_URL's value).
func TestDashboardConfigJSON(t *testing.T) {
	tmpl := defaultTemplate(t)
	deployments := resources(t, tmpl, "Custom::CDKBucketDeployment")
	if len(deployments) != 1 {
		t.Fatalf("bucket deployments: %d, want 1", len(deployments))
	}
	var p map[string]any
	for _, r := range deployments {
		p = props(r)
	}
	if !strings.HasPrefix(render(t, p["DestinationBucketName"]), "${DashboardSite") || p["Prune"] != true {
		t.Errorf("deployment to %v prune %v, want the dashboard bucket, pruned", p["DestinationBucketName"], p["Prune"])
	}
	keys, markers := list(p["SourceObjectKeys"]), list(p["SourceMarkers"])
	if len(keys) != 2 || len(markers) != 2 {
		t.Fatalf("sources %v, want the build and config.json", keys)
	}
	outdir := *awscdk.Stage_Of(defaultStack).Outdir()
	asset := func(key any) string {
		return filepath.Join(outdir, "asset."+strings.TrimSuffix(fmt.Sprint(key), ".zip"))
	}
	if _, err := os.Stat(filepath.Join(asset(keys[0]), "assets", "index-1.js")); err != nil {
		t.Errorf("the first source is not the dashboard build: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(asset(keys[1]), "config.json"))
	if err != nil {
		t.Fatalf("the second source has no config.json: %v", err)
	}
	var config map[string]string
	if err := json.Unmarshal(raw, &config); err != nil {
		t.Fatalf("config.json %s: %v", raw, err)
	}
	values, _ := markers[1].(map[string]any)
	resolve := func(s string) string {
		return markerPattern.ReplaceAllStringFunc(s, func(m string) string { return render(t, values[m]) })
	}
	outputs := tmpl.FindOutputs(jsii.String("ApiUrl"), nil)
	apiURL := render(t, plain(t, *(*outputs)["ApiUrl"])["Value"])
	if got := resolve(config["apiUrl"]); got != apiURL {
		t.Error(diff("config.json apiUrl", got, apiURL))
	}
	if got, want := resolve(config["wsUrl"]), render(t, wsURL(t, tmpl)); got != want || len(config) != 2 {
		t.Errorf("config.json %s: wsUrl %s, want %s and apiUrl besides", raw, got, want)
	}
}

// TestDashboardOrigins: CORS and WAQTOR_DASHBOARD_ORIGIN allow the distribution's origin, then Props'; without
// Props.DashboardOrigins, the distribution's alone.
func TestDashboardOrigins(t *testing.T) {
	tmpl := defaultTemplate(t)
	site := render(t, siteOrigin(t, tmpl))
	want := strings.Join(append([]string{site}, testOrigins...), ",")
	for _, f := range wantFunctions {
		_, p := only(t, tmpl, "AWS::Lambda::Function", "FunctionName", prefixed(f.name))
		env, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got := render(t, env["WAQTOR_DASHBOARD_ORIGIN"]); got != want {
			t.Error(diff(f.name+" WAQTOR_DASHBOARD_ORIGIN", got, want))
		}
	}

	alone := synth(t, stack.Props{LambdaAsset: fixtureAsset, DashboardOrigins: []string{}})
	for _, r := range resources(t, alone, "AWS::ApiGatewayV2::Api") {
		if props(r)["ProtocolType"] != "HTTP" {
			continue // the live feed's WebSocket API has no CORS: its socket connects with a ticket
		}
		cors, _ := props(r)["CorsConfiguration"].(map[string]any)
		origins := list(cors["AllowOrigins"])
		if len(origins) != 1 || render(t, origins[0]) != render(t, siteOrigin(t, alone)) {
			t.Errorf("CORS origins without Props.DashboardOrigins: %v, want the distribution's alone", origins)
		}
	}
}

// TestDashboardNotBuilt: without a build, New refuses, saying to run make dashboard.
func TestDashboardNotBuilt(t *testing.T) {
	_, err := stack.New(awscdk.NewApp(nil), "NoDashboard", stack.Props{LambdaAsset: fixtureAsset, DashboardAsset: t.TempDir()})
	if !errors.Is(err, stack.ErrMissingDashboard) || !strings.Contains(err.Error(), "make dashboard") {
		t.Fatalf("New without a dashboard build: %v, want ErrMissingDashboard saying make dashboard", err)
	}
}

// bucketDeploymentID starts the logical IDs of aws-s3-deployment's handler, its role and its policy.
const bucketDeploymentID = "CustomCDKBucketDeployment"

// TestDashboardDeploymentGrants: CDK's deployment handler may read the CDK asset bucket and write the dashboard
// bucket, nothing else; its role has only the managed policy for its logs.
func TestDashboardDeploymentGrants(t *testing.T) {
	tmpl := defaultTemplate(t)
	var bucketID string
	for id := range resources(t, tmpl, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "DashboardSite") {
			bucketID = id
		}
	}
	allowed := map[string]bool{
		"arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}":   true,
		"arn:${AWS::Partition}:s3:::cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}/*": true,
		"${" + bucketID + ".Arn}":   true,
		"${" + bucketID + ".Arn}/*": true,
	}
	statements := 0
	for id, r := range resources(t, tmpl, "AWS::IAM::Policy") {
		if !strings.HasPrefix(id, bucketDeploymentID) {
			continue
		}
		doc, _ := props(r)["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			st, _ := st.(map[string]any)
			statements++
			for _, res := range list(st["Resource"]) {
				s := render(t, resolveSub(res))
				if !allowed[s] {
					t.Errorf("deployment handler: %v on %s; want the asset bucket and the dashboard bucket only", st["Action"], s)
				}
			}
			for _, a := range list(st["Action"]) {
				if !strings.HasPrefix(fmt.Sprint(a), "s3:") {
					t.Errorf("deployment handler: action %v; want S3 only", a)
				}
			}
		}
	}
	if statements == 0 {
		t.Fatal("no policy for the deployment handler")
	}
	for id, r := range resources(t, tmpl, "AWS::IAM::Role") {
		if !strings.HasPrefix(id, bucketDeploymentID) {
			continue
		}
		managed := list(props(r)["ManagedPolicyArns"])
		if len(managed) != 1 || !strings.HasSuffix(render(t, managed[0]), ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole") {
			t.Errorf("deployment handler role %s: managed policies %v, want AWSLambdaBasicExecutionRole alone", id, managed)
		}
	}
}

// resolveSub turns {"Fn::Sub": "a${X}b"} into a Fn::Join of "a", {"Ref": X}, "b", for render.
func resolveSub(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	sub, ok := m["Fn::Sub"].(string)
	if !ok {
		return v
	}
	var parts []any
	for _, p := range regexp.MustCompile(`\$\{[^}]+\}|[^$]+`).FindAllString(sub, -1) {
		if strings.HasPrefix(p, "${") {
			parts = append(parts, map[string]any{"Ref": strings.TrimSuffix(strings.TrimPrefix(p, "${"), "}")})
		} else {
			parts = append(parts, p)
		}
	}
	return map[string]any{"Fn::Join": []any{"", parts}}
}

// originsEnv is got when it renders as the distribution's origin then testOrigins, comma-separated (the value of
// WAQTOR_DASHBOARD_ORIGIN), else that expected string, so an exact comparison of a whole environment reports it.
func originsEnv(t *testing.T, tmpl assertions.Template, got any) any {
	t.Helper()
	want := strings.Join(append([]string{render(t, siteOrigin(t, tmpl))}, testOrigins...), ",")
	if got != nil && render(t, got) == want {
		return got
	}
	return want
}
