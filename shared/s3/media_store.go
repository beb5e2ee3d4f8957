// Package s3 holds the Amazon S3 adapters of the AWS runtime: MediaStore keeps media files in one private bucket.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/waqtor/waqtor/shared/media"
)

// KeyPrefix starts the object key of every media file: media/<tenantID>/<key>. The CDK stack grants the API
// function access to exactly these objects.
const KeyPrefix = "media/"

// MediaStore is media.Store on one S3 bucket, objects "media/<tenantID>/<key>" holding the bytes with the MIME
// type as Content-Type. PresignGet hands out SigV4-presigned GET URLs, so large files never pass through the API
// function.
//
// Put streams the reader with a Content-Length as an UNSIGNED-PAYLOAD request (the SDK cannot hash a stream in
// advance) and makes exactly one attempt: a stream cannot be rewound for a retry, so the caller retries the whole
// Put.
type MediaStore struct {
	api     *awss3.Client
	presign *awss3.PresignClient
	bucket  string
}

var _ media.Store = (*MediaStore)(nil)

var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// NewMediaStore returns the store on bucket. It makes no call: a missing bucket shows up as an error on use
// (never as media.ErrNotFound).
func NewMediaStore(client *awss3.Client, bucket string) (*MediaStore, error) {
	if client == nil {
		return nil, errors.New("s3: nil client")
	}
	if !bucketPattern.MatchString(bucket) {
		return nil, fmt.Errorf("s3: bucket name %q: want 3 to 63 of a-z 0-9 . -", bucket)
	}
	return &MediaStore{api: client, presign: awss3.NewPresignClient(client), bucket: bucket}, nil
}

// ObjectKey is the object key of a tenant's media file, after checking both names.
func ObjectKey(tenantID, key string) (string, error) {
	if err := media.ValidateScope(tenantID, key); err != nil {
		return "", fmt.Errorf("s3: %w", err)
	}
	return KeyPrefix + tenantID + "/" + key, nil
}

// Put implements media.Store.
func (s *MediaStore) Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mimeType string) error {
	object, err := ObjectKey(tenantID, key)
	if err != nil {
		return err
	}
	mimeType, err = media.NormalizeMime(mimeType)
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", object, err)
	}
	if size < 0 {
		return fmt.Errorf("s3: put %s: %w: negative size %d", object, media.ErrSizeMismatch, size)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("s3: put %s: %w", object, err)
	}
	body := media.ExactReader(ctx, r, size)
	if size == 0 {
		// An empty request body is never read, so check here that the reader is empty too.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return fmt.Errorf("s3: put %s: %w", object, err)
		}
		body = strings.NewReader("")
	}
	_, err = s.api.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(object),
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(mimeType),
	}, func(o *awss3.Options) {
		o.Retryer = aws.NopRetryer{}
		o.RetryMaxAttempts = 0
	}, awss3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", object, err)
	}
	return nil
}

// Open implements media.Store.
func (s *MediaStore) Open(ctx context.Context, tenantID, key string) (io.ReadCloser, media.Info, error) {
	object, err := ObjectKey(tenantID, key)
	if err != nil {
		return nil, media.Info{}, err
	}
	out, err := s.api.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(object)})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, media.Info{}, fmt.Errorf("s3: open %s: %w", object, media.ErrNotFound)
		}
		return nil, media.Info{}, fmt.Errorf("s3: open %s: %w", object, err)
	}
	return out.Body, media.Info{
		Size:    aws.ToInt64(out.ContentLength),
		Mime:    aws.ToString(out.ContentType),
		ModTime: aws.ToTime(out.LastModified),
	}, nil
}

// isNoSuchKey reports whether S3 said the key is missing. A missing bucket (NoSuchBucket, also a 404) is not:
// that is a misconfiguration, which must not pass for a missing file.
func isNoSuchKey(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey"
}

// Delete implements media.Store. S3 answers a delete of a missing key with success, as the port wants.
func (s *MediaStore) Delete(ctx context.Context, tenantID, key string) error {
	object, err := ObjectKey(tenantID, key)
	if err != nil {
		return err
	}
	if _, err := s.api.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(object)}); err != nil {
		return fmt.Errorf("s3: delete %s: %w", object, err)
	}
	return nil
}

// PresignGet implements media.Store with a SigV4-presigned GetObject URL valid for ttl. It signs locally and
// makes no call. On Lambda the signature uses the function's temporary credentials, so a URL stops working when
// they expire even if ttl is longer (up to the role session's remaining life, at most 12 hours).
func (s *MediaStore) PresignGet(ctx context.Context, tenantID, key string, ttl time.Duration) (string, error) {
	object, err := ObjectKey(tenantID, key)
	if err != nil {
		return "", err
	}
	if err := media.ValidateTTL(ttl); err != nil {
		return "", fmt.Errorf("s3: presign %s: %w", object, err)
	}
	req, err := s.presign.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(object)},
		awss3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("s3: presign %s: %w", object, err)
	}
	return req.URL, nil
}

// DeleteOlder implements media.Store: it lists every media object (KeyPrefix<tenantID>/<key>) and deletes the
// matching ones one by one. The caller needs s3:ListBucket on the bucket.
func (s *MediaStore) DeleteOlder(ctx context.Context, keyPrefix string, before time.Time) (int, error) {
	if err := media.ValidateKey(keyPrefix); err != nil {
		return 0, fmt.Errorf("s3: delete older: %w", err)
	}
	n := 0
	pages := awss3.NewListObjectsV2Paginator(s.api, &awss3.ListObjectsV2Input{Bucket: aws.String(s.bucket),
		Prefix: aws.String(KeyPrefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return n, fmt.Errorf("s3: delete older: list: %w", err)
		}
		for _, o := range page.Contents {
			tenantID, key, ok := strings.Cut(strings.TrimPrefix(aws.ToString(o.Key), KeyPrefix), "/")
			if !ok || !strings.HasPrefix(key, keyPrefix) || media.ValidateScope(tenantID, key) != nil ||
				!aws.ToTime(o.LastModified).Before(before) {
				continue
			}
			if _, err := s.api.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: o.Key}); err != nil {
				return n, fmt.Errorf("s3: delete older %s: %w", aws.ToString(o.Key), err)
			}
			n++
		}
	}
	return n, nil
}
