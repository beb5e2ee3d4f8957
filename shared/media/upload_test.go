package media_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/media"
)

type sweeperFunc func(ctx context.Context, keyPrefix string, before time.Time) (int, error)

func (f sweeperFunc) DeleteOlder(ctx context.Context, keyPrefix string, before time.Time) (int, error) {
	return f(ctx, keyPrefix, before)
}

func TestUploadIDsAndSweep(t *testing.T) {
	id := media.NewUploadID()
	if !media.IsUploadID(id) || media.IsUploadID("med_x") || media.IsUploadID("JVBERi0xLjcK") {
		t.Fatalf("IsUploadID: %q", id)
	}
	if err := media.ValidateKey(media.UploadKey(id)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	var prefix string
	var before time.Time
	n, err := media.SweepUploads(context.Background(), sweeperFunc(func(_ context.Context, p string, b time.Time) (int, error) {
		prefix, before = p, b
		return 2, nil
	}), now)
	if n != 2 || err != nil || !strings.HasPrefix(media.UploadKey(id), prefix) || prefix == "" ||
		!before.Equal(now.Add(-media.UploadTTL)) {
		t.Fatalf("SweepUploads removed keys under %q before %v (%d, %v); want the upload prefix, 24 h back", prefix, before, n, err)
	}
	if got := media.UploadExpiry(now); !got.Equal(now.Add(24 * time.Hour)) {
		t.Fatalf("UploadExpiry = %v", got)
	}
}
