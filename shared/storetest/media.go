package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
)

// MediaFeatures declares the real differences between media.Store adapters.
type MediaFeatures struct {
	// Presign: PresignGet returns a URL that net/http can GET (S3). When false it must return media.ErrNoPresign
	// (the local disk).
	Presign bool
	// HTTPClient fetches presigned URLs (default http.DefaultClient).
	HTTPClient *http.Client
}

// RunMedia runs the contract suite of media.Store; newStore must return a store over fresh, empty storage each call.
func RunMedia(t *testing.T, newStore func(t *testing.T) media.Store, f MediaFeatures) {
	if f.HTTPClient == nil {
		f.HTTPClient = http.DefaultClient
	}
	tests := []struct {
		name string
		test func(t *testing.T, s media.Store, f MediaFeatures)
	}{
		{"PutOpen", testMediaPutOpen},
		{"Overwrite", testMediaOverwrite},
		{"NotFound", testMediaNotFound},
		{"Delete", testMediaDelete},
		{"TenantIsolation", testMediaTenantIsolation},
		{"InvalidKeys", testMediaInvalidKeys},
		{"Mime", testMediaMime},
		{"SizeMismatch", testMediaSizeMismatch},
		{"Canceled", testMediaCanceled},
		{"Large", testMediaLarge},
		{"ConcurrentPuts", testMediaConcurrentPuts},
		{"Presign", testMediaPresign},
		{"DeleteOlder", testMediaDeleteOlder},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, newStore(t), f) })
	}
}

// mediaOnlyReader hides every method but Read (Seek, WriterTo, Len), so adapters must stream.
type mediaOnlyReader struct{ r io.Reader }

