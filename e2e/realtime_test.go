package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/waqtor/waqtor/shared/apikey"
	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbridge"
	"github.com/waqtor/waqtor/shared/tenant"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wsgateway"
)

// wsStage is the WebSocket API's stage (infra/stack/ws.go).
const wsStage = "live"

// TestAWSRealtime runs the live feed's four functions (ws-connect, ws-disconnect, ws-default, ws-push) and the API
// function, built from functions/, under aws-lambda-rie against DynamoDB (minidyn), SQS (local-aws-sqs), the
// EventBridge fake routing with routing.Table, and the Management API fake, with the environment infra/stack gives
// them. The WebSocket routes are invoked with the API Gateway WebSocket events API Gateway would send; events put
// on the bus reach ws-push through the realtime rule's queue, and every frame a client would receive is what the
// functions posted to the Management API fake.
func TestAWSRealtime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	w := startLiveWorld(t, ctx)
	mgmt, ws, gw, sqsClient, eb, pushFn := w.mgmt, w.ws, w.gw, w.sqs, w.eb, w.push
	conns := dynamo.NewConnectionStore(w.ddb, table)

	// Two tenants, each with an API key: tenant one's reads sessions and messages but may not see QR codes
	// (no sessions:write); tenant two's may.
	keyOf := func(name, email, scopes string) (string, string) {
		owner := gw.signup(ctx, name, email)
		var created apikey.Created
		gw.call(ctx, "POST", "/api/keys", owner.auth(),
			`{"name":"live","scopes":`+scopes+`}`).want(t, http.StatusCreated, &created)
		return owner.Tenant.ID, created.Plaintext
	}
	tenantOne, keyOne := keyOf("One", "owner@one.example", `["sessions:read","messages:read"]`)
	tenantTwo, keyTwo := keyOf("Two", "owner@two.example", `["sessions:read","sessions:write","messages:read"]`)
	ticket := func(key string) string { return w.ticket(ctx, header("X-API-Key", key)) }

	// A bad, then a reused ticket are refused at $connect, and nothing is stored.
	if status, body := ws.open(ctx, "bad=", "rtk_"+strings.Repeat("A", 43)); status != http.StatusUnauthorized || !strings.Contains(body, `"unauthorized"`) {
		t.Errorf("$connect with a bad ticket: %d %s, want 401 unauthorized", status, body)
	}
	one := ticket(keyOne)
	if status, body := ws.open(ctx, "one=", one); status != http.StatusOK {
		t.Fatalf("$connect: %d %s", status, body)
	}
	if status, _ := ws.open(ctx, "reused=", one); status != http.StatusUnauthorized {
		t.Errorf("$connect with a used ticket: %d, want 401", status)
	}
	for _, id := range []string{"bad=", "reused="} {
		if _, err := conns.GetConnection(ctx, id); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
			t.Errorf("refused connection %s was stored: %v", id, err)
		}
	}
	if status, _ := ws.open(ctx, "two=", ticket(keyTwo)); status != http.StatusOK {
		t.Fatal("$connect of tenant two")
	}
	if status, _ := ws.open(ctx, "gone=", ticket(keyTwo)); status != http.StatusOK {
		t.Fatal("$connect of a third connection")
	}
	ws.send(ctx, "one=", `{"type":"subscribe","ref":"s","topics":["status","messages"]}`)
	ws.send(ctx, "one=", `{"type":"subscribe","ref":"c","topics":["campaigns"]}`)
	ws.send(ctx, "two=", `{"type":"subscribe","ref":"s","topics":["status","messages"]}`)
	ws.send(ctx, "gone=", `{"type":"subscribe","ref":"s","topics":["messages"]}`)
	ws.send(ctx, "one=", `{"type":"ping","ref":"p","ts":7}`)
	if got := ws.summary("one="); strings.Join(got, " ") != "ack:s error:forbidden_topic:c pong:p" {
		t.Errorf("tenant one's answers %v", got)
	}
	mgmt.Drop("gone=") // its client went away without a $disconnect

	poller := awstest.PollSQS(t, ctx, sqsClient, queueURL(t, sqsClient, "realtime-push"), pushFn, 10)
	pub, err := eventbridge.New(eb.Client(), eventbridge.Config{BusName: bus})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(tenantID, typ string, data any) event.Envelope {
		t.Helper()
		e, err := event.New("waqtor.session-host", typ, tenantID, time.Now(), data)
		if err != nil {
			t.Fatal(err)
		}
		e.SessionID = "ses_e2e"
		if err := pub.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	inOne := publish(tenantOne, event.MessageReceived, map[string]any{"body": "for one"})
	qrOne := publish(tenantOne, event.SessionQR, map[string]any{"qr": "2@one"})
	cmpOne := publish(tenantOne, event.CampaignProgress, map[string]any{"campaignId": "cmp_1", "sent": 1})
	inTwo := publish(tenantTwo, event.MessageReceived, map[string]any{"body": "for two"})
	qrTwo := publish(tenantTwo, event.SessionQR, map[string]any{"qr": "2@two"})
	publish(tenantTwo, event.APIKeyCreated, map[string]any{"keyId": "key_x"}) // not on the feed: not routed to ws-push

	// Every event on the feed is pushed once and deleted from the queue.
	testkit.UntilWhy(t, eventualDeadline, "ws-push consumed the five feed events", func() (bool, string) {
		deleted := 0
		for _, b := range poller.Batches() {
			if b.Err != nil || len(b.Failed) > 0 {
				t.Fatalf("ws-push batch failed: %v %v", b.Err, b.Failed)
			}
			deleted += len(b.Deleted)
		}
		return deleted == 5, fmt.Sprintf("%d records deleted", deleted)
	})
	if got, want := ws.summary("one="), []string{"ack:s", "error:forbidden_topic:c", "pong:p", "event:" + inOne.ID}; !slices.Equal(got, want) {
		t.Errorf("tenant one's frames %v, want %v (not %s: its key lacks sessions:write; not %s: it lacks campaigns:read; "+
			"nothing of tenant two)", got, want, qrOne.ID, cmpOne.ID)
	}
	// Standard queues do not keep order: compare tenant two's event frames as a set.
	if got, want := sortedTail(ws.summary("two="), 1), []string{"ack:s", "event:" + inTwo.ID, "event:" + qrTwo.ID}; !slices.Equal(got, sortedTail(want, 1)) {
		t.Errorf("tenant two's frames %v, want %v", got, want)
	}
	var frame struct {
		Type, Topic, Event, ID, SessionID string
		Data                              map[string]any
	}
	for _, b := range mgmt.Frames("two=") {
		if strings.Contains(string(b), inTwo.ID) {
			json.Unmarshal(b, &frame)
		}
	}
	if frame.Topic != "messages" || frame.Event != event.MessageReceived || frame.SessionID != "ses_e2e" || frame.Data["body"] != "for two" {
		t.Errorf("event frame %+v", frame)
	}
	// The connection that answered 410 was removed.
	if _, err := conns.GetConnection(ctx, "gone="); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("gone connection still stored: %v", err)
	}
	if c, _ := conns.TenantConnections(ctx, tenantTwo); len(c) != 1 || c[0].ID != "two=" {
		t.Errorf("tenant two's connections %+v, want only two=", c)
	}

	// Resume after a dropped connection: what was published meanwhile comes after the ack; an unknown lastId
	// gets resync.
	mgmt.Drop("one=")
	missed := publish(tenantOne, event.MessageSent, map[string]any{"body": "while away"})
	testkit.UntilWhy(t, eventualDeadline, "the dropped connection removed by ws-push", func() (bool, string) {
		_, err := conns.GetConnection(ctx, "one=")
		return errors.Is(err, wsgateway.ErrConnectionNotFound), fmt.Sprint(err)
	})
	if status, _ := ws.open(ctx, "one-again=", ticket(keyOne)); status != http.StatusOK {
		t.Fatal("reconnect")
	}
	ws.send(ctx, "one-again=", `{"type":"subscribe","ref":"r","topics":["messages"],"lastId":"`+inOne.ID+`"}`)
	if got, want := ws.summary("one-again="), []string{"ack:r", "event:" + missed.ID}; !slices.Equal(got, want) {
		t.Errorf("resumed frames %v, want %v", got, want)
	}
	if status, _ := ws.open(ctx, "lost=", ticket(keyOne)); status != http.StatusOK {
		t.Fatal("connect")
	}
	ws.send(ctx, "lost=", `{"type":"subscribe","ref":"r","topics":["messages"],"lastId":"evt_01KBZZZZZZZZZZZZZZZZZZZZZZ"}`)
	if got := ws.summary("lost="); strings.Join(got, " ") != "ack:r resync" {
		t.Errorf("resume from an unknown id: %v, want ack then resync", got)
	}

	// $disconnect forgets the connection.
	ws.close(ctx, "two=")
	if _, err := conns.GetConnection(ctx, "two="); !errors.Is(err, wsgateway.ErrConnectionNotFound) {
		t.Errorf("after $disconnect: %v", err)
	}
}

