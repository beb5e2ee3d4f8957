package awstest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/waqtor/waqtor/shared/eventpattern"
	"github.com/waqtor/waqtor/shared/routing"
)

// EventBridge is a fake Amazon EventBridge endpoint (awsJson1_1, X-Amz-Target: AWSEvents.PutEvents) for tests,
// since no EventBridge emulator runs offline. It records every accepted entry, builds the event EventBridge would
// deliver (version, id, detail-type, source, account, time, region, resources, detail), matches it against the
// routes with shared/eventpattern (the rules infra deploys) and calls the deliver callback once per matching route,
// synchronously, before PutEvents answers.
//
// As on real EventBridge, the event "id" is generated here, a new one for every accepted entry, even when the same
// WaQtor envelope is put twice (a retry). The WaQtor envelope ID travels in detail.id: consumers dedupe on
// detail.id, never on the bus event id. (The standalone router uses the envelope ID as the bus event id too, as
// event.Envelope.Bus does, but nothing may rely on that.)
//
// Only PutEvents is implemented; any other operation gets UnknownOperationException. Signatures are not checked.
type EventBridge struct {
	// URL is the endpoint, for the SDK's BaseEndpoint.
	URL string

	srv     *httptest.Server
	account string
	region  string
	buses   []string
	routes  []ebRoute
	deliver func(target string, body []byte)
	fail    func(EventBridgeEntry) (code, message string)

	mu      sync.Mutex
	entries []EventBridgeEntry
	batches []int
}

type ebRoute struct {
	target  string
	pattern *eventpattern.Pattern
}

// EventBridgeEntry is one PutEvents entry the fake accepted, with the event it delivered.
type EventBridgeEntry struct {
	EventID      string
	EventBusName string
	Source       string
	DetailType   string
	Detail       string
	Time         time.Time
	Resources    []string
	// Event is the EventBridge event JSON that matching targets received.
	Event []byte
}

// EventBridgeOption configures the fake.
type EventBridgeOption func(*EventBridge)

// EventBridgeAccount sets the account of delivered events (default "123456789012").
func EventBridgeAccount(id string) EventBridgeOption { return func(f *EventBridge) { f.account = id } }

// EventBridgeRegion sets the region of delivered events (default "us-east-1").
func EventBridgeRegion(r string) EventBridgeOption { return func(f *EventBridge) { f.region = r } }

// EventBridgeBuses declares the buses entries may name (without this option: only "default"). An entry naming another bus
// fails with ErrorCode "ResourceNotFoundException".
func EventBridgeBuses(names ...string) EventBridgeOption {
	return func(f *EventBridge) { f.buses = append(f.buses, names...) }
}

// EventBridgeFail injects entry failures: for each otherwise valid entry, fail returns an error code (and message)
// to report it as failed, or "" to accept it. It is called under no lock, once per entry per PutEvents call.
func EventBridgeFail(fail func(EventBridgeEntry) (code, message string)) EventBridgeOption {
	return func(f *EventBridge) { f.fail = fail }
}

// NewEventBridge starts the fake on 127.0.0.1 and stops it when the test ends. deliver receives the target of
// every matching route and the event body; it may be nil.
func NewEventBridge(t testing.TB, routes []routing.Route, deliver func(target string, body []byte), opts ...EventBridgeOption) *EventBridge {
	t.Helper()
	f := &EventBridge{account: "123456789012", region: "us-east-1", deliver: deliver}
	for _, o := range opts {
		o(f)
	}
	if len(f.buses) == 0 {
		f.buses = []string{"default"}
	}
	for _, r := range routes {
		p, err := eventpattern.Compile(r.Pattern)
		if err != nil {
			t.Fatalf("awstest: route %s: %v", r.Name, err)
		}
		f.routes = append(f.routes, ebRoute{target: r.Target, pattern: p})
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// Client returns an SDK client for the fake: region us-east-1 (or the fake's), static credentials, BaseEndpoint
// the fake's URL and no SDK retries, so tests see every call.
func (f *EventBridge) Client() *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{
		Region:           f.region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret", ""),
		BaseEndpoint:     aws.String(f.URL),
		RetryMaxAttempts: 1,
	})
}

// Entries returns the entries accepted so far, in order.
func (f *EventBridge) Entries() []EventBridgeEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.entries)
}

// Batches returns the number of entries of every PutEvents call so far, in order.
func (f *EventBridge) Batches() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.batches)
}

type putEventsRequest struct {
	Entries []struct {
		Source       *string         `json:"Source"`
		DetailType   *string         `json:"DetailType"`
		Detail       *string         `json:"Detail"`
		EventBusName *string         `json:"EventBusName"`
		Time         json.RawMessage `json:"Time"`
		Resources    []string        `json:"Resources"`
	} `json:"Entries"`
	EndpointID *string `json:"EndpointId"`
}

type putEventsResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// busEvent is the event EventBridge delivers, in EventBridge's field order.
type busEvent struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

func (f *EventBridge) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "only POST is supported")
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "AWSEvents.PutEvents" {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by the fake", target))
		return
	}
	var req putEventsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", "request body is not JSON: "+err.Error())
		return
	}
	if n := len(req.Entries); n < 1 || n > 10 {
		awsError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf(
			"1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1 (got %d)", n))
		return
	}
	total := 0
	for _, e := range req.Entries {
		total += len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
		if len(e.Time) > 0 {
			total += 14
		}
		for _, res := range e.Resources {
			total += len(res)
		}
	}
	if total > 256*1024 {
		awsError(w, http.StatusBadRequest, "ValidationException", "Total size of the entries in the request is over the limit.")
		return
	}

	results := make([]putEventsResultEntry, len(req.Entries))
	type delivery struct {
		target string
		body   []byte
	}
	var deliveries []delivery
	var accepted []EventBridgeEntry
	failed := 0
	for i, e := range req.Entries {
		entry, code, msg := f.entry(e.Source, e.DetailType, e.Detail, e.EventBusName, e.Time, e.Resources)
		if code == "" && f.fail != nil {
			code, msg = f.fail(entry)
		}
		if code != "" {
			results[i] = putEventsResultEntry{ErrorCode: code, ErrorMessage: msg}
			failed++
			continue
		}
		entry.EventID = newUUID()
		ev := busEvent{Version: "0", ID: entry.EventID, DetailType: entry.DetailType, Source: entry.Source,
			Account: f.account, Time: entry.Time.UTC().Format("2006-01-02T15:04:05Z"), Region: f.region,
			Resources: entry.Resources, Detail: json.RawMessage(entry.Detail)}
		if ev.Resources == nil {
			ev.Resources = []string{}
		}
		body, err := json.Marshal(ev)
		if err != nil {
			results[i] = putEventsResultEntry{ErrorCode: "InternalFailure", ErrorMessage: err.Error()}
			failed++
			continue
		}
		entry.Event = body
		decoded, err := eventpattern.Decode(body)
		if err != nil {
			results[i] = putEventsResultEntry{ErrorCode: "InternalFailure", ErrorMessage: err.Error()}
			failed++
			continue
		}
		for _, rt := range f.routes {
			if rt.pattern.MatchMap(decoded) {
				deliveries = append(deliveries, delivery{rt.target, body})
			}
		}
		accepted = append(accepted, entry)
		results[i] = putEventsResultEntry{EventID: entry.EventID}
	}
	f.mu.Lock()
	f.entries = append(f.entries, accepted...)
	f.batches = append(f.batches, len(req.Entries))
	f.mu.Unlock()
	if f.deliver != nil {
		for _, d := range deliveries {
			f.deliver(d.target, d.body)
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"Entries": results, "FailedEntryCount": failed})
}

// entry validates one request entry as EventBridge does, returning an error code for a bad one.
func (f *EventBridge) entry(source, detailType, detail, bus *string, rawTime json.RawMessage, resources []string) (EventBridgeEntry, string, string) {
	e := EventBridgeEntry{Source: aws.ToString(source), DetailType: aws.ToString(detailType), Detail: aws.ToString(detail),
		EventBusName: aws.ToString(bus), Resources: slices.Clone(resources), Time: time.Now().UTC().Truncate(time.Second)}
	switch {
	case e.Source == "":
		return e, "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return e, "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return e, "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(e.Detail), &obj); err != nil || obj == nil {
		return e, "MalformedDetail", "Detail is malformed."
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(e.Detail))
	e.Detail = compact.String()
	name := e.EventBusName
	if name == "" {
		name = "default"
	}
	if i := strings.LastIndex(name, ":event-bus/"); i >= 0 {
		name = name[i+len(":event-bus/"):]
	}
	if !slices.Contains(f.buses, name) {
		return e, "ResourceNotFoundException", fmt.Sprintf("Event bus %s does not exist.", name)
	}
	if len(rawTime) > 0 {
		t, err := parseAWSTime(rawTime)
		if err != nil {
			return e, "InvalidArgument", "Parameter Time is not valid. Reason: " + err.Error()
		}
		e.Time = t.UTC()
	}
	return e, "", ""
}

// parseAWSTime reads an awsJson timestamp: epoch seconds (possibly fractional), or an RFC 3339 string.
func parseAWSTime(raw json.RawMessage) (time.Time, error) {
	var secs float64
	if err := json.Unmarshal(raw, &secs); err == nil {
		whole, frac := math.Modf(secs)
		return time.Unix(int64(whole), int64(math.Round(frac*1e3))*int64(time.Millisecond)), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("time %s is neither epoch seconds nor a string", raw)
	}
	return time.Parse(time.RFC3339Nano, s)
}

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// newUUID returns a random (version 4) UUID, the form of EventBridge event IDs.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