func (o mediaOnlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func mediaPut(t *testing.T, s media.Store, tenantID, key string, data []byte, mime string) {
	t.Helper()
	if err := s.Put(ctx, tenantID, key, mediaOnlyReader{bytes.NewReader(data)}, int64(len(data)), mime); err != nil {
		t.Fatalf("Put(%s, %s): %v", tenantID, key, err)
	}
}

// read opens a file and returns its bytes and info.
func mediaRead(t *testing.T, s media.Store, tenantID, key string) ([]byte, media.Info) {
	t.Helper()
	rc, info, err := s.Open(ctx, tenantID, key)
	if err != nil {
		t.Fatalf("Open(%s, %s): %v", tenantID, key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s: %v", tenantID, key, err)
	}
	return b, info
}

func wantMediaFile(t *testing.T, s media.Store, tenantID, key string, data []byte, mime string) media.Info {
	t.Helper()
	got, info := mediaRead(t, s, tenantID, key)
	if !bytes.Equal(got, data) {
		t.Fatalf("%s/%s: got %d bytes %.40q, want %d bytes %.40q", tenantID, key, len(got), got, len(data), data)
	}
	if info.Size != int64(len(data)) || info.Mime != mime {
		t.Fatalf("%s/%s: info %+v, want size %d mime %q", tenantID, key, info, len(data), mime)
	}
	return info
}

func wantMediaNotFound(t *testing.T, s media.Store, tenantID, key string) {
	t.Helper()
	rc, info, err := s.Open(ctx, tenantID, key)
	if err == nil {
		rc.Close()
		t.Fatalf("Open(%s, %s) = %+v, want ErrNotFound", tenantID, key, info)
	}
	if !errors.Is(err, media.ErrNotFound) || apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("Open(%s, %s) = %v, want ErrNotFound (code not_found)", tenantID, key, err)
	}
}

func testMediaPutOpen(t *testing.T, s media.Store, _ MediaFeatures) {
	data := []byte("\xff\xd8\xff\xe0 a jpeg, or so it says")
	before := time.Now().Truncate(time.Second)
	mediaPut(t, s, "ten_a", "3EB0C431C26A1916F5B2.jpg", data, "image/jpeg")
	after := time.Now()
	info := wantMediaFile(t, s, "ten_a", "3EB0C431C26A1916F5B2.jpg", data, "image/jpeg")
	if info.ModTime.Before(before) || info.ModTime.After(after.Add(time.Second)) {
		t.Errorf("ModTime %v, want between %v and %v", info.ModTime, before, after)
	}
	// A MIME type with parameters and a key of the longest length round-trip too.
	long := strings.Repeat("k", media.MaxKeyLen)
	mediaPut(t, s, "ten_a", long, []byte("OggS voice"), "audio/ogg; codecs=opus")
	wantMediaFile(t, s, "ten_a", long, []byte("OggS voice"), "audio/ogg; codecs=opus")
	// An empty file is a file.
	mediaPut(t, s, "ten_a", "empty.txt", nil, "text/plain")
	wantMediaFile(t, s, "ten_a", "empty.txt", nil, "text/plain")
}

func testMediaOverwrite(t *testing.T, s media.Store, _ MediaFeatures) {
	mediaPut(t, s, "ten_a", "doc.bin", bytes.Repeat([]byte("first "), 1000), "application/pdf")
	mediaPut(t, s, "ten_a", "doc.bin", []byte("second, shorter"), "text/plain")
	wantMediaFile(t, s, "ten_a", "doc.bin", []byte("second, shorter"), "text/plain")
}

func testMediaNotFound(t *testing.T, s media.Store, _ MediaFeatures) {
	wantMediaNotFound(t, s, "ten_a", "missing.jpg")
	mediaPut(t, s, "ten_a", "present.jpg", []byte("x"), "image/jpeg")
	wantMediaNotFound(t, s, "ten_a", "missing.jpg")
	wantMediaNotFound(t, s, "ten_a", "present.jp")
	wantMediaNotFound(t, s, "ten_a", "present.jpg.")
	wantMediaNotFound(t, s, "ten_b", "present.jpg")
}

func testMediaDelete(t *testing.T, s media.Store, _ MediaFeatures) {
	mediaPut(t, s, "ten_a", "a.jpg", []byte("a"), "image/jpeg")
	mediaPut(t, s, "ten_a", "b.jpg", []byte("b"), "image/jpeg")
	if err := s.Delete(ctx, "ten_a", "a.jpg"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMediaNotFound(t, s, "ten_a", "a.jpg")
	wantMediaFile(t, s, "ten_a", "b.jpg", []byte("b"), "image/jpeg")
	// Deleting again, or a key that never existed, succeeds.
	if err := s.Delete(ctx, "ten_a", "a.jpg"); err != nil {
		t.Fatalf("Delete again: %v", err)
	}
	if err := s.Delete(ctx, "ten_never", "never.jpg"); err != nil {
		t.Fatalf("Delete of a never-stored file: %v", err)
	}
	// A deleted key can be written again.
	mediaPut(t, s, "ten_a", "a.jpg", []byte("again"), "image/png")
	wantMediaFile(t, s, "ten_a", "a.jpg", []byte("again"), "image/png")
}

func testMediaTenantIsolation(t *testing.T, s media.Store, f MediaFeatures) {
	mediaPut(t, s, "ten_a", "same.jpg", []byte("tenant a"), "image/jpeg")
	mediaPut(t, s, "ten_b", "same.jpg", []byte("tenant b"), "image/png")
	wantMediaFile(t, s, "ten_a", "same.jpg", []byte("tenant a"), "image/jpeg")
	wantMediaFile(t, s, "ten_b", "same.jpg", []byte("tenant b"), "image/png")

	mediaPut(t, s, "ten_a", "only-a.jpg", []byte("secret of a"), "image/jpeg")
	wantMediaNotFound(t, s, "ten_b", "only-a.jpg")
	// Tenant IDs that are prefixes of each other stay apart.
	wantMediaNotFound(t, s, "ten", "only-a.jpg")
	wantMediaNotFound(t, s, "ten_a2", "only-a.jpg")
	// B deleting "its" file leaves A's alone.
	if err := s.Delete(ctx, "ten_b", "only-a.jpg"); err != nil {
		t.Fatalf("Delete by b: %v", err)
	}
	if err := s.Delete(ctx, "ten_b", "same.jpg"); err != nil {
		t.Fatalf("Delete by b: %v", err)
	}
	wantMediaFile(t, s, "ten_a", "only-a.jpg", []byte("secret of a"), "image/jpeg")
	wantMediaFile(t, s, "ten_a", "same.jpg", []byte("tenant a"), "image/jpeg")
	wantMediaNotFound(t, s, "ten_b", "same.jpg")
	// Path tricks cannot reach A's files: they are invalid keys, not lookups.
	for _, key := range []string{"../ten_a/only-a.jpg", "..", "ten_a/only-a.jpg"} {
		if _, _, err := s.Open(ctx, "ten_b", key); !errors.Is(err, media.ErrInvalidKey) {
			t.Errorf("Open(ten_b, %q) = %v, want ErrInvalidKey", key, err)
		}
	}
	if f.Presign {
		u, err := s.PresignGet(ctx, "ten_b", "only-a.jpg", time.Minute)
		if err != nil {
			t.Fatalf("PresignGet: %v", err)
		}
		if status, body := mediaFetch(t, f, u); status == http.StatusOK || bytes.Contains(body, []byte("secret of a")) {
			t.Fatalf("b's URL for only-a.jpg gave %d %q, want a failure", status, body)
		}
	}
}

func testMediaInvalidKeys(t *testing.T, s media.Store, _ MediaFeatures) {
	mediaPut(t, s, "ten_a", "ok.jpg", []byte("ok"), "image/jpeg")
	scopes := []struct{ tenant, key string }{
		{"ten_a", ""}, {"ten_a", "."}, {"ten_a", ".."}, {"ten_a", ".hidden"}, {"ten_a", "a/b"}, {"ten_a", "../ok.jpg"},
		{"ten_a", "a\\b"}, {"ten_a", "a b"}, {"ten_a", "é.jpg"}, {"ten_a", strings.Repeat("k", media.MaxKeyLen+1)},
		{"", "ok.jpg"}, {"..", "ok.jpg"}, {".", "ok.jpg"}, {"ten_a/..", "ok.jpg"}, {"ten_a/x", "ok.jpg"},
	}
	for _, sc := range scopes {
		what := fmt.Sprintf("(%q, %.30q)", sc.tenant, sc.key)
		if err := s.Put(ctx, sc.tenant, sc.key, strings.NewReader("x"), 1, "text/plain"); !errors.Is(err, media.ErrInvalidKey) {
			t.Errorf("Put%s = %v, want ErrInvalidKey", what, err)
		}
		if rc, _, err := s.Open(ctx, sc.tenant, sc.key); !errors.Is(err, media.ErrInvalidKey) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open%s = %v, want ErrInvalidKey", what, err)
		}
		if err := s.Delete(ctx, sc.tenant, sc.key); !errors.Is(err, media.ErrInvalidKey) {
			t.Errorf("Delete%s = %v, want ErrInvalidKey", what, err)
		}
		if _, err := s.PresignGet(ctx, sc.tenant, sc.key, time.Minute); !errors.Is(err, media.ErrInvalidKey) {
			t.Errorf("PresignGet%s = %v, want ErrInvalidKey", what, err)
		}
		if apperr.CodeOf(s.Delete(ctx, sc.tenant, sc.key)) != apperr.Validation {
			t.Errorf("Delete%s: want code validation_failed", what)
		}
	}
	wantMediaFile(t, s, "ten_a", "ok.jpg", []byte("ok"), "image/jpeg")
}

func testMediaMime(t *testing.T, s media.Store, _ MediaFeatures) {
	mediaPut(t, s, "ten_a", "no-type", []byte("bytes"), "")
	wantMediaFile(t, s, "ten_a", "no-type", []byte("bytes"), media.DefaultMime)
	mediaPut(t, s, "ten_a", "upper", []byte("bytes"), "Image/JPEG")
	wantMediaFile(t, s, "ten_a", "upper", []byte("bytes"), "image/jpeg")
	for _, m := range []string{"jpeg", "image/jpeg\r\nX-Injected: 1", "text/plain; =x"} {
		if err := s.Put(ctx, "ten_a", "bad-type", strings.NewReader("x"), 1, m); !errors.Is(err, media.ErrInvalidMime) {
			t.Errorf("Put with mime %q = %v, want ErrInvalidMime", m, err)
		}
	}
	wantMediaNotFound(t, s, "ten_a", "bad-type")
}

func testMediaSizeMismatch(t *testing.T, s media.Store, _ MediaFeatures) {
	old := []byte("the old content")
	mediaPut(t, s, "ten_a", "kept.bin", old, "application/pdf")
	for _, tc := range []struct {
		name string
		data []byte
		size int64
	}{
		{"short", bytes.Repeat([]byte("s"), 1000), 1001},
		{"long", bytes.Repeat([]byte("l"), 1000), 999},
		{"long-after-empty", []byte("x"), 0},
	} {
		err := s.Put(ctx, "ten_a", "kept.bin", mediaOnlyReader{bytes.NewReader(tc.data)}, tc.size, "text/plain")
		if !errors.Is(err, media.ErrSizeMismatch) || apperr.CodeOf(err) != apperr.Validation {
			t.Errorf("%s: overwrite = %v, want ErrSizeMismatch", tc.name, err)
		}
		wantMediaFile(t, s, "ten_a", "kept.bin", old, "application/pdf")
		err = s.Put(ctx, "ten_a", "new-"+tc.name, mediaOnlyReader{bytes.NewReader(tc.data)}, tc.size, "text/plain")
		if !errors.Is(err, media.ErrSizeMismatch) {
			t.Errorf("%s: new file = %v, want ErrSizeMismatch", tc.name, err)
		}
		wantMediaNotFound(t, s, "ten_a", "new-"+tc.name)
	}
	if err := s.Put(ctx, "ten_a", "negative", strings.NewReader(""), -1, "text/plain"); !errors.Is(err, media.ErrSizeMismatch) {
		t.Errorf("Put with size -1 = %v, want ErrSizeMismatch", err)
	}
	// A reader that fails leaves nothing behind either.
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("partial"), mediaErrReader{boom})
	if err := s.Put(ctx, "ten_a", "kept.bin", r, 100, "text/plain"); !errors.Is(err, boom) {
		t.Errorf("Put with a failing reader = %v, want the reader's error", err)
	}
	wantMediaFile(t, s, "ten_a", "kept.bin", old, "application/pdf")
}