// liveWorld is the live feed's deployment on the emulators, as TestAWSRealtime and TestAWSBanReachesTheBell run
// it: the bus world (startBusWorld), Secrets Manager with the token secret, the Management API fake, and under
// aws-lambda-rie the API function (signup open), the WebSocket API's route functions and ws-push, each with the
// environment infra/stack gives it. Nothing consumes the realtime-push queue until the test polls it into push.
type liveWorld struct {
	ddb  *dynamodb.Client
	sqs  *awssqs.Client
	eb   *awstest.EventBridge
	mgmt *awstest.ManagementAPI
	// env is the functions' common environment, to start more functions with (startFunction).
	env  []string
	bins map[string]string
	gw   *apiGateway
	ws   *wsGateway
	push *awstest.LambdaFn
}

// startLiveWorld starts the live feed's deployment; more names further packages to have built (functions/…),
// in w.bins.
func startLiveWorld(t *testing.T, ctx context.Context, more ...string) *liveWorld {
	t.Helper()
	built := make(chan map[string]string, 1)
	go func() {
		built <- buildFunctions(t, append([]string{"functions/api", "functions/ws-connect", "functions/ws-disconnect",
			"functions/ws-default", "functions/ws-push"}, more...)...)
	}()
	w := &liveWorld{}
	var sqsEndpoint string
	w.ddb, sqsEndpoint, w.sqs, w.eb = startBusWorld(t, ctx)
	sm := awstest.NewSecretsManager(t)
	secretARN := sm.Put(prefix+"token-secret", randomString(t, 64))
	w.mgmt = awstest.NewManagementAPI(t, wsStage)
	w.env = []string{
		"WAQTOR_TABLE=" + table,
		"WAQTOR_EVENT_BUS=" + bus,
		"WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=" + secretARN,
		"WAQTOR_DASHBOARD_ORIGIN=" + dashboardOrigin,
		"WAQTOR_WS_URL=" + w.mgmt.WSURL,
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(w.ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + w.eb.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + sm.URL,
	}
	w.bins = awaitBuild(t, ctx, built)
	w.gw = &apiGateway{t: t, fn: startFunction(t, w.bins, "api", 25, 256, w.env, "WAQTOR_SIGNUP=open")}
	w.ws = &wsGateway{t: t, mgmt: w.mgmt,
		connect:    startFunction(t, w.bins, "ws-connect", 5, 128, w.env),
		disconnect: startFunction(t, w.bins, "ws-disconnect", 5, 128, w.env),
		dflt:       startFunction(t, w.bins, "ws-default", 10, 128, w.env)}
	w.push = startFunction(t, w.bins, "ws-push", 10, 256, w.env)
	return w
}

// ticket asks the API for a WebSocket ticket with the credential in h, and checks that its url is the WebSocket
// API's.
func (w *liveWorld) ticket(ctx context.Context, h map[string]string) string {
	w.gw.t.Helper()
	var tk struct{ Ticket, URL, ExpiresAt string }
	w.gw.call(ctx, "POST", "/api/realtime/ticket", h, "").want(w.gw.t, http.StatusCreated, &tk)
	if tk.URL != w.mgmt.WSURL+"?ticket="+tk.Ticket {
		w.gw.t.Fatalf("ticket url %q, want the WebSocket API's URL %s?ticket=…", tk.URL, w.mgmt.WSURL)
	}
	return tk.Ticket
}

// signedIn is a dashboard login: the answer of signup and login.
type signedIn struct {
	Token  string        `json:"token"`
	User   tenant.User   `json:"user"`
	Tenant tenant.Tenant `json:"tenant"`
}

// auth is the login's Authorization header.
func (s signedIn) auth() map[string]string { return header("Authorization", "Bearer "+s.Token) }

// signup creates a tenant named name whose owner is email, through POST /api/auth/signup (open).
func (g *apiGateway) signup(ctx context.Context, name, email string) signedIn {
	g.t.Helper()
	var s signedIn
	g.call(ctx, "POST", "/api/auth/signup", nil, fmt.Sprintf(`{"tenantName":%q,"email":%q,"name":"Owner","password":"a long enough password"}`,
		name, email)).want(g.t, http.StatusCreated, &s)
	return s
}

// wsGateway invokes the WebSocket API's functions as API Gateway does for the stack's routes, and registers
// each accepted connection with the Management API fake (API Gateway does once $connect answers 200).
type wsGateway struct {
	t                   *testing.T
	mgmt                *awstest.ManagementAPI
	connect, disconnect *awstest.LambdaFn
	dflt                *awstest.LambdaFn
	mu                  sync.Mutex
	n                   int
}

func (g *wsGateway) request(routeKey, eventType, conn string) events.APIGatewayWebsocketProxyRequest {
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	now := time.Now()
	return events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey: routeKey, EventType: eventType, ConnectionID: conn, Stage: wsStage, APIID: "e2ews",
			DomainName: "e2ews.execute-api.us-east-1.amazonaws.com", RequestID: fmt.Sprintf("ws-%d", n),
			ExtendedRequestID: fmt.Sprintf("ws-%d", n), MessageDirection: "IN", ConnectedAt: now.UnixMilli(),
			RequestTime: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), RequestTimeEpoch: now.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{SourceIP: "203.0.113.7", UserAgent: "waqtor-e2e"},
		},
		IsBase64Encoded: false,
	}
}

