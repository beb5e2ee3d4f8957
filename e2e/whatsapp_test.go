package e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look into the device store

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/dynamo"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/awshost"
	"github.com/waqtor/waqtor/shared/sqs"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

// Phone numbers of the fake WhatsApp: the account the session links to, and a contact it writes to.
const (
	accountPhone = "15550000100"
	contactPhone = "15550000200"
	mediaBucket  = prefix + "media"
)

// TestAWSWhatsApp runs the WhatsApp path of the AWS runtime end to end: the API function (built from
// functions/api, under aws-lambda-rie) takes the requests as API Gateway gives them, and the session host runs as
// the ECS task runs it (awshost.Run with the task's environment), here in the test process because the fake
// WhatsApp (wasim) installs its certificate authority into this process's whatsmeow. Around them: DynamoDB
// (minidyn), SQS with every queue of the catalog (local-aws-sqs), the EventBridge and Secrets Manager fakes, S3
// (gofakes3, over TLS) for the media bucket, and a PostgreSQL that accepts TLS connections only for the device store,
// its credentials given as the stack's ECS secrets give them (the WAQTOR_DEVICE_DB_* variables, from the RDS-style
// secret's fields; TestAWSSessionLease covers the other way, WAQTOR_DEVICE_DB_SECRET). A session is paired by QR code, sends a text and an image to a contact and gets
// an answer; the host then restarts and resumes the session from Postgres without a QR code.
func TestAWSWhatsApp(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	built := make(chan map[string]string, 1)
	go func() { built <- buildFunctions(t, "functions/api") }()

	w := startHostWorld(t, ctx)
	pgDSN, ddb, sqsEndpoint, eb, s3Fake := w.pgDSN, w.ddb, w.sqsEndpoint, w.eb, w.s3
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("events on the bus:\n%s", detailsOf(eb.Entries()))
		}
	})
	sm := awstest.NewSecretsManager(t)
	tokenARN := sm.Put(prefix+"token-secret", randomString(t, 64))
	deviceDBSecret := rdsSecret(t, pgDSN)
	deviceDBARN := sm.Put(prefix+"device-db", deviceDBSecret)
	wa := wasim.New(t)
	account, contact := wa.Phone(accountPhone), wa.Phone(contactPhone)

	// infra/stack: runtimeEnv for the API function and the host, and the host's own on top.
	env := []string{
		"WAQTOR_TABLE=" + table,
		"WAQTOR_EVENT_BUS=" + bus,
		"WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=" + tokenARN,
		"WAQTOR_DASHBOARD_ORIGIN=" + dashboardOrigin,
		"WAQTOR_MEDIA_BUCKET=" + mediaBucket,
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(ddb.Options().BaseEndpoint),
		"AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + eb.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER=" + sm.URL,
		"AWS_ENDPOINT_URL_S3=" + s3Fake.URL,
		"AWS_CA_BUNDLE=" + s3Fake.CABundle, // the S3 fake is over TLS, the other emulators are plain HTTP
	}
	hostEnv := append(append(slices.Clone(env), ecsSecrets(t, deviceDBSecret)...),
		"WAQTOR_ADDR=127.0.0.1:0",
		"WAQTOR_SHUTDOWN_TIMEOUT=100s", // hostShutdownTimeout
		"WAQTOR_LOG_FORMAT=json",
		// Postgres holds the devices: nothing may be written here.
		"WAQTOR_DATA_DIR="+t.TempDir(),
		// What ECS gives the task (credentials come from the task role there).
		"AWS_REGION="+awstest.Region, "AWS_DEFAULT_REGION="+awstest.Region,
		"AWS_ACCESS_KEY_ID="+awstest.AccessKey, "AWS_SECRET_ACCESS_KEY="+awstest.SecretKey,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
	for _, kv := range hostEnv {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	hostLog := &testkit.Buffer{}
	log := slog.New(slog.NewJSONHandler(hostLog, nil))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("session host log:\n%s", hostLog.String())
		}
	})

	// The operator's bootstrap (session-host bootstrap) with a chosen owner key.
	ownerKey := "wq_live_" + randomString(t, 40)
	bootCfg := cfg
	bootCfg.BootstrapTenant, bootCfg.BootstrapEmail, bootCfg.BootstrapPassword, bootCfg.BootstrapAPIKey = "One", ownerEmail, ownerPassword, ownerKey
	if err := awsapp.Bootstrap(ctx, bootCfg, log, io.Discard); err != nil {
		t.Fatal(err)
	}

	host := startHost(t, ctx, cfg, log, wa)
	bins := awaitBuild(t, ctx, built)
	apiFn := startFunction(t, bins, "api", 10, 256, env)
	gw := &apiGateway{t: t, fn: apiFn}
	key := header("X-API-Key", ownerKey)
	setUp := time.Since(began)

	// Pairing: the API creates the session and asks the host to start it; the host's QR code reaches the API
	// through DynamoDB; the phone scans it.
	var created struct{ Session struct{ ID, TenantID string } }
	gw.call(ctx, "POST", "/api/sessions", key, `{"name":"Sales"}`).want(t, http.StatusCreated, &created)
	sessionID, tenantID := created.Session.ID, created.Session.TenantID
	var qr struct{ QR string }
	testkit.UntilWhy(t, eventualDeadline, "a QR code", func() (bool, string) {
		r := gw.call(ctx, "GET", "/api/sessions/"+sessionID+"/qr", key, "")
		if r.status != http.StatusOK {
			return false, fmt.Sprintf("GET qr: %d %s", r.status, r.body)
		}
		r.want(t, http.StatusOK, &qr)
		return qr.QR != "", "empty QR"
	})
	if _, err := account.Scan(qr.QR); err != nil {
		t.Fatalf("the phone scans the QR code: %v", err)
	}
	st := waitSessionStatus(t, gw, ctx, key, sessionID, "ready")
	if st.ClientInfo == nil || st.ClientInfo.PhoneNumber != accountPhone || st.ClientInfo.LID == "" {
		t.Fatalf("ready session's clientInfo %+v, want phone %s and a LID", st.ClientInfo, accountPhone)
	}
	paired := time.Since(began)

	// A text to the contact, by phone number: pending → sent → delivered, and the contact has it once.
	textID := postSend(t, gw, ctx, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"Hello <Contact> & co"}`, "+"+contactPhone))
	m := waitMessageStatus(t, gw, ctx, key, textID, "delivered")
	if m.Direction != "out" || m.ChatID != contactPhone+"@s.whatsapp.net" || m.Body != "Hello <Contact> & co" ||
		!slices.Equal(timeline(m), []string{"pending", "sent", "delivered"}) {
		t.Fatalf("sent text %+v, timeline %v", m, timeline(m))
	}
	if got := inboxByID(contact)[textID]; len(got) != 1 || got[0].Text() != "Hello <Contact> & co" ||
		got[0].From.User != account.LID().User {
		t.Fatalf("the contact got %d copies of %s: %+v", len(got), textID, got)
	}

	// The contact answers: the host stores the message, the API lists it.
	inID, err := contact.SendText(ctx, account, "مرحبا WaQtor")
	if err != nil {
		t.Fatalf("the contact writes back: %v", err)
	}
	in := waitMessageStatus(t, gw, ctx, key, inID, "received")
	if in.Direction != "in" || in.Body != "مرحبا WaQtor" || in.ChatID != contactPhone+"@s.whatsapp.net" {
		t.Fatalf("incoming message %+v", in)
	}
	var page struct{ Messages []apiMessage }
	gw.call(ctx, "GET", "/api/messages?direction=in", key, "").want(t, http.StatusOK, &page)
	if ids := messageIDs(page.Messages); !slices.Equal(ids, []string{inID}) {
		t.Fatalf("GET /api/messages?direction=in lists %v, want [%s]", ids, inID)
	}

	// An image by base64: the API stores it in the media bucket, the host uploads it to WhatsApp from there.
	img := pngBytes(t)
	imgID := postSend(t, gw, ctx, key, "/api/messages/send-media", fmt.Sprintf(`{"chatId":%q,"type":"image","caption":"the logo","media":%q}`,
		contactPhone, base64.StdEncoding.EncodeToString(img)))
	mi := waitMessageStatus(t, gw, ctx, key, imgID, "delivered")
	if mi.Type != "image" || mi.Media == nil || mi.Media.Mime != "image/png" || mi.Media.Size != int64(len(img)) {
		t.Fatalf("sent image %+v (media %+v)", mi, mi.Media)
	}
	got := inboxByID(contact)[imgID]
	want := sha256.Sum256(img)
	if len(got) != 1 || got[0].Message.GetImageMessage().GetCaption() != "the logo" ||
		!bytes.Equal(got[0].Message.GetImageMessage().GetFileSHA256(), want[:]) {
		t.Fatalf("the contact got %d copies of image %s, want one with the caption and SHA-256 %x of the %d bytes sent: %+v",
			len(got), imgID, want, len(img), got)
	}
	objects := bucketObjects(t, ctx, s3Fake.Client())
	if len(objects) != 1 || !bytes.Equal(objects[0].body, img) || !strings.HasPrefix(objects[0].key, "media/"+tenantID+"/") ||
		!strings.HasSuffix(objects[0].key, imgID) {
		t.Fatalf("media bucket holds %d objects (%v), want the image %s under media/%s/", len(objects), objectKeys(objects), imgID, tenantID)
	}

	// The host published what happened, with the tenant and session, on the bus.
	sentFirst := time.Since(began)
	testkit.UntilWhy(t, eventualDeadline, "the session host's events", func() (bool, string) {
		return hostEventsCheck(eb.Entries(), tenantID, sessionID, map[string]func(json.RawMessage) bool{
			event.SessionStatus: func(d json.RawMessage) bool {
				var s event.SessionStatusData
				return json.Unmarshal(d, &s) == nil && s.Status == "ready" && s.State == "ready" &&
					s.ClientInfo != nil && s.ClientInfo.PhoneNumber == accountPhone
			},
			event.MessageSent:      statusEvent(textID, "sent", contactPhone),
			event.MessageDelivered: statusEvent(textID, "delivered", contactPhone),
			event.MessageReceived: func(d json.RawMessage) bool {
				var r event.MessageReceivedData
				return json.Unmarshal(d, &r) == nil && r.MessageID == inID && r.Body == "مرحبا WaQtor" && r.Type == "text" &&
					r.From == contactPhone+"@c.us" && r.ChatID == contactPhone+"@s.whatsapp.net" && !r.FromMe &&
					r.Sender.Phone == contactPhone
			},
		})
	})
	// The image's events are published after its status is stored (the API saw "delivered" first): wait for them.
	testkit.UntilWhy(t, eventualDeadline, "the image's message.sent and message.delivered events", func() (bool, string) {
		for _, typ := range []string{event.MessageSent, event.MessageDelivered} {
			if len(hostEvents(eb.Entries(), typ, statusEvent(imgID, typ[len("message."):], contactPhone))) == 0 {
				return false, fmt.Sprintf("no %s event for the image %s", typ, imgID)
			}
		}
		return true, ""
	})

	// The device lives in Postgres, reached over TLS.
	checkDeviceStore(t, ctx, pgDSN, accountPhone, cfg.DataDir)

	// A restart of the host resumes the session from the device store: ready again without a QR code, and a
	// send goes through.
	host.stop(t)
	restarted := len(eb.Entries()) // the events of the new host follow
	host = startHost(t, ctx, cfg, log, wa)
	testkit.UntilWhy(t, eventualDeadline, "the session ready again after the restart", func() (bool, string) {
		since := eb.Entries()[restarted:]
		if qrs := hostEvents(since, event.SessionQR, nil); len(qrs) > 0 {
			t.Fatalf("the restarted host asked for a QR code: %s", qrs[0].Detail)
		}
		ready := hostEvents(since, event.SessionStatus, func(d json.RawMessage) bool {
			var s event.SessionStatusData
			return json.Unmarshal(d, &s) == nil && s.Status == "ready"
		})
		return len(ready) > 0, fmt.Sprintf("session.status events since the restart: %s", detailsOf(hostEvents(since, event.SessionStatus, nil)))
	})
	waitSessionStatus(t, gw, ctx, key, sessionID, "ready")
	againID := postSend(t, gw, ctx, key, "/api/messages/send-text", fmt.Sprintf(`{"chatId":%q,"text":"after the restart"}`, contactPhone))
	waitMessageStatus(t, gw, ctx, key, againID, "delivered")
	if got := inboxByID(contact); len(got[againID]) != 1 || len(got[textID]) != 1 || len(got[imgID]) != 1 {
		t.Fatalf("after the restart the contact has %d, %d, %d copies of the three messages, want one each",
			len(got[textID]), len(got[imgID]), len(got[againID]))
	}
	// ECS read the device database's secret for the task; the host itself never does (its role may not).
	if reads := sm.Reads(); countOf(reads, deviceDBARN) != 0 || countOf(reads, tokenARN) != 1 {
		t.Errorf("Secrets Manager reads %q: want the token secret once and the device database secret never", reads)
	}
	if p := wa.Problems(); len(p) > 0 {
		t.Errorf("the fake WhatsApp could not handle: %q", p)
	}
	host.stop(t)
	t.Logf("set-up %s, paired at %s, first sends and events by %s, all done in %s",
		setUp.Round(time.Millisecond), paired.Round(time.Millisecond), sentFirst.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// runningHost is one run of awshost.Run in a goroutine.
type runningHost struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// startHost runs the session host as the ECS task does, pointed at the fake WhatsApp; it is stopped at the
// latest in t.Cleanup.
func startHost(t *testing.T, ctx context.Context, cfg config.Config, log *slog.Logger, wa *wasim.Server, opts ...awshost.Option) *runningHost {
	t.Helper()
	hctx, cancel := context.WithCancel(ctx)
	h := &runningHost{cancel: cancel, done: make(chan error, 1)}
	opts = append([]awshost.Option{awshost.WithWhatsApp(wa.HTTPClient())}, opts...)
	go func() { h.done <- awshost.Run(hctx, cfg, log, opts...) }()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// stop cancels the host's context, as SIGTERM does, and waits for it to drain and return.
func (h *runningHost) stop(t *testing.T) {
	h.once.Do(func() {
		h.cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("the session host ended with %v", err)
			}
		case <-time.After(30 * time.Second):
			var stacks strings.Builder
			pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Errorf("the session host did not stop within 30 s; goroutines:\n%s", stacks.String())
		}
	})
}

type s3Object struct {
	key  string
	body []byte
}

func bucketObjects(t *testing.T, ctx context.Context, client *awss3.Client) []s3Object {
	t.Helper()
	out, err := client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(mediaBucket)})
	if err != nil {
		t.Fatalf("list the media bucket: %v", err)
	}
	var objects []s3Object
	for _, o := range out.Contents {
		res, err := client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(mediaBucket), Key: o.Key})
		if err != nil {
			t.Fatalf("get %s: %v", aws.ToString(o.Key), err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("read %s: %v", aws.ToString(o.Key), err)
		}
		objects = append(objects, s3Object{key: aws.ToString(o.Key), body: body})
	}
	return objects
}

func objectKeys(objects []s3Object) []string {
	var keys []string
	for _, o := range objects {
		keys = append(keys, fmt.Sprintf("%s (%d bytes)", o.key, len(o.body)))
	}
	return keys
}

// hostWorld is what the session host's tests on the AWS runtime run against: a device database on a TLS-only
// Postgres, DynamoDB with the table, SQS with every catalog queue (answering long polls promptly, as SQS does),
// the EventBridge fake with the routing table, and S3 over TLS with the media bucket.
type hostWorld struct {
	pgDSN       string
	ddb         *dynamodb.Client
	sqsEndpoint string
	eb          *awstest.EventBridge
	s3          *awstest.S3
}

func startHostWorld(t *testing.T, ctx context.Context) hostWorld {
	t.Helper()
	w := hostWorld{pgDSN: deviceDatabase(t, awstest.PostgresTLS(t)), ddb: awstest.DynamoDB(t)}
	if err := dynamo.CreateTable(ctx, w.ddb, table); err != nil {
		t.Fatal(err)
	}
	// The router's long polls ask for several messages, which the emulator would hold for the whole wait.
	w.sqsEndpoint = awstest.SQSPromptEndpoint(t, awstest.SQSEndpoint(t))
	sqsClient := awstest.SQSClient(w.sqsEndpoint)
	if err := sqs.EnsureQueues(ctx, sqsClient, prefix, queue.Catalog); err != nil {
		t.Fatal(err)
	}
	w.eb = awstest.NewEventBridge(t, routing.Table, sendToQueue(t, sqsClient), awstest.EventBridgeBuses(bus))
	w.s3 = awstest.NewS3(t, mediaBucket)
	return w
}

// deviceDatabase creates the stack's device database (user and database "waqtor") on the server at dsn and returns
// a DSN for it, so that the host works there as the stack's master user, not as a superuser.
func deviceDatabase(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{"CREATE ROLE waqtor LOGIN PASSWORD 'unchecked'", "CREATE DATABASE waqtor OWNER waqtor"} {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User("waqtor"), "/waqtor"
	return u.String()
}

// rdsSecret is the secret RDS generates for the instance's master user, for the server at dsn. The test server
// trusts every connection, so the password is not checked.
func rdsSecret(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"engine": "postgres", "username": u.User.Username(), "password": randomString(t, 30),
		"host": u.Hostname(), "port": port, "dbname": strings.TrimPrefix(u.Path, "/"), "dbInstanceIdentifier": prefix + "devices"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ecsSecrets are the variables ECS sets in the session host's container from the device database's secret (the
// stack's ECS secrets, config.DeviceDBSecretFields): each field's value, a number as its digits.
func ecsSecrets(t *testing.T, secret string) []string {
	t.Helper()
	var fields map[string]any
	if err := json.Unmarshal([]byte(secret), &fields); err != nil {
		t.Fatal(err)
	}
	var env []string
	for name, field := range config.DeviceDBSecretFields {
		v, ok := fields[field]
		if !ok {
			t.Fatalf("the secret has no field %q for %s: ECS would not start the task", field, name)
		}
		env = append(env, fmt.Sprintf("%s=%v", name, v))
	}
	return env
}

// checkDeviceStore checks that the paired device is in Postgres, and that nothing went to a SQLite file in the
// data directory.
func checkDeviceStore(t *testing.T, ctx context.Context, dsn, phone, dataDir string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var jids []string
	rows, err := db.QueryContext(ctx, "SELECT jid FROM whatsmeow_device")
	if err != nil {
		t.Fatalf("the device store in Postgres: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jid string
		if err := rows.Scan(&jid); err != nil {
			t.Fatal(err)
		}
		jids = append(jids, jid)
	}
	if len(jids) != 1 || !strings.HasPrefix(jids[0], phone+":") {
		t.Fatalf("devices in Postgres %q, want one device of %s", jids, phone)
	}
	if entries, err := os.ReadDir(dataDir); err != nil || len(entries) > 0 {
		t.Fatalf("data directory: %v, %d entries; want it untouched", err, len(entries))
	}
}

type apiStatus struct {
	Status     string
	State      string
	Reason     string
	ClientInfo *struct{ PhoneNumber, LID string }
}

func waitSessionStatus(t *testing.T, gw *apiGateway, ctx context.Context, key map[string]string, id, want string) apiStatus {
	t.Helper()
	var s apiStatus
	testkit.UntilWhy(t, eventualDeadline, "session "+id+" "+want, func() (bool, string) {
		gw.call(ctx, "GET", "/api/sessions/"+id+"/status", key, "").want(t, http.StatusOK, &s)
		return s.Status == want, fmt.Sprintf("status %+v", s)
	})
	return s
}

type apiMessage struct {
	MessageID string
	Direction string
	Status    string
	ChatID    string
	Type      string
	Body      string
	Error     string
	Timeline  []struct{ Status string }
	Media     *struct {
		Mime string
		Size int64
	}
}

func timeline(m apiMessage) []string {
	var out []string
	for _, s := range m.Timeline {
		out = append(out, s.Status)
	}
	return out
}

func messageIDs(ms []apiMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.MessageID)
	}
	return out
}

// postSend posts a send and returns the accepted message's ID.
func postSend(t *testing.T, gw *apiGateway, ctx context.Context, key map[string]string, path, body string) string {
	t.Helper()
	var out struct{ MessageID, Status string }
	gw.call(ctx, "POST", path, key, body).want(t, http.StatusAccepted, &out)
	if out.Status != "pending" || out.MessageID == "" {
		t.Fatalf("POST %s answered %+v, want a pending message", path, out)
	}
	return out.MessageID
}

// waitMessageStatus polls GET /api/messages/{id} until the message has the status (an incoming one is 404 until
// the host stores it).
func waitMessageStatus(t *testing.T, gw *apiGateway, ctx context.Context, key map[string]string, id, want string) apiMessage {
	t.Helper()
	var m apiMessage
	testkit.UntilWhy(t, eventualDeadline, "message "+id+" "+want, func() (bool, string) {
		r := gw.call(ctx, "GET", "/api/messages/"+id, key, "")
		if r.status == http.StatusNotFound {
			return false, "not stored yet"
		}
		var out struct{ Message apiMessage }
		r.want(t, http.StatusOK, &out)
		m = out.Message
		if m.Status == "failed" {
			t.Fatalf("message %s failed: %+v", id, m)
		}
		// WhatsApp's receipt can be stored before the send's own ack (the host records "sent" when Send returns, and
		// the fake server delivers at once): an outgoing message past "sent" is awaited with its sent step too.
		sent := m.Direction != "out" || !slices.Contains([]string{"delivered", "read", "played"}, m.Status) ||
			slices.Contains(timeline(m), "sent")
		return m.Status == want && sent, fmt.Sprintf("message %+v", m)
	})
	return m
}

func inboxByID(p *wasim.Phone) map[string][]wasim.Received {
	out := map[string][]wasim.Received{}
	for _, r := range p.Inbox() {
		out[r.ID] = append(out[r.ID], r)
	}
	return out
}

// hostEvents returns the session host's events of type typ (whose data match, when match is set).
func hostEvents(entries []awstest.EventBridgeEntry, typ string, match func(json.RawMessage) bool) []awstest.EventBridgeEntry {
	var out []awstest.EventBridgeEntry
	for _, e := range entries {
		if e.Source != "waqtor.session-host" || e.DetailType != typ {
			continue
		}
		var env event.Envelope
		if json.Unmarshal([]byte(e.Detail), &env) != nil {
			continue
		}
		if match == nil || match(env.Data) {
			out = append(out, e)
		}
	}
	return out
}

// hostEventsCheck reports whether there is an event of each type whose data match, and that every event of the
// host is on the bus with the tenant and session.
func hostEventsCheck(entries []awstest.EventBridgeEntry, tenantID, sessionID string, want map[string]func(json.RawMessage) bool) (bool, string) {
	for _, e := range entries {
		if e.Source != "waqtor.session-host" {
			continue
		}
		var env event.Envelope
		if err := json.Unmarshal([]byte(e.Detail), &env); err != nil || e.EventBusName != bus || env.TenantID != tenantID ||
			env.SessionID != sessionID || env.Type != e.DetailType {
			return false, fmt.Sprintf("event %s on bus %q: %s (%v); want bus %s, tenant %s, session %s", e.DetailType, e.EventBusName,
				e.Detail, err, bus, tenantID, sessionID)
		}
	}
	for typ, match := range want {
		if len(hostEvents(entries, typ, match)) == 0 {
			return false, fmt.Sprintf("no matching %s yet among %s", typ, detailsOf(hostEvents(entries, typ, nil)))
		}
	}
	return true, ""
}

func statusEvent(id, status, phone string) func(json.RawMessage) bool {
	return func(d json.RawMessage) bool {
		var s event.MessageStatusData
		return json.Unmarshal(d, &s) == nil && s.MessageID == id && s.Status == status && s.To == phone+"@c.us" &&
			s.ChatID == phone+"@s.whatsapp.net"
	}
}

func detailsOf(entries []awstest.EventBridgeEntry) string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Source+" "+e.Detail)
	}
	return strings.Join(out, "\n")
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{15, 118, 110, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