type mediaErrReader struct{ err error }

func (e mediaErrReader) Read([]byte) (int, error) { return 0, e.err }

func testMediaCanceled(t *testing.T, s media.Store, _ MediaFeatures) {
	mediaPut(t, s, "ten_a", "kept.bin", []byte("old"), "text/plain")
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(canceled, "ten_a", "kept.bin", strings.NewReader("new"), 3, "text/plain"); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context = %v, want context.Canceled", err)
	}
	wantMediaFile(t, s, "ten_a", "kept.bin", []byte("old"), "text/plain")

	// Canceled while the body streams: the reader cancels after the first chunk.
	mid, cancelMid := context.WithCancel(ctx)
	defer cancelMid()
	r := io.MultiReader(bytes.NewReader(make([]byte, 64<<10)), mediaCancelingReader{cancelMid}, bytes.NewReader(make([]byte, 64<<10)))
	if err := s.Put(mid, "ten_a", "kept.bin", r, 128<<10, "text/plain"); !errors.Is(err, context.Canceled) {
		t.Errorf("Put canceled mid-stream = %v, want context.Canceled", err)
	}
	wantMediaFile(t, s, "ten_a", "kept.bin", []byte("old"), "text/plain")
}

// mediaCancelingReader cancels a context when read, and yields nothing.
type mediaCancelingReader struct{ cancel context.CancelFunc }

