package localdisk_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/storetest"
)

func newStore(t *testing.T) (*localdisk.MediaStore, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "media")
	s, err := localdisk.NewMediaStore(root)
	if err != nil {
		t.Fatalf("NewMediaStore: %v", err)
	}
	return s, root
}

func TestMediaStoreContract(t *testing.T) {
	storetest.RunMedia(t, func(t *testing.T) media.Store {
		s, _ := newStore(t)
		return s
	}, storetest.MediaFeatures{Presign: false})
}

func TestMediaStoreLayout(t *testing.T) {
	s, root := newStore(t)
	ctx := t.Context()
	if err := s.Put(ctx, "ten_a", "photo.jpg", strings.NewReader("jpeg bytes"), 10, "image/jpeg"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	for path, want := range map[string]fs.FileMode{
		root:                         0o700 | fs.ModeDir,
		filepath.Join(root, "ten_a"): 0o700 | fs.ModeDir,
		filepath.Join(root, "ten_a", "photo.jpg"): 0o600,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if st.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, st.Mode(), want)
		}
	}
	// No temporary file is left behind, after a success or a failure.
	if err := s.Put(ctx, "ten_a", "photo.jpg", strings.NewReader("short"), 10, "image/jpeg"); !errors.Is(err, media.ErrSizeMismatch) {
		t.Fatalf("short Put = %v", err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "ten_a"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "photo.jpg" {
		t.Fatalf("tenant directory holds %v, %v; want only photo.jpg", entries, err)
	}
	b, err := os.ReadFile(filepath.Join(root, "ten_a", "photo.jpg"))
	if err != nil || !bytes.HasSuffix(b, []byte("\njpeg bytes")) {
		t.Fatalf("file content %q, %v", b, err)
	}
}

func TestMediaStoreCorrupt(t *testing.T) {
	s, root := newStore(t)
	ctx := t.Context()
	if err := s.Put(ctx, "ten_a", "f.bin", strings.NewReader("0123456789"), 10, "text/plain"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	file := filepath.Join(root, "ten_a", "f.bin")
	for name, content := range map[string]string{
		"truncated":    `{"mime":"text/plain","size":10}` + "\n01234",
		"no header":    "0123456789",
		"empty":        "",
		"bad json":     "{mime\n0123456789",
		"longer":       `{"mime":"text/plain","size":10}` + "\n0123456789extra",
		"missing mime": `{"size":10}` + "\n0123456789",
	} {
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if rc, _, err := s.Open(ctx, "ten_a", "f.bin"); !errors.Is(err, localdisk.ErrCorrupt) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("%s: Open = %v, want ErrCorrupt", name, err)
		}
	}
}

func TestNewMediaStore(t *testing.T) {
	if _, err := localdisk.NewMediaStore(""); err == nil {
		t.Error("NewMediaStore(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := localdisk.NewMediaStore(filepath.Join(file, "media")); err == nil {
		t.Error("NewMediaStore under a file succeeded")
	}
}

// The reader Open returns seeks within the content only, so http.ServeContent serves ranges of the file itself.
func TestMediaStoreServeContent(t *testing.T) {
	s, _ := newStore(t)
	data := []byte("0123456789abcdefghij")
	if err := s.Put(t.Context(), "ten_a", "f.txt", bytes.NewReader(data), int64(len(data)), "text/plain"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	rc, info, err := s.Open(t.Context(), "ten_a", "f.txt")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		t.Fatalf("Open returned %T, want an io.ReadSeeker", rc)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/f.txt", nil)
	req.Header.Set("Range", "bytes=5-9")
	http.ServeContent(rec, req, "f.txt", info.ModTime, rs)
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "56789" ||
		rec.Header().Get("Content-Range") != "bytes 5-9/20" {
		t.Fatalf("range response %d %q %q, want 206 \"56789\" bytes 5-9/20", rec.Code, rec.Body, rec.Header().Get("Content-Range"))
	}
}
