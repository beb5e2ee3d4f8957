package e2e_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/waqtor/waqtor/shared/activity"
	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/notification"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
)

// The deployment under test, named as infra/stack names it with the prefix "waqtor-e2e-".
const (
	prefix          = "waqtor-e2e-"
	table           = prefix + "main"
	bus             = prefix + "bus"
	dashboardOrigin = "http://localhost:5173"
	ownerEmail      = "owner@one.example"
	ownerPassword   = "correct horse battery staple"
	// auditBatchSize is the event source mapping's BatchSize (infra/stack consumerBatchSize).
	auditBatchSize = 10
	// eventualDeadline bounds every wait for the asynchronous path (bus -> queue -> audit function -> table).
	eventualDeadline = 20 * time.Second
)

// TestAWSRuntime runs the API and audit Lambda bootstraps, built from functions/, under aws-lambda-rie against
// DynamoDB (minidyn), SQS (local-aws-sqs), and fakes of EventBridge and Secrets Manager, with the environment
// infra/stack gives them. The API serves requests given as API Gateway HTTP API (payload 2.0) events; its
// events travel over the bus and the audit rule to the audit queue, which an event source mapping stand-in
// feeds to the audit function, which writes the activity log that the API then serves. Premium gating is on, as
// the stack sets it: an access code issued with `session-host access-code issue` against the table unlocks reports.
func TestAWSRuntime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	built := make(chan map[string]string, 1)
	go func() { built <- buildFunctions(t, "functions/api", "functions/audit", "session-host") }()

	ddb, sqsEndpoint, sqsClient, eb := startBusWorld(t, ctx)
	sm := awstest.NewSecretsManager(t)
	secretARN := sm.Put(prefix+"token-secret", randomString(t, 64))

	// infra/stack/functions.go: the same environment for every function, plus what Lambda sets itself.
	env := []string{
		"WAQTOR_TABLE=" + table,
		"WAQTOR_EVENT_BUS=" + bus,
		"WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=" + secretARN,
		"WAQTOR_DASHBOARD_ORIGIN=" + dashboardOrigin,
		"WAQTOR_PREMIUM_GATING=on",
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + eb.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + sm.URL,
	}
	bins := awaitBuild(t, ctx, built)
	apiFn := startFunction(t, bins, "api", 10, 256, env,
		// Not in the stack's environment (signup is closed there): open here to create a second tenant.
		"WAQTOR_SIGNUP=open")
	auditFn := startFunction(t, bins, "audit", 30, 128, env)

	// The operator's bootstrap, as deployment.md says: `session-host bootstrap` against the deployed table and bus
	// creates the first tenant, its owner and an owner key, and prints them once.
	boot := exec.CommandContext(ctx, bins["session-host"], "bootstrap")
	boot.Env = append(slices.Clone(env), "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "WAQTOR_LOG_FORMAT=json",
		"WAQTOR_BOOTSTRAP_TENANT=One", "WAQTOR_BOOTSTRAP_EMAIL="+ownerEmail, "WAQTOR_BOOTSTRAP_PASSWORD="+ownerPassword)
	printed, err := boot.Output()
	if err != nil {
		t.Fatalf("session-host bootstrap: %v\n%s", err, printed)
	}
	m := regexp.MustCompile(`API key:\s+(wq_\S+)`).FindSubmatch(printed)
	if m == nil || !strings.Contains(string(printed), ownerEmail) || strings.Contains(string(printed), ownerPassword) {
		t.Fatalf("session-host bootstrap printed:\n%s", printed)
	}
	first := struct{ APIKey, TenantID string }{APIKey: string(m[1])}
	again := exec.CommandContext(ctx, bins["session-host"], "bootstrap")
	again.Env = boot.Env
	if out, err := again.Output(); err != nil || !strings.Contains(string(out), "nothing was created") {
		t.Fatalf("a second bootstrap: %v\n%s", err, out)
	}

	gw := &apiGateway{t: t, fn: apiFn}
	ownerKey := header("X-API-Key", first.APIKey)

	// The owner key authenticates: the API read the key written by the bootstrap.
	var me struct {
		Tenant tenant.Tenant         `json:"tenant"`
		Auth   struct{ Type string } `json:"auth"`
	}
	gw.call(ctx, "GET", "/api/me", ownerKey, "").want(t, http.StatusOK, &me)
	if me.Tenant.Name != "One" || me.Auth.Type != "apiKey" {
		t.Fatalf("GET /api/me with the owner key: tenant %q auth %q, want One apiKey", me.Tenant.Name, me.Auth.Type)
	}
	first.TenantID = me.Tenant.ID

	// Login signs a token with the secret the function read from Secrets Manager at cold start.
	var login struct {
		Token string      `json:"token"`
		User  tenant.User `json:"user"`
	}
	gw.call(ctx, "POST", "/api/auth/login", nil, fmt.Sprintf(`{"email":%q,"password":%q}`, ownerEmail, ownerPassword)).
		want(t, http.StatusOK, &login)
	if login.Token == "" || login.User.TenantID != first.TenantID {
		t.Fatalf("login: token %q user %+v", login.Token, login.User)
	}
	owner := header("Authorization", "Bearer "+login.Token)

	// Premium gating is on, as the stack sets it: reports are locked until the operator's code (issued with the
	// binary against the table, as deployment.md says) is redeemed; a code works once.
	gw.call(ctx, "GET", "/api/reports/messages", ownerKey, "").wantError(t, http.StatusForbidden, "feature_locked")
	issue := exec.CommandContext(ctx, bins["session-host"], "access-code", "issue", "--tenant", first.TenantID, "--feature", "reports", "--ttl", "1h")
	issue.Env = boot.Env
	issued, err := issue.Output()
	if err != nil {
		t.Fatalf("session-host access-code issue: %v\n%s", err, issued)
	}
	code := strings.TrimSpace(strings.SplitN(string(issued), "\n", 2)[0])
	gw.call(ctx, "POST", "/api/plan/redeem", owner, fmt.Sprintf(`{"code":%q}`, code)).want(t, http.StatusOK, nil)
	gw.call(ctx, "GET", "/api/reports/messages", ownerKey, "").want(t, http.StatusOK, nil)
	gw.call(ctx, "POST", "/api/plan/redeem", owner, fmt.Sprintf(`{"code":%q}`, code)).wantError(t, http.StatusConflict, "conflict")

	var created apikey.Created
	gw.call(ctx, "POST", "/api/keys", owner, `{"name":"ci","scopes":["keys:read"]}`).want(t, http.StatusCreated, &created)
	if created.ID == "" || !strings.HasPrefix(created.Plaintext, "wq_") || created.TenantID != first.TenantID {
		t.Fatalf("POST /api/keys: %+v", created.Key)
	}
	newKey := header("X-API-Key", created.Plaintext)
	gw.call(ctx, "GET", "/api/keys/"+created.ID, newKey, "").want(t, http.StatusOK, nil)

	// A second tenant does not see the first one's key.
	var second struct {
		Token  string        `json:"token"`
		Tenant tenant.Tenant `json:"tenant"`
	}
	gw.call(ctx, "POST", "/api/auth/signup",
		nil, `{"tenantName":"Two","email":"owner@two.example","name":"Two","password":"another long password"}`).
		want(t, http.StatusCreated, &second)
	if second.Tenant.ID == "" || second.Tenant.ID == first.TenantID {
		t.Fatalf("signup: tenant %q (first tenant %q)", second.Tenant.ID, first.TenantID)
	}
	other := header("Authorization", "Bearer "+second.Token)
	gw.call(ctx, "GET", "/api/keys/"+created.ID, other, "").wantError(t, http.StatusNotFound, "not_found")

	// Branding is per tenant in DynamoDB: the first tenant's change is not the second's.
	var brand struct{ AppName, LogoText string }
	gw.call(ctx, "PUT", "/api/tenant/branding", owner, `{"appName":"One Support","logoText":"One","showLogoText":true}`).
		want(t, http.StatusOK, &brand)
	gw.call(ctx, "GET", "/api/tenant/branding", owner, "").want(t, http.StatusOK, &brand)
	if brand.AppName != "One Support" || brand.LogoText != "One" {
		t.Fatalf("GET /api/tenant/branding after PUT: %+v", brand)
	}
	gw.call(ctx, "GET", "/api/tenant/branding", other, "").want(t, http.StatusOK, &brand)
	if brand.AppName != "WaQtor" {
		t.Fatalf("the second tenant's branding is %+v, want the default", brand)
	}

	// The per-account lockout counts failures in DynamoDB: after 5 wrong passwords even the right one is refused.
	for i := range 5 {
		r := gw.call(ctx, "POST", "/api/auth/login", nil, fmt.Sprintf(`{"email":"owner@two.example","password":"wrong-guess-%d"}`, i))
		if i < 4 {
			r.wantError(t, http.StatusUnauthorized, "unauthorized")
		} else {
			r.wantError(t, http.StatusTooManyRequests, "account_locked")
		}
	}
	locked := gw.call(ctx, "POST", "/api/auth/login", nil, `{"email":"owner@two.example","password":"another long password"}`)
	locked.wantError(t, http.StatusTooManyRequests, "account_locked")
	if ra := locked.headers["retry-after"]; ra == "" {
		t.Errorf("account_locked without Retry-After: %v", locked.headers)
	}

	// Revoking takes effect at once.
	var revoked apikey.Key
	gw.call(ctx, "DELETE", "/api/keys/"+created.ID, owner, "").want(t, http.StatusOK, &revoked)
	if revoked.ID != created.ID || revoked.RevokedAt == nil {
		t.Fatalf("DELETE /api/keys/%s: %+v", created.ID, revoked)
	}
	gw.call(ctx, "GET", "/api/me", newKey, "").wantError(t, http.StatusUnauthorized, "unauthorized")

	gw.call(ctx, "POST", "/api/keys", owner, `{"name":`).wantError(t, http.StatusBadRequest, "bad_request")

	if reads := sm.Reads(); !slices.Equal(reads, []string{secretARN}) {
		t.Errorf("Secrets Manager reads %q, want one read of %q (at the API function's cold start)", reads, secretARN)
	}
	// The API's events come from waqtor.api; the lockout's notifications (one per user it is for: the owner) from
	// the notification center the API runs.
	entries := eb.Entries()
	paused := 0
	for _, e := range entries {
		want := "waqtor.api"
		if e.DetailType == event.NotificationCreated {
			want = notification.Source
			paused++
		}
		if e.EventBusName != bus || e.Source != want {
			t.Errorf("event %s %s on bus %q from %q, want bus %q from %s", e.EventID, e.DetailType, e.EventBusName, e.Source, bus, want)
		}
	}
	if paused != 1 {
		t.Errorf("%d notification.created events, want 1: the sign-in pause, to the locked owner", paused)
	}

	// Two records the audit function must fail: a body that is no bus event, and an event the handler refuses.
	auditURL := queueURL(t, sqsClient, "audit")
	poison := map[string]string{
		sendMessage(t, sqsClient, auditURL, "this is not a bus event"): "not JSON",
		sendMessage(t, sqsClient, auditURL, `{"version":"0","id":"x","detail-type":"apikey.created","source":"waqtor.api",`+
			`"account":"123456789012","time":"2026-01-01T00:00:00Z","region":"us-east-1","resources":[],`+
			`"detail":{"type":"apikey.created","version":1,"data":{}}}`): "no tenant",
	}

	poller := awstest.PollSQS(t, ctx, sqsClient, auditURL, auditFn, auditBatchSize)

	// The activity log shows the key's creation and revocation and the login, each once.
	ownerID := login.User.ID
	want := map[string]func(activity.Entry) bool{
		event.APIKeyCreated: func(e activity.Entry) bool { return keyID(e) == created.ID && e.ActorID == ownerID },
		event.APIKeyRevoked: func(e activity.Entry) bool { return keyID(e) == created.ID && e.ActorID == ownerID },
		event.UserLoggedIn:  func(e activity.Entry) bool { return e.ActorID == ownerID },
	}
	var log1 []activity.Entry
	testkit.UntilWhy(t, eventualDeadline, "activity of "+strings.Join(slices.Sorted(maps.Keys(want)), ", "), func() (bool, string) {
		var page struct{ Data []activity.Entry }
		gw.call(ctx, "GET", "/api/activity?limit=100", owner, "").want(t, http.StatusOK, &page)
		log1 = page.Data
		for typ, match := range want {
			if !slices.ContainsFunc(log1, func(e activity.Entry) bool { return e.Type == typ && match(e) }) {
				return false, fmt.Sprintf("no %s yet in %s; audit batches %+v", typ, typesOf(log1), poller.Batches())
			}
		}
		return true, ""
	})
	seen := map[string]bool{}
	for _, e := range log1 {
		if seen[e.ID] || e.TenantID != first.TenantID {
			t.Errorf("activity entry %+v: duplicate or of another tenant", e)
		}
		seen[e.ID] = true
	}
	var log2 struct{ Data []activity.Entry }
	gw.call(ctx, "GET", "/api/activity?limit=100", other, "").want(t, http.StatusOK, &log2)
	for _, e := range log2.Data {
		if e.TenantID != second.Tenant.ID {
			t.Errorf("second tenant's activity shows %+v", e)
		}
	}

	// Every event put on the bus is consumed and deleted; the poison records are reported in batchItemFailures
	// and stay in the queue.
	testkit.UntilWhy(t, eventualDeadline, "the audit queue drained but for the poison records", func() (bool, string) {
		failed, deleted := map[string]bool{}, map[string]int{}
		for _, b := range poller.Batches() {
			if b.Err != nil {
				t.Fatalf("audit invocation failed: %v", b.Err)
			}
			for _, id := range b.Failed {
				failed[id] = true
			}
			for _, id := range b.Deleted {
				deleted[id]++
			}
		}
		for id, why := range poison {
			if deleted[id] > 0 {
				t.Fatalf("poison record %s (%s) was deleted", id, why)
			}
			if !failed[id] {
				return false, fmt.Sprintf("poison record %s (%s) not failed yet", id, why)
			}
		}
		if len(failed) != len(poison) {
			t.Fatalf("failed records %v, want only the poison records %v", failed, poison)
		}
		if audited := routedTo(t, eb, "audit"); len(deleted) != audited {
			return false, fmt.Sprintf("%d records deleted, %d events of the audit route put on the bus", len(deleted), audited)
		}
		return true, ""
	})
	poller.Stop()
	// Only the poison records are left, in flight until their visibility timeout ends. (The emulator's
	// ApproximateNumberOfMessages counts in-flight messages too, so check that nothing is visible by receiving.)
	if n := inFlight(t, sqsClient, auditURL); n != len(poison) {
		t.Errorf("audit queue has %d messages in flight, want the %d poison records", n, len(poison))
	}
	out, err := sqsClient.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: aws.String(auditURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatalf("receive from the audit queue: %v", err)
	}
	if len(out.Messages) > 0 {
		t.Errorf("audit queue: %d visible messages, want none", len(out.Messages))
	}
}