func (c mediaCancelingReader) Read([]byte) (int, error) { c.cancel(); return 0, io.EOF }

// pattern is a deterministic, non-repeating-looking stream of n bytes.
func mediaPattern(n int) io.Reader {
	return io.LimitReader(&mediaPatternReader{}, int64(n))
}

type mediaPatternReader struct{ i uint32 }

func (p *mediaPatternReader) Read(b []byte) (int, error) {
	for k := range b {
		p.i = p.i*1664525 + 1013904223
		b[k] = byte(p.i >> 24)
	}
	return len(b), nil
}

func testMediaLarge(t *testing.T, s media.Store, _ MediaFeatures) {
	const size = 6<<20 + 12345 // over the 5 MB image limit, not a multiple of any buffer size
	want := sha256.New()
	io.Copy(want, mediaPattern(size))
	if err := s.Put(ctx, "ten_a", "big.mp4", mediaOnlyReader{mediaPattern(size)}, size, "video/mp4"); err != nil {
		t.Fatalf("Put large: %v", err)
	}
	rc, info, err := s.Open(ctx, "ten_a", "big.mp4")
	if err != nil {
		t.Fatalf("Open large: %v", err)
	}
	defer rc.Close()
	got := sha256.New()
	n, err := io.Copy(got, rc)
	if err != nil || n != size || info.Size != size || info.Mime != "video/mp4" {
		t.Fatalf("read %d bytes, %v, info %+v; want %d bytes of video/mp4", n, err, info, size)
	}
	if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatal("large file: content differs")
	}
}

