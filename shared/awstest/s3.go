package awstest

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// maxChunkedBody bounds an aws-chunked request body the S3 fake decodes in memory.
const maxChunkedBody = 64 << 20

// S3 is an in-memory S3 (gofakes3 v1.2.0) served over TLS on 127.0.0.1, as S3 is reached. Over TLS the SDK sends
// a body it cannot rewind (an upload streamed from a request) as aws-chunked with a trailing checksum
// (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER); over plain HTTP it refuses to send it at all. gofakes3
// does not decode that encoding and would store the chunk framing as the object, so the fake decodes it first and
// checks the trailing checksum, answering 400 BadDigest on a mismatch as S3 does.
//
// Code in another process reaches it with AWS_ENDPOINT_URL_S3=URL and AWS_CA_BUNDLE=CABundle, addressing buckets
// by path.
type S3 struct {
	// URL is the endpoint (https://127.0.0.1:port).
	URL string
	// CABundle is a PEM file of the server's certificate, for AWS_CA_BUNDLE.
	CABundle string

	srv *httptest.Server
}

// NewS3 starts the fake with the named buckets, stopped in t.Cleanup.
func NewS3(t testing.TB, buckets ...string) *S3 {
	t.Helper()
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatalf("awstest: create bucket %s: %v", b, err)
		}
	}
	srv := httptest.NewTLSServer(decodeAWSChunked(gofakes3.New(backend).Server()))
	t.Cleanup(srv.Close)
	bundle := filepath.Join(t.TempDir(), "s3-ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatalf("awstest: write the S3 fake's certificate: %v", err)
	}
	return &S3{URL: srv.URL, CABundle: bundle, srv: srv}
}

// Client returns a path-style S3 client for the fake that trusts its certificate. Like a client made from
// config.LoadDefaultConfig (and unlike a bare s3.Options), it sends checksums whenever the operation supports them.
func (s *S3) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     Region,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		BaseEndpoint:               aws.String(s.URL),
		UsePathStyle:               true,
		HTTPClient:                 s.srv.Client(),
		Credentials:                credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

// decodeAWSChunked turns an unsigned aws-chunked request body with trailers into the plain body it encodes.
func decodeAWSChunked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-UNSIGNED-PAYLOAD-TRAILER" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readAWSChunked(io.LimitReader(r.Body, maxChunkedBody), r.Header.Get("X-Amz-Trailer"))
		r.Body.Close()
		if err != nil {
			code := "InvalidRequest"
			if errors.Is(err, errBadDigest) {
				code = "BadDigest"
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, err)
			return
		}
		if n, err := strconv.Atoi(r.Header.Get("X-Amz-Decoded-Content-Length")); err != nil || n != len(body) {
			http.Error(w, fmt.Sprintf("x-amz-decoded-content-length %q, decoded %d bytes", r.Header.Get("X-Amz-Decoded-Content-Length"), len(body)),
				http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Del("X-Amz-Decoded-Content-Length")
		if enc := strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Content-Encoding"), "aws-chunked"), ","); enc != "" {
			r.Header.Set("Content-Encoding", enc)
		} else {
			r.Header.Del("Content-Encoding")
		}
		next.ServeHTTP(w, r)
	})
}

var errBadDigest = errors.New("the trailing checksum does not match the body")

// readAWSChunked reads chunks ("<hex size>\r\n<data>\r\n") up to the empty one, then the trailer lines
// ("name:value\r\n") up to an empty line, and checks the trailer named by the request's x-amz-trailer.
func readAWSChunked(r io.Reader, trailer string) ([]byte, error) {
	br := bufio.NewReader(r)
	var body bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("chunk size: %w", err)
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("chunk size %q", line)
		}
		if size == 0 {
			break
		}
		if _, err := io.CopyN(&body, br, size); err != nil {
			return nil, fmt.Errorf("chunk of %d bytes: %w", size, err)
		}
		if crlf, err := br.ReadString('\n'); err != nil || crlf != "\r\n" {
			return nil, fmt.Errorf("chunk end %q: %v", crlf, err)
		}
	}
	trailers := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("trailer: %w", err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("trailer line %q", line)
		}
		trailers[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	if trailer == "" {
		return body.Bytes(), nil
	}
	name := strings.ToLower(strings.TrimSpace(trailer))
	got, ok := trailers[name]
	if !ok {
		return nil, fmt.Errorf("no trailer %s among %v", name, trailers)
	}
	var h hash.Hash
	switch name {
	case "x-amz-checksum-crc32":
		h = crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-sha1":
		h = sha1.New()
	case "x-amz-checksum-sha256":
		h = sha256.New()
	default:
		return nil, fmt.Errorf("the fake does not check %s", name)
	}
	h.Write(body.Bytes())
	if want := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != want {
		return nil, fmt.Errorf("%w: %s is %s, the body's is %s", errBadDigest, name, got, want)
	}
	return body.Bytes(), nil
}
