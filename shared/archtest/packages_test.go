package archtest

// The package map: every package of the module, its class and one line on what it is. TestPackageMap fails on a
// package missing here, and docs/architecture.md's package index is generated from this table (TestPackageDoc).

// class is what a package is for; it decides what the package may import (mayImport).
type class string

const (
	domain   class = "domain"       // rules and services, ports declared by their users; no technology
	contract class = "contract"     // the tables and envelopes every part agrees on (events, routes, queues, the API)
	adapter  class = "adapter"      // a port implemented on one technology, named after it
	runtime  class = "runtime"      // composition roots: wire adapters into services for one runtime
	mainPkg  class = "main"         // a binary: the session host, a Lambda function; only wires
	infra    class = "infra"        // the CDK stack
	harness  class = "test harness" // contract suites, emulators and fakes that tests run against, packages of tests
	tool     class = "tool"         // a program run by hand or by make, not shipped
)

// classes in the order the docs list them.
var classes = []class{domain, contract, adapter, runtime, mainPkg, infra, harness, tool}

// mayImport: the classes of module packages a package of each class may import (its non-test imports; tests may
// use real adapters and harnesses). Anything else is an error unless the package's entry allows it by name.
var mayImport = map[class][]class{
	domain:   {domain, contract},
	contract: {domain, contract},
	adapter:  {domain, contract, adapter},
	runtime:  {domain, contract, adapter, runtime},
	mainPkg:  {domain, contract, adapter, runtime},
	infra:    {domain, contract, adapter, infra},
	harness:  {domain, contract, adapter, harness},
	tool:     {domain, contract, adapter, runtime, harness, tool},
}

// entry is one package of the map.
type entry struct {
	path  string // relative to the module
	class class
	what  string // one line for the docs
	// aws: imports the AWS SDK or aws-lambda-go (adapters on AWS, the AWS runtime, the emulators; not the CDK,
	// which is not the SDK). whatsmeow: imports go.mau.fi/... (whatsmeow, libsignal); only shared/whatsapp and
	// shared/wasim. A grant the package does not use fails the test, so the index says who really imports them.
	aws, whatsmeow bool
	// allow: reviewed exceptions, import path (relative) -> why it is acceptable: to mayImport, or testWhatsmeow
	// for tests that import whatsmeow.
	allow map[string]string
}