func testMediaConcurrentPuts(t *testing.T, s media.Store, _ MediaFeatures) {
	const writers, size = 6, 256 << 10
	contents := make([][]byte, writers)
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		contents[i] = bytes.Repeat([]byte{byte('a' + i)}, size)
		wg.Go(func() {
			errs[i] = s.Put(ctx, "ten_a", "raced.bin", mediaOnlyReader{bytes.NewReader(contents[i])}, size, fmt.Sprintf("text/x-%d", i))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent puts: %v", err)
	}
	got, info := mediaRead(t, s, "ten_a", "raced.bin")
	for i, c := range contents {
		if bytes.Equal(got, c) {
			if want := fmt.Sprintf("text/x-%d", i); info.Mime != want {
				t.Fatalf("content of writer %d with mime %q: a torn write", i, info.Mime)
			}
			return
		}
	}
	t.Fatalf("content after concurrent puts is no writer's whole file (%d bytes, starts %.10q)", len(got), got)
}

func mediaFetch(t *testing.T, f MediaFeatures, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("presigned URL %q: %v", url, err)
	}
	resp, err := f.HTTPClient.Do(req)
	if err != nil {
		t.Fatalf("GET presigned URL: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read presigned body: %v", err)
	}
	return resp.StatusCode, b
}

func testMediaPresign(t *testing.T, s media.Store, f MediaFeatures) {
	data := []byte("%PDF-1.7 presigned document")
	mediaPut(t, s, "ten_a", "doc.pdf", data, "application/pdf")
	for _, ttl := range []time.Duration{0, -time.Minute, media.MaxPresignTTL + time.Second} {
		if _, err := s.PresignGet(ctx, "ten_a", "doc.pdf", ttl); !errors.Is(err, media.ErrInvalidTTL) && !(!f.Presign && errors.Is(err, media.ErrNoPresign)) {
			t.Errorf("PresignGet ttl %s = %v, want ErrInvalidTTL", ttl, err)
		}
	}
	u, err := s.PresignGet(ctx, "ten_a", "doc.pdf", 5*time.Minute)
	if !f.Presign {
		if !errors.Is(err, media.ErrNoPresign) || u != "" {
			t.Fatalf("PresignGet = %q, %v; want ErrNoPresign", u, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("PresignGet: %v", err)
	}
	status, body := mediaFetch(t, f, u)
	if status != http.StatusOK || !bytes.Equal(body, data) {
		t.Fatalf("GET presigned URL = %d %q, want 200 %q", status, body, data)
	}
	// The URL names one file: another key's URL does not serve it, and a missing file is not served.
	u2, err := s.PresignGet(ctx, "ten_a", "other.pdf", 5*time.Minute)
	if err != nil {
		t.Fatalf("PresignGet(other): %v", err)
	}
	if status, body := mediaFetch(t, f, u2); status == http.StatusOK {
		t.Fatalf("GET presigned URL of a missing file = 200 %q", body)
	}
}

// testMediaDeleteOlder: files of every tenant whose key has the prefix and which are older than the cut-off go;
// newer ones, other keys and other prefixes stay.
func testMediaDeleteOlder(t *testing.T, s media.Store, _ MediaFeatures) {
	ctx := context.Background()
	for _, tk := range [][2]string{{"tenant-a", "upload-1"}, {"tenant-a", "upload-2"}, {"tenant-b", "upload-3"},
		{"tenant-a", "out-1"}, {"tenant-b", "uploadx"}, {"tenant-b", "in-upload-4"}} {
		mediaPut(t, s, tk[0], tk[1], []byte("data of "+tk[1]), "text/plain")
	}
	// ModTime has second precision on S3: a cut-off an hour back keeps everything, one two seconds ahead does not.
	n, err := s.DeleteOlder(ctx, "upload-", time.Now().Add(-time.Hour))
	if err != nil || n != 0 {
		t.Fatalf("DeleteOlder(an hour ago) = %d, %v; want 0, nil", n, err)
	}
	wantMediaFile(t, s, "tenant-a", "upload-1", []byte("data of upload-1"), "text/plain")
	n, err = s.DeleteOlder(ctx, "upload-", time.Now().Add(2*time.Second))
	if err != nil || n != 3 {
		t.Fatalf("DeleteOlder(soon) = %d, %v; want 3, nil", n, err)
	}
	for _, tk := range [][2]string{{"tenant-a", "upload-1"}, {"tenant-a", "upload-2"}, {"tenant-b", "upload-3"}} {
		wantMediaNotFound(t, s, tk[0], tk[1])
	}
	for _, tk := range [][2]string{{"tenant-a", "out-1"}, {"tenant-b", "uploadx"}, {"tenant-b", "in-upload-4"}} {
		wantMediaFile(t, s, tk[0], tk[1], []byte("data of "+tk[1]), "text/plain")
	}
	if _, err := s.DeleteOlder(ctx, "../", time.Now()); !errors.Is(err, media.ErrInvalidKey) {
		t.Fatalf("DeleteOlder with an invalid prefix: %v; want ErrInvalidKey", err)
	}
}