// buildFunctions returns the binaries of the named packages (functions/<name>, session-host), which TestMain built
// before any test started. It may run in its own goroutine, so it reports a missing one with Errorf and returns nil.
func buildFunctions(t *testing.T, names ...string) map[string]string {
	bins := map[string]string{}
	for _, n := range names {
		bin, ok := prebuilt[filepath.Base(n)]
		if !ok {
			t.Errorf("%s is not among the packages TestMain builds (functionPackages)", n)
			return nil
		}
		bins[filepath.Base(n)] = bin
	}
	return bins
}

// apiGateway invokes the API function as API Gateway does for the stack's HTTP API: payload format 2.0, the
// "ANY /{proxy+}" route, the $default stage.
type apiGateway struct {
	t  *testing.T
	fn *awstest.LambdaFn
	n  int
	// handler, when set instead of fn, is the API served in the test process (awsapp.App.API).
	handler http.Handler
}

type apiResponse struct {
	method, path string
	status       int
	headers      map[string]string
	body         []byte
}

func header(k, v string) map[string]string { return map[string]string{k: v} }

func (g *apiGateway) call(ctx context.Context, method, target string, headers map[string]string, body string) apiResponse {
	g.t.Helper()
	g.n++
	if g.handler != nil {
		return g.serve(ctx, method, target, headers, body)
	}
	path, query, _ := strings.Cut(target, "?")
	h := map[string]string{"host": "api.example.com", "user-agent": "waqtor-e2e", "accept": "application/json"}
	if body != "" {
		h["content-type"] = "application/json"
	}
	for k, v := range headers {
		h[strings.ToLower(k)] = v
	}
	now := time.Now()
	req := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "ANY /{proxy+}",
		RawPath:        path,
		RawQueryString: query,
		Headers:        h,
		PathParameters: map[string]string{"proxy": strings.TrimPrefix(path, "/")},
		Body:           body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "ANY /{proxy+}", AccountID: awstest.Account, Stage: "$default", APIID: "e2eapi",
			RequestID: "req-" + strconv.Itoa(g.n), DomainName: "api.example.com", DomainPrefix: "api",
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1",
				SourceIP: "203.0.113.7", UserAgent: "waqtor-e2e"},
		},
	}
	if query != "" {
		req.QueryStringParameters = map[string]string{}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			req.QueryStringParameters[k] = v
		}
	}
	var res events.APIGatewayV2HTTPResponse
	if err := g.fn.InvokeJSON(ctx, req, &res); err != nil {
		g.t.Fatalf("%s %s: %v", method, target, err)
	}
	out := []byte(res.Body)
	if res.IsBase64Encoded {
		var err error
		if out, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
			g.t.Fatalf("%s %s: base64 body: %v", method, target, err)
		}
	}
	headersOut := map[string]string{}
	for k, v := range res.Headers {
		headersOut[strings.ToLower(k)] = v
	}
	return apiResponse{method: method, path: target, status: res.StatusCode, headers: headersOut, body: out}
}

