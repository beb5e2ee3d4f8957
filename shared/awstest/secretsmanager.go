package awstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Account is the AWS account ID of the ARNs the fakes make up.
const Account = "123456789012"

// SecretsManager is an in-process fake of AWS Secrets Manager that answers GetSecretValue (AWS JSON 1.1) for
// the secrets put into it, enough for code that reads a secret at cold start. Every other operation answers
// UnknownOperationException.
type SecretsManager struct {
	// URL is the endpoint (http://127.0.0.1:port), for a client or for AWS_ENDPOINT_URL_SECRETS_MANAGER.
	URL string

	mu      sync.Mutex
	secrets map[string]fakeSecret // by ARN
	reads   []string              // SecretId of every GetSecretValue call
}

type fakeSecret struct {
	name, value string
	created     time.Time
}

// NewSecretsManager starts an empty fake on 127.0.0.1, stopped in t.Cleanup.
func NewSecretsManager(t testing.TB) *SecretsManager {
	t.Helper()
	s := &SecretsManager{secrets: map[string]fakeSecret{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Put stores a secret string under name and returns its ARN. GetSecretValue finds it by ARN or by name.
func (s *SecretsManager) Put(name, value string) (arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	arn = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", Region, Account, name)
	s.secrets[arn] = fakeSecret{name: name, value: value, created: time.Now()}
	return arn
}

// Reads returns the SecretId of every GetSecretValue call so far, to check who read what.
func (s *SecretsManager) Reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reads)
}

// Client returns a Secrets Manager client for the fake.
func (s *SecretsManager) Client() *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
}

func (s *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "secretsmanager.GetSecretValue" {
		secretsError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by the fake", target))
		return
	}
	var in struct {
		SecretId     string
		VersionId    string
		VersionStage string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		secretsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	s.reads = append(s.reads, in.SecretId)
	arn, sec, ok := s.lookup(in.SecretId)
	s.mu.Unlock()
	switch {
	case in.SecretId == "":
		secretsError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required")
	case !ok:
		secretsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	case in.VersionStage != "" && in.VersionStage != "AWSCURRENT", in.VersionId != "" && in.VersionId != fakeVersionID:
		secretsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for the version.")
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(map[string]any{
			"ARN":           arn,
			"Name":          sec.name,
			"SecretString":  sec.value,
			"VersionId":     fakeVersionID,
			"VersionStages": []string{"AWSCURRENT"},
			"CreatedDate":   float64(sec.created.UnixMilli()) / 1000,
		})
	}
}

// fakeVersionID is the version of every secret: the fake keeps one version per secret.
const fakeVersionID = "00000000-0000-4000-8000-000000000001"

// lookup finds a secret by ARN or name. The caller holds s.mu.
func (s *SecretsManager) lookup(id string) (string, fakeSecret, bool) {
	if sec, ok := s.secrets[id]; ok {
		return id, sec, true
	}
	for arn, sec := range s.secrets {
		if sec.name == id && !strings.HasPrefix(id, "arn:") {
			return arn, sec, true
		}
	}
	return "", fakeSecret{}, false
}

// secretsError writes an error the way Secrets Manager does, so the SDK maps it to its typed error.
func secretsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
