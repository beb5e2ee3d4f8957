// Package awstest starts local stand-ins for the AWS services WaQtor uses, for tests of the AWS adapters. Each
// helper binds 127.0.0.1 on a free port and stops in t.Cleanup; see shared/design/AWS-TESTING.md.
package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"
)

// DynamoDB starts an in-process DynamoDB emulator (minidyn) on 127.0.0.1, stopped when the test ends, and
// returns a client for it (region us-east-1, static credentials). The emulator starts empty; create tables with
// the client. Each call starts its own emulator.
//
// A shim in front of minidyn fills the gaps that matter to the SDK: tables report TableStatus ACTIVE (so the
// TableExists waiter returns at once), ListTables works, UpdateTimeToLive/DescribeTimeToLive keep the TTL setting
// (items never expire: assert on the ttl attribute instead), and unsupported operations answer
// UnknownOperationException. Known minidyn gaps left as they are: PutItem ignores ReturnValues=ALL_OLD and
// ReturnValuesOnConditionCheckFailure, Select=COUNT still returns items, ScannedCount is 0, no size limits.
func DynamoDB(t testing.TB) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(newDynamoShim(miniserver.NewServer()))
	t.Cleanup(srv.Close)
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("awstest", "awstest", ""),
		HTTPClient:   srv.Client(),
	})
}

// dynamoShim wraps minidyn's handler. Table operations hold the lock exclusively and item operations share it,
// because minidyn changes its table map without its own lock.
type dynamoShim struct {
	next http.Handler

	mu     sync.RWMutex
	tables map[string]*dynamoTTL // table name -> TTL setting
}

type dynamoTTL struct {
	Attribute string
	Enabled   bool
}

// dynamoItemOps are the operations minidyn implements on items.
var dynamoItemOps = []string{"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
	"BatchWriteItem", "TransactGetItems", "TransactWriteItems"}

func newDynamoShim(next http.Handler) *dynamoShim {
	return &dynamoShim{next: next, tables: map[string]*dynamoTTL{}}
}

func (s *dynamoShim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	switch {
	case slices.Contains(dynamoItemOps, op):
		s.mu.RLock()
		defer s.mu.RUnlock()
		s.next.ServeHTTP(w, r)
	case op == "CreateTable" || op == "DescribeTable" || op == "UpdateTable" || op == "DeleteTable":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.tableOp(w, r, op)
	case op == "ListTables":
		s.mu.RLock()
		defer s.mu.RUnlock()
		s.listTables(w, r)
	case op == "UpdateTimeToLive" || op == "DescribeTimeToLive":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.timeToLive(w, r, op)
	default:
		dynamoError(w, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by the emulator", target))
	}
}

// tableOp forwards a table operation, keeps the table list, and sets the TableStatus minidyn leaves empty.
func (s *dynamoShim) tableOp(w http.ResponseWriter, r *http.Request, op string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		dynamoError(w, "SerializationException", err.Error())
		return
	}
	var in struct{ TableName string }
	if err := json.Unmarshal(body, &in); err != nil {
		dynamoError(w, "SerializationException", err.Error())
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	s.next.ServeHTTP(rec, r)
	res := rec.Result()
	out := rec.Body.Bytes()
	if res.StatusCode == http.StatusOK {
		switch op {
		case "CreateTable":
			s.tables[in.TableName] = &dynamoTTL{}
		case "DeleteTable":
			delete(s.tables, in.TableName)
		}
		status := "ACTIVE"
		if op == "DeleteTable" {
			status = "DELETING"
		}
		if patched, err := setTableStatus(out, status); err == nil {
			out = patched
		}
	}
	for k, v := range res.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(res.StatusCode)
	w.Write(out)
}

// setTableStatus sets TableStatus in the description of a table response ("Table" or "TableDescription").
func setTableStatus(body []byte, status string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	for _, field := range []string{"Table", "TableDescription"} {
		if desc, ok := m[field].(map[string]any); ok {
			desc["TableStatus"] = status
		}
	}
	return json.Marshal(m)
}

func (s *dynamoShim) listTables(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ExclusiveStartTableName string
		Limit                   int
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil && err != io.EOF {
		dynamoError(w, "SerializationException", err.Error())
		return
	}
	if in.Limit <= 0 || in.Limit > 100 {
		in.Limit = 100
	}
	var names []string
	for name := range s.tables {
		if name > in.ExclusiveStartTableName {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	out := map[string]any{"TableNames": []string{}}
	if len(names) > in.Limit {
		names = names[:in.Limit]
		out["LastEvaluatedTableName"] = names[len(names)-1]
	}
	if len(names) > 0 {
		out["TableNames"] = names
	}
	dynamoJSON(w, out)
}

// timeToLive keeps the TTL setting per table, with DynamoDB's answers for a missing table and for enabling or
// disabling TTL twice. Nothing ever expires.
func (s *dynamoShim) timeToLive(w http.ResponseWriter, r *http.Request, op string) {
	var in struct {
		TableName               string
		TimeToLiveSpecification *struct {
			AttributeName string
			Enabled       bool
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		dynamoError(w, "SerializationException", err.Error())
		return
	}
	ttl, ok := s.tables[in.TableName]
	if !ok {
		dynamoError(w, "ResourceNotFoundException", "Requested resource not found: Table: "+in.TableName+" not found")
		return
	}
	if op == "DescribeTimeToLive" {
		desc := map[string]any{"TimeToLiveStatus": "DISABLED"}
		if ttl.Enabled {
			desc = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": ttl.Attribute}
		}
		dynamoJSON(w, map[string]any{"TimeToLiveDescription": desc})
		return
	}
	spec := in.TimeToLiveSpecification
	switch {
	case spec == nil || spec.AttributeName == "":
		dynamoError(w, "ValidationException", "TimeToLiveSpecification with an AttributeName is required")
		return
	case spec.Enabled && ttl.Enabled:
		dynamoError(w, "ValidationException", "TimeToLive is already enabled")
		return
	case !spec.Enabled && !ttl.Enabled:
		dynamoError(w, "ValidationException", "TimeToLive is already disabled")
		return
	}
	ttl.Attribute, ttl.Enabled = spec.AttributeName, spec.Enabled
	dynamoJSON(w, map[string]any{"TimeToLiveSpecification": spec})
}

func dynamoJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	json.NewEncoder(w).Encode(v)
}

// dynamoError writes an error the way DynamoDB does, so the SDK maps it to its typed error.
func dynamoError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + typ, "message": msg})
}