// serve calls the in-process API.
func (g *apiGateway) serve(ctx context.Context, method, target string, headers map[string]string, body string) apiResponse {
	req := httptest.NewRequestWithContext(ctx, method, "http://api.example.com"+target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	g.handler.ServeHTTP(rec, req)
	headersOut := map[string]string{}
	for k := range rec.Header() {
		headersOut[strings.ToLower(k)] = rec.Header().Get(k)
	}
	return apiResponse{method: method, path: target, status: rec.Code, headers: headersOut, body: rec.Body.Bytes()}
}

// want checks the status and decodes the JSON body into v (if v is not nil).
func (r apiResponse) want(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s %s: body %s: %v", r.method, r.path, r.body, err)
		}
	}
}

// wantError checks an error answer: the status, a JSON body, and the error code.
func (r apiResponse) wantError(t *testing.T, status int, code string) {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.want(t, status, &e)
	if ct := r.headers["content-type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want application/json", r.method, r.path, ct)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s %s: error %+v, want code %q with a message", r.method, r.path, e.Error, code)
	}
}

// sendToQueue is the rule target of every route: it sends the event to the SQS queue prefix+target.
func sendToQueue(t *testing.T, client *awssqs.Client) func(target string, body []byte) {
	var mu sync.Mutex
	urls := map[string]string{}
	return func(target string, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		url, ok := urls[target]
		if !ok {
			url = queueURL(t, client, target)
			urls[target] = url
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := client.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(body))}); err != nil {
			t.Errorf("deliver to queue %s: %v", target, err)
		}
	}
}

