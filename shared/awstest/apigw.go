package awstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// ManagementAPI is a fake of API Gateway's WebSocket Management API (restJson1) for one stage, as no emulator
// of it runs offline: POST /{stage}/@connections/{id} records the frame, GET answers the connection's info,
// DELETE closes it. A connection the fake does not know, or one that was closed or dropped, answers 410 with
// X-Amzn-Errortype: GoneException (the SDK's *types.GoneException), as API Gateway does. Open registers a
// connection (API Gateway does on a successful $connect); Drop makes it vanish as a client that went away does.
// Signatures are not checked.
type ManagementAPI struct {
	// URL is the stage's endpoint (http://127.0.0.1:port/<stage>), for the SDK's BaseEndpoint; WSURL is the same
	// as ws://, the WebSocket URL clients would be given (WAQTOR_WS_URL).
	URL, WSURL string
	Stage      string

	srv *httptest.Server

	mu    sync.Mutex
	conns map[string]*fakeConn
	posts []Post
}

type fakeConn struct {
	open        bool
	connectedAt time.Time
	frames      [][]byte
}

// Post is one PostToConnection call the fake answered.
type Post struct {
	ConnectionID string
	Data         []byte
	// Status is the HTTP status it answered (200, or 410 for a gone connection).
	Status int
}

// NewManagementAPI starts the fake on 127.0.0.1 for stage and stops it when the test ends.
func NewManagementAPI(t testing.TB, stage string) *ManagementAPI {
	t.Helper()
	f := &ManagementAPI{Stage: stage, conns: map[string]*fakeConn{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL + "/" + stage
	f.WSURL = "ws://" + strings.TrimPrefix(f.srv.URL, "http://") + "/" + stage
	t.Cleanup(f.srv.Close)
	return f
}

// Client returns an SDK client for the fake: static credentials, BaseEndpoint the stage URL, no SDK retries.
func (f *ManagementAPI) Client() *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
		BaseEndpoint: aws.String(f.URL),
		Retryer:      aws.NopRetryer{},
	})
}

// Open registers an open connection.
func (f *ManagementAPI) Open(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns[id] = &fakeConn{open: true, connectedAt: time.Now().UTC()}
}

// Drop makes a connection vanish without a $disconnect (the client's network went away): posts to it answer 410.
func (f *ManagementAPI) Drop(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.conns[id]; ok {
		c.open = false
	}
}

// IsOpen reports whether the connection is open (not closed by DELETE, not dropped).
func (f *ManagementAPI) IsOpen(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conns[id]
	return ok && c.open
}

// Frames returns the frames posted to a connection while it was open, in order.
func (f *ManagementAPI) Frames(id string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.conns[id]
	if !ok {
		return nil
	}
	out := make([][]byte, len(c.frames))
	copy(out, c.frames)
	return out
}

// Posts returns every PostToConnection call, in order.
func (f *ManagementAPI) Posts() []Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Post, len(f.posts))
	copy(out, f.posts)
	return out
}

func (f *ManagementAPI) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/"+f.Stage+"/@connections/")
	id, err := url.PathUnescape(rest)
	if !ok || err != nil || id == "" || strings.Contains(id, "/") {
		mgmtError(w, http.StatusNotFound, "NotFoundException", "no such route "+r.URL.Path)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, known := f.conns[id]
	gone := !known || !c.open
	switch r.Method {
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, 128<<10+1))
		if err != nil {
			mgmtError(w, http.StatusBadRequest, "BadRequestException", err.Error())
			return
		}
		if len(body) > 128<<10 {
			f.posts = append(f.posts, Post{ConnectionID: id, Data: body, Status: http.StatusRequestEntityTooLarge})
			mgmtError(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "the payload is over 128 KB")
			return
		}
		if gone {
			f.posts = append(f.posts, Post{ConnectionID: id, Data: body, Status: http.StatusGone})
			mgmtError(w, http.StatusGone, "GoneException", "")
			return
		}
		f.posts = append(f.posts, Post{ConnectionID: id, Data: body, Status: http.StatusOK})
		c.frames = append(c.frames, body)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		if gone {
			mgmtError(w, http.StatusGone, "GoneException", "")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"connectedAt": c.connectedAt.Format(time.RFC3339),
			"lastActiveAt": c.connectedAt.Format(time.RFC3339),
			"identity":     map[string]string{"sourceIp": "203.0.113.7", "userAgent": "awstest"}})
	case http.MethodDelete:
		if gone {
			mgmtError(w, http.StatusGone, "GoneException", "")
			return
		}
		c.open = false
		w.WriteHeader(http.StatusNoContent)
	default:
		mgmtError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", r.Method)
	}
}

func mgmtError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