var packageMap = []entry{
	// Domain.
	{path: "shared/activity", class: domain, what: "the tenant's activity log (who changed what), fed by the `audit` route; one entry per event ID"},
	{path: "shared/apikey", class: domain, what: "API keys: secrets shown once, stored as SHA-256 hashes, scoped, revocable, expiring"},
	{path: "shared/apperr", class: domain, what: "the one application error type (code, message, field details)"},
	{path: "shared/auth", class: domain, what: "who is calling (principal), roles, scopes, dashboard tokens, password hashing"},
	{path: "shared/branding", class: domain, what: "each tenant's dashboard branding: app name, logo text, the logo image (type sniffed, size capped)"},
	{path: "shared/crypt", class: domain, what: "the keyring that encrypts webhook secrets at rest, and its key file"},
	{path: "shared/demo", class: domain, what: "demo mode: the fake contacts and what its endpoints drive"},
	{path: "shared/egress", class: domain, what: "the one way out to addresses a tenant names: the SSRF guard (`Guard`, `Allow`), the HTTP client that dials only addresses it checked (webhook deliveries, `Fetch` of media URLs)"},
	{path: "shared/id", class: domain, what: "record IDs: a type prefix and a ULID"},
	{path: "shared/idempotency", class: domain, what: "Idempotency-Key records: the first response kept and replayed"},
	{path: "shared/logging", class: domain, what: "slog setup (JSON or text); masks phone numbers in every line"},
	{path: "shared/media", class: domain, what: "the media store port, MIME sniffing, WhatsApp's limits, uploads sent by ID"},
	{path: "shared/message", class: domain, what: "stored messages, status rules, chat IDs, the send service"},
	{path: "shared/notification", class: domain, what: "the tenant's notification center"},
	{path: "shared/plan", class: domain, what: "premium gating: the features a tenant's plan and redeemed access codes unlock; single-use, expiring, hashed access codes"},
	{path: "shared/realtime", class: domain, what: "the live feed: the WebSocket protocol, THE event-to-topic table, topic scopes, connect tickets (see [realtime.md](realtime.md))"},
	{path: "shared/report", class: domain, what: "the tenant's reports computed from stored messages and webhook deliveries (a premium feature)"},
	{path: "shared/session", class: domain, what: "WhatsApp sessions, statuses, host commands, leases, and THE port to WhatsApp (`Client`, `Devices`)"},
	{path: "shared/sessionrunner", class: domain, what: "runs the WhatsApp sessions (the service the session host runs, standalone and on ECS): statuses, incoming messages and receipts stored and published before WhatsApp is acked, the send and control commands",
		allow: map[string]string{testWhatsmeow: "TestUnreachableWhatsApp parses the device JID with whatsmeow's `types` to address the device on `wasim.Server`"}},
	{path: "shared/setup", class: domain, what: "first start: the first tenant, its owner and an owner API key"},
	{path: "shared/tenant", class: domain, what: "tenants and users, the rules for roles, the per-account login lockout"},
	{path: "shared/wsgateway", class: domain, what: "the live feed on API Gateway WebSocket: $connect with a ticket, client frames (protocol, rate limit), push to the tenant's visible connections, the resume window; ports for the connections store and the Management API"},
	{path: "shared/webhook", class: domain, what: "webhook endpoints, fan-out, signed delivery with retries (sent through `shared/egress`)"},

	// Contracts.
	{path: "docs", class: contract, what: "embeds docs/openapi.yaml, the API's one description (served at `GET /api/openapi.yaml`)"},
	{path: "shared/consumers", class: contract, what: "THE consumer registry: each queue's one consumer (handler factory, batch size, concurrency, retry, where it runs); standalone, the Lambdas, the session host and the stack read it"},
	{path: "shared/event", class: contract, what: "the event envelope, THE event catalog, `Publisher`, `Handler`"},
	{path: "shared/eventpattern", class: contract, what: "EventBridge pattern semantics, so the standalone event bus matches exactly as EventBridge does"},
	{path: "shared/queue", class: contract, what: "the queue port (SQS semantics) and THE queue catalog"},
	{path: "shared/routing", class: contract, what: "THE routing table: which events go to which queue"},

	// Adapters.
	{path: "shared/awslambda", class: adapter, aws: true, what: "SQS-triggered Lambda → event handler, partial batch failures"},
	{path: "shared/dashboard", class: adapter, what: "serves the built web dashboard (dashboard/dist, or the copy a release build embeds) beside the API: SPA fallback, cache headers, config.json, CSP (standalone)"},
	{path: "shared/dynamo", class: adapter, aws: true, what: "the store ports on DynamoDB (one table)"},
	{path: "shared/apigw", class: adapter, aws: true, what: "API Gateway's WebSocket Management API: post frames to connections, close them (410 Gone → `wsgateway.ErrGone`)"},
	{path: "shared/eventbridge", class: adapter, aws: true, what: "`event.Publisher` on an EventBridge bus"},
	{path: "shared/httpapi", class: adapter, what: "the REST API as one `http.Handler`; THE route table (`routes.go`)"},
	{path: "shared/kms", class: adapter, aws: true, what: "webhook secrets encrypted by AWS KMS"},
	{path: "shared/localdisk", class: adapter, what: "the media store on a local directory (standalone)"},
	{path: "shared/eventbus", class: adapter, what: "the standalone event bus: the routing table evaluated in process, onto SQLite queues"},
	{path: "shared/realtime/client", class: adapter, what: "a Go client of the live feed (reconnects, resubscribes, resumes); the tests use it"},
	{path: "shared/s3", class: adapter, aws: true, what: "the media store on S3"},
	{path: "shared/sqlite", class: adapter, what: "the store ports, the durable queue (SQS semantics) and migrations on SQLite"},
	{path: "shared/sqs", class: adapter, aws: true, what: "`queue.Queue` on SQS"},
	{path: "shared/wshub", class: adapter, what: "the standalone live feed behind `/ws`, fed by a publisher tapped onto the event bus"},
	{path: "shared/whatsapp", class: adapter, whatsmeow: true, what: "the WhatsApp port on whatsmeow: login client, supervisor, watchdog"},

	// Runtimes (composition roots).
	{path: "shared/runtime/app", class: runtime, what: "THE list of the app's stores (`Stores`, which each runtime fills in full) and the domain services built from them"},
	{path: "shared/runtime/awsapp", class: runtime, aws: true, what: "the app on AWS: every store on DynamoDB and S3, EventBridge, the API with its token secret, the first start; for the API function and the session host"},
	{path: "shared/runtime/awshost", class: runtime, aws: true, what: "the session host on ECS (apart from `awsfunction`, so no Lambda links whatsmeow)"},
	{path: "shared/runtime/awsfunction", class: runtime, aws: true, what: "the AWS wiring every AWS process shares (SDK configuration, DynamoDB, SQS) and the consumer functions' main (`Consume`, with the dependencies each names), which links no API"},
	{path: "shared/runtime/awssealed", class: runtime, aws: true, what: "webhook secrets sealed by KMS on AWS, and the consumer functions' webhook store over it (apart from `awsfunction`, so a function that stores no webhook links no KMS)"},
	{path: "shared/runtime/awsevents", class: runtime, aws: true, what: "the consumer functions' EventBridge publisher and notification center (apart from `awsfunction`, so a function that publishes nothing links no EventBridge)"},
	{path: "shared/runtime/restapi", class: runtime, what: "the REST API over the app's stores and services, for both runtimes (apart from `app`, so consumer Lambdas do not link it)"},
	{path: "shared/config", class: runtime, what: "the typed configuration, read from the environment and validated once"},
	{path: "shared/runtime/standalone", class: runtime, what: "all of WaQtor in one process: SQLite, the event bus, the session runner",
		allow: map[string]string{"shared/wasim": "demo mode (`WAQTOR_WHATSAPP=demo`) runs the fake WhatsApp in process"}},

	// Mains.
	{path: "functions/api", class: mainPkg, what: "Lambda: the REST API behind API Gateway"},
	{path: "functions/audit", class: mainPkg, what: "Lambda: the `audit` queue's consumer (activity log)"},
	{path: "functions/notifications", class: mainPkg, what: "Lambda: the `notifications` queue's consumer (the notification rules)"},
	{path: "functions/webhook-deliver", class: mainPkg, what: "Lambda: the `webhook-deliveries` queue's consumer (Deliverer)"},
	{path: "functions/webhook-router", class: mainPkg, what: "Lambda: the `webhook-router` queue's consumer (Fanout)"},
	{path: "functions/ws-connect", class: mainPkg, what: "Lambda: the WebSocket API's `$connect` (ticket check)"},
	{path: "functions/ws-default", class: mainPkg, what: "Lambda: the WebSocket API's `$default` (client frames)"},
	{path: "functions/ws-disconnect", class: mainPkg, what: "Lambda: the WebSocket API's `$disconnect`"},
	{path: "functions/ws-push", class: mainPkg, what: "Lambda: the `realtime-push` queue's consumer (posts the live feed's frames)"},
	{path: "session-host", class: mainPkg, what: "the `waqtor` binary: standalone, or the session host on ECS"},

	// Infra.
	{path: "infra", class: infra, what: "the CDK app"},
	{path: "infra/stack", class: infra, what: "the AWS stack; rules, queues and the table derived from the contracts",
		allow: map[string]string{"shared/config": "config.DeviceDBSecretFields is the one map from the host's device database variables to the fields of the RDS secret the stack passes as ECS secrets"}},

	// Test harnesses.
	{path: "e2e", class: harness, what: "end-to-end tests on the AWS emulators",
		allow: map[string]string{testWhatsmeow: "TestAWSSessionLease names a device by whatsmeow's `types.JID`, the type `wasim.Server` reports connections with"}},
	{path: "shared/archtest", class: harness, what: "this map and the import rules; make fuzz's list"},
	{path: "shared/awstest", class: harness, aws: true, what: "starts the AWS emulators adapter tests run against"},
	{path: "shared/eventtest", class: harness, what: "contract suite of `event.Publisher`"},
	{path: "shared/queuetest", class: harness, what: "contract suite of `queue.Queue`"},
	{path: "shared/sessiontest", class: harness, what: "contract suite of the WhatsApp port"},
	{path: "shared/storetest", class: harness, what: "contract suite of the store ports (SQLite and DynamoDB)"},
	{path: "shared/testkit", class: harness, what: "what every test shares: `Until`/`UntilWhy` (wait for a condition with a deadline) and `Buffer` (safe for concurrent writers)"},
	{path: "shared/wasim", class: harness, whatsmeow: true, what: "a protocol-level fake WhatsApp server; every WhatsApp test runs against it, and so does demo mode"},
}