func queueURL(t *testing.T, client *awssqs.Client, name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := client.GetQueueUrl(ctx, &awssqs.GetQueueUrlInput{QueueName: aws.String(prefix + name)})
	if err != nil {
		t.Errorf("queue %s: %v", prefix+name, err)
		return ""
	}
	return aws.ToString(out.QueueUrl)
}

func sendMessage(t *testing.T, client *awssqs.Client, url, body string) (messageID string) {
	t.Helper()
	out, err := client.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body)})
	if err != nil {
		t.Fatalf("send to %s: %v", url, err)
	}
	return aws.ToString(out.MessageId)
}

// inFlight is the number of messages received from the queue and neither deleted nor visible again.
func inFlight(t *testing.T, client *awssqs.Client, url string) int {
	t.Helper()
	name := sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible
	out, err := client.GetQueueAttributes(context.Background(), &awssqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{name}})
	if err != nil {
		t.Fatalf("attributes of %s: %v", url, err)
	}
	n, err := strconv.Atoi(out.Attributes[string(name)])
	if err != nil {
		t.Fatalf("attribute %s of %s: %q", name, url, out.Attributes[string(name)])
	}
	return n
}

func keyID(e activity.Entry) string {
	var d apikey.KeyEvent
	json.Unmarshal(e.Data, &d)
	return d.KeyID
}

