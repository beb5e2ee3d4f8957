package s3_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/s3"
	"github.com/waqtor/waqtor/shared/storetest"
)

const bucket = "waqtor-media-test"

// newClient starts an in-process gofakes3 with an empty bucket and returns a path-style client for it.
func newClient(t *testing.T) *awss3.Client {
	t.Helper()
	client, _ := newServer(t, false)
	return client
}

// newServer starts an in-process gofakes3 with an empty bucket, over TLS or plain HTTP, and returns a path-style
// client for it and an HTTP client that trusts it.
func newServer(t *testing.T, tls bool) (*awss3.Client, *http.Client) {
	t.Helper()
	handler := gofakes3.New(s3mem.New()).Server()
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	client := awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   srv.Client(),
	})
	if _, err := client.CreateBucket(t.Context(), &awss3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return client, srv.Client()
}

func newStore(t *testing.T, client *awss3.Client) *s3.MediaStore {
	t.Helper()
	s, err := s3.NewMediaStore(client, bucket)
	if err != nil {
		t.Fatalf("NewMediaStore: %v", err)
	}
	return s
}

func TestMediaStoreContract(t *testing.T) {
	storetest.RunMedia(t, func(t *testing.T) media.Store { return newStore(t, newClient(t)) },
		storetest.MediaFeatures{Presign: true})
}

// The suite passes over TLS too, the transport used against AWS.
func TestMediaStoreContractTLS(t *testing.T) {
	var httpClient *http.Client
	storetest.RunMedia(t, func(t *testing.T) media.Store {
		client, hc := newServer(t, true)
		httpClient = hc
		return newStore(t, client)
	}, storetest.MediaFeatures{Presign: true, HTTPClient: &http.Client{Transport: transportOf(&httpClient)}})
}

// transportOf lets the suite's one HTTP client use the TLS client of whichever server the current test started.
func transportOf(c **http.Client) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) { return (*c).Transport.RoundTrip(r) })
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMediaStoreObjectLayout(t *testing.T) {
	client := newClient(t)
	s := newStore(t, client)
	ctx := t.Context()
	for _, sc := range [][2]string{{"ten_a", "photo.jpg"}, {"ten_b", "photo.jpg"}, {"ten_a", "voice.ogg"}} {
		if err := s.Put(ctx, sc[0], sc[1], strings.NewReader("x"), 1, "image/jpeg"); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	out, err := client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	slices.Sort(keys)
	if want := []string{"media/ten_a/photo.jpg", "media/ten_a/voice.ogg", "media/ten_b/photo.jpg"}; !slices.Equal(keys, want) {
		t.Fatalf("object keys %v, want %v", keys, want)
	}
	head, err := client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("media/ten_a/photo.jpg")})
	if err != nil || aws.ToString(head.ContentType) != "image/jpeg" {
		t.Fatalf("HeadObject = %+v, %v; want Content-Type image/jpeg", head, err)
	}
}

func TestMediaStorePresignURL(t *testing.T) {
	s := newStore(t, newClient(t))
	raw, err := s.PresignGet(t.Context(), "ten_a", "doc.pdf", 15*time.Minute)
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("URL %q: %v", raw, err)
	}
	q := u.Query()
	if u.Path != "/"+bucket+"/media/ten_a/doc.pdf" || q.Get("X-Amz-Expires") != "900" ||
		q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Signature") == "" {
		t.Fatalf("presigned URL %s: want path /%s/media/ten_a/doc.pdf, expiry 900 s and a SigV4 signature", raw, bucket)
	}
}

func TestMediaStoreMissingBucket(t *testing.T) {
	s, err := s3.NewMediaStore(newClient(t), "no-such-bucket")
	if err != nil {
		t.Fatalf("NewMediaStore: %v", err)
	}
	_, _, err = s.Open(t.Context(), "ten_a", "photo.jpg")
	if err == nil || errors.Is(err, media.ErrNotFound) {
		t.Fatalf("Open in a missing bucket = %v, want an error that is not ErrNotFound", err)
	}
	if err := s.Put(t.Context(), "ten_a", "photo.jpg", strings.NewReader("x"), 1, "image/jpeg"); err == nil {
		t.Fatal("Put in a missing bucket succeeded")
	}
}

func TestNewMediaStore(t *testing.T) {
	client := awss3.New(awss3.Options{Region: "us-east-1"})
	for _, name := range []string{"", "ab", "Upper", "-start", "end-", "under_score", strings.Repeat("a", 64)} {
		if _, err := s3.NewMediaStore(client, name); err == nil {
			t.Errorf("NewMediaStore(%q) succeeded", name)
		}
	}
	if _, err := s3.NewMediaStore(nil, bucket); err == nil {
		t.Error("NewMediaStore(nil) succeeded")
	}
	if _, err := s3.NewMediaStore(client, "abc"); err != nil {
		t.Errorf("NewMediaStore(abc): %v", err)
	}
}

// Put makes one attempt: a server error is returned, not retried with a drained stream.
func TestMediaStorePutNoRetry(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`<Error><Code>SlowDown</Code><Message>slow down</Message></Error>`))
	}))
	t.Cleanup(srv.Close)
	client := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	s := newStore(t, client)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Put(ctx, "ten_a", "f", strings.NewReader("x"), 1, "text/plain"); err == nil {
		t.Fatal("Put succeeded against a failing server")
	}
	if calls != 1 {
		t.Fatalf("Put made %d requests, want 1", calls)
	}
}
