package awstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/waqtor/waqtor/shared/testkit"
)

// LocalKMS is the KMS emulator (github.com/nsmithuk/local-kms, a Go program), pinned; it is built once with
// `go install` into the user's cache dir (from the Go module proxy the first time, then offline).
const LocalKMS = "github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6"

// KMS starts local-kms on 127.0.0.1 (stopped in t.Cleanup) and returns a client of it and the ARN of a new
// symmetric key.
func KMS(t testing.TB) (*kms.Client, string) {
	t.Helper()
	bin := localKMSBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "KMS_DATA_PATH="+t.TempDir(),
		"KMS_REGION="+Region, "KMS_ACCOUNT_ID="+Account)
	logs := &testkit.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("awstest: start local-kms: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client := kms.New(kms.Options{Region: Region, BaseEndpoint: aws.String(fmt.Sprintf("http://127.0.0.1:%d", port)),
		Credentials: credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, "")})
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("waqtor test")})
		cancel()
		if err == nil {
			return client, aws.ToString(out.KeyMetadata.Arn)
		}
		if time.Now().After(deadline) {
			t.Fatalf("awstest: local-kms did not answer within 30 s: %v\n%s", err, logs)
		}
		time.Sleep(50 * time.Millisecond) // poll interval while the emulator starts
	}
}

func localKMSBinary(t testing.TB) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "waqtor-awstest", "local-kms-v0.0.0-20260228092603-2a5e92d09ab6")
	bin := filepath.Join(dir, "local-kms")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	cmd := exec.Command("go", "install", LocalKMS)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	cmd.Dir = os.TempDir() // outside this module: its go.mod does not list local-kms
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("awstest: go install %s: %v\n%s", LocalKMS, err, out)
	}
	return bin
}