func typesOf(entries []activity.Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Type)
	}
	return out
}

func randomString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// awaitBuild waits for buildFunctions, which runs beside the emulators' start-up.
func awaitBuild(t *testing.T, ctx context.Context, built <-chan map[string]string) map[string]string {
	t.Helper()
	select {
	case bins := <-built:
		if bins == nil {
			t.FailNow()
		}
		return bins
	case <-ctx.Done():
		t.Fatal("building the functions took too long")
	}
	return nil
}

// startFunction runs the named function under aws-lambda-rie with the environment Lambda gives it (name, timeout,
// memory, as the stack declares them) on top of env and extra.
func startFunction(t *testing.T, bins map[string]string, name string, timeoutS, memoryMB int, env []string, extra ...string) *awstest.LambdaFn {
	t.Helper()
	return awstest.Lambda(t, bins[name], append(append(slices.Clone(env),
		"AWS_LAMBDA_FUNCTION_NAME="+prefix+name, fmt.Sprintf("AWS_LAMBDA_FUNCTION_TIMEOUT=%d", timeoutS),
		fmt.Sprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", memoryMB)), extra...))
}

// startBusWorld starts what the functions' tests share: DynamoDB (minidyn) with the table, SQS with every queue of
// the catalog, and the EventBridge fake whose rules (routing.Table) target the queue prefix+target, as the stack's
// rules do.
func startBusWorld(t *testing.T, ctx context.Context) (*dynamodb.Client, string, *awssqs.Client, *awstest.EventBridge) {
	t.Helper()
	ddb := awstest.DynamoDB(t)
	if err := dynamo.CreateTable(ctx, ddb, table); err != nil {
		t.Fatal(err)
	}
	sqsEndpoint := awstest.SQSEndpoint(t)
	sqsClient := awstest.SQSClient(sqsEndpoint)
	if err := sqs.EnsureQueues(ctx, sqsClient, prefix, queue.Catalog); err != nil {
		t.Fatal(err)
	}
	return ddb, sqsEndpoint, sqsClient, awstest.NewEventBridge(t, routing.Table, sendToQueue(t, sqsClient), awstest.EventBridgeBuses(bus))
}
