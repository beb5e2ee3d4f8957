package awstest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/waqtor/waqtor/shared/awstest"
)

// onlyReader hides every method of its reader but Read, so the SDK cannot rewind or measure it.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// An upload the SDK cannot rewind travels as aws-chunked with a trailing checksum; the fake stores the bytes it
// encodes, as S3 does, and a seekable upload is stored as it is.
func TestS3Uploads(t *testing.T) {
	fake := awstest.NewS3(t, "media")
	client := fake.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data := bytes.Repeat([]byte("WaQtor media \x00\xff"), 5000) // more than one chunk
	cases := []struct {
		name string
		body io.Reader
	}{
		{"unseekable", onlyReader{bytes.NewReader(data)}},
		{"seekable", bytes.NewReader(data)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("media"), Key: aws.String(c.name),
				Body: c.body, ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String("application/octet-stream")},
				s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
			if err != nil {
				t.Fatalf("PutObject: %v", err)
			}
			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("media"), Key: aws.String(c.name)})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			defer out.Body.Close()
			got, err := io.ReadAll(out.Body)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("stored %d bytes (%v), want the %d bytes sent", len(got), err, len(data))
			}
		})
	}
}

// A trailing checksum that does not match the body is refused with BadDigest, and nothing is stored.
func TestS3ChunkedChecksum(t *testing.T) {
	fake := awstest.NewS3(t, "media")
	pemBytes, err := os.ReadFile(fake.CABundle)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("CABundle %s holds no certificate", fake.CABundle)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()

	body := []byte("hello, media")
	sum := crc32.ChecksumIEEE(body)
	good := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	cases := []struct {
		key, checksum string
		status        int
	}{
		{"good", good, http.StatusOK},
		{"bad", base64.StdEncoding.EncodeToString([]byte{0, 0, 0, 0}), http.StatusBadRequest},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			chunked := fmt.Sprintf("%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n", len(body), body, c.checksum)
			req, err := http.NewRequest(http.MethodPut, fake.URL+"/media/"+c.key, strings.NewReader(chunked))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Encoding", "aws-chunked")
			req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
			req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(body)))
			req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
			res, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.status || c.status != http.StatusOK && !bytes.Contains(answer, []byte("BadDigest")) {
				t.Fatalf("PUT: %d %s, want %d", res.StatusCode, answer, c.status)
			}
			res, err = hc.Get(fake.URL + "/media/" + c.key)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if c.status == http.StatusOK && (res.StatusCode != http.StatusOK || !bytes.Equal(stored, body)) ||
				c.status != http.StatusOK && res.StatusCode != http.StatusNotFound {
				t.Fatalf("GET after the PUT: %d %q", res.StatusCode, stored)
			}
		})
	}
}