// open is $connect with ?ticket=; on 200 the connection is open on the fake.
func (g *wsGateway) open(ctx context.Context, conn, ticket string) (int, string) {
	g.t.Helper()
	req := g.request("$connect", "CONNECT", conn)
	req.Headers = map[string]string{"Host": "e2ews.execute-api.us-east-1.amazonaws.com", "Sec-WebSocket-Version": "13"}
	req.QueryStringParameters = map[string]string{"ticket": ticket}
	var res events.APIGatewayProxyResponse
	if err := g.connect.InvokeJSON(ctx, req, &res); err != nil {
		g.t.Fatalf("$connect %s: %v", conn, err)
	}
	if res.StatusCode == http.StatusOK {
		g.mgmt.Open(conn)
	}
	return res.StatusCode, res.Body
}

// send is one client frame on $default.
func (g *wsGateway) send(ctx context.Context, conn, body string) {
	g.t.Helper()
	req := g.request("$default", "MESSAGE", conn)
	req.Body = body
	var res events.APIGatewayProxyResponse
	if err := g.dflt.InvokeJSON(ctx, req, &res); err != nil || res.StatusCode != http.StatusOK {
		g.t.Fatalf("$default %s %s: %d %v", conn, body, res.StatusCode, err)
	}
}

// close is the client closing: $disconnect.
func (g *wsGateway) close(ctx context.Context, conn string) {
	g.t.Helper()
	g.mgmt.Drop(conn)
	req := g.request("$disconnect", "DISCONNECT", conn)
	req.RequestContext.DisconnectStatusCode = 1000
	var res events.APIGatewayProxyResponse
	if err := g.disconnect.InvokeJSON(ctx, req, &res); err != nil || res.StatusCode != http.StatusOK {
		g.t.Fatalf("$disconnect %s: %d %v", conn, res.StatusCode, err)
	}
}

// summary lists the frames posted to conn: "event:<id>", "error:<code>:<ref>", "resync", or "<type>:<ref>".
func (g *wsGateway) summary(conn string) []string {
	var out []string
	for _, b := range g.mgmt.Frames(conn) {
		var f struct{ Type, Ref, Code, ID string }
		if err := json.Unmarshal(b, &f); err != nil {
			g.t.Fatalf("frame to %s: %s: %v", conn, b, err)
		}
		switch f.Type {
		case "event":
			out = append(out, "event:"+f.ID)
		case "error":
			out = append(out, "error:"+f.Code+":"+f.Ref)
		case "resync":
			out = append(out, "resync")
		default:
			out = append(out, f.Type+":"+f.Ref)
		}
	}
	return out
}

// sortedTail sorts s after its first n elements.
func sortedTail(s []string, n int) []string {
	s = slices.Clone(s)
	if len(s) > n {
		slices.Sort(s[n:])
	}
	return s
}
