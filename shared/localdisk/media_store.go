// Package localdisk holds the local-directory adapters of the standalone runtime: MediaStore keeps media files on
// disk.
package localdisk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/waqtor/waqtor/shared/media"
)

// MediaStore is media.Store on a local directory: root/<tenantID>/<key>, one file per key, directories 0700 and
// files 0600. Each file starts with a one-line JSON header holding its MIME type and size, then the bytes, so a
// file and its type are replaced together by one rename: a Put writes a temporary file ".tmp-*" beside the target,
// syncs it and renames it over the target. Keys never start with a dot (media.ValidateKey), so temporary files
// cannot collide with them.
type MediaStore struct {
	root string
}

var _ media.Store = (*MediaStore)(nil)

// maxHeader bounds the header line (a MIME type is at most media.MaxMimeLen).
const maxHeader = 1024

// header is the first line of every stored file.
type header struct {
	Mime string `json:"mime"`
	Size int64  `json:"size"`
}

// NewMediaStore returns the store under root, creating root (0700) when it does not exist.
func NewMediaStore(root string) (*MediaStore, error) {
	if root == "" {
		return nil, errors.New("localdisk: media root is empty")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("localdisk: media root %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("localdisk: create media root: %w", err)
	}
	return &MediaStore{root: abs}, nil
}

// path returns the tenant's directory and the file's path, after checking both names.
func (s *MediaStore) path(tenantID, key string) (dir, file string, err error) {
	if err := media.ValidateScope(tenantID, key); err != nil {
		return "", "", fmt.Errorf("localdisk: %w", err)
	}
	dir = filepath.Join(s.root, tenantID)
	return dir, filepath.Join(dir, key), nil
}

// Put implements media.Store.
func (s *MediaStore) Put(ctx context.Context, tenantID, key string, r io.Reader, size int64, mimeType string) (err error) {
	dir, file, err := s.path(tenantID, key)
	if err != nil {
		return err
	}
	mimeType, err = media.NormalizeMime(mimeType)
	if err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if size < 0 {
		return fmt.Errorf("localdisk: put %s/%s: %w: negative size %d", tenantID, key, media.ErrSizeMismatch, size)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	hdr, err := json.Marshal(header{Mime: mimeType, Size: size})
	if err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if _, err := tmp.Write(append(hdr, '\n')); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if _, err := io.Copy(tmp, media.ExactReader(ctx, r, size)); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: sync: %w", tenantID, key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: close: %w", tenantID, key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: %w", tenantID, key, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("localdisk: put %s/%s: rename: %w", tenantID, key, err)
	}
	return nil
}

// Open implements media.Store. The returned reader is also an io.ReadSeeker and io.ReaderAt over the file's
// content alone (the header is not part of it), so http.ServeContent can answer range requests from it.
func (s *MediaStore) Open(ctx context.Context, tenantID, key string) (io.ReadCloser, media.Info, error) {
	_, file, err := s.path(tenantID, key)
	if err != nil {
		return nil, media.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, media.Info{}, fmt.Errorf("localdisk: open %s/%s: %w", tenantID, key, err)
	}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, media.Info{}, fmt.Errorf("localdisk: open %s/%s: %w", tenantID, key, media.ErrNotFound)
	}
	if err != nil {
		return nil, media.Info{}, fmt.Errorf("localdisk: open %s/%s: %w", tenantID, key, err)
	}
	offset, info, err := readHeader(f)
	if err != nil {
		f.Close()
		return nil, media.Info{}, fmt.Errorf("localdisk: open %s/%s: %w", tenantID, key, err)
	}
	return content{SectionReader: io.NewSectionReader(f, offset, info.Size), f: f}, info, nil
}

// content is the open file's content after the header.
type content struct {
	*io.SectionReader
	f *os.File
}

func (c content) Close() error { return c.f.Close() }

// readHeader reads and checks the header of f and returns where the content starts.
func readHeader(f *os.File) (int64, media.Info, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, media.Info{}, err
	}
	if !st.Mode().IsRegular() {
		return 0, media.Info{}, fmt.Errorf("%s is not a regular file", st.Name())
	}
	buf := make([]byte, maxHeader)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return 0, media.Info{}, err
	}
	end := bytes.IndexByte(buf[:n], '\n')
	var h header
	if end < 0 || json.Unmarshal(buf[:end], &h) != nil || h.Mime == "" {
		return 0, media.Info{}, ErrCorrupt
	}
	offset := int64(end + 1)
	if h.Size != st.Size()-offset {
		return 0, media.Info{}, fmt.Errorf("%w: header says %d bytes, file holds %d", ErrCorrupt, h.Size, st.Size()-offset)
	}
	return offset, media.Info{Size: h.Size, Mime: h.Mime, ModTime: st.ModTime()}, nil
}

// Delete implements media.Store.
func (s *MediaStore) Delete(ctx context.Context, tenantID, key string) error {
	_, file, err := s.path(tenantID, key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localdisk: delete %s/%s: %w", tenantID, key, err)
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("localdisk: delete %s/%s: %w", tenantID, key, err)
	}
	return nil
}

// PresignGet implements media.Store: a local directory has no URLs, so after checking its arguments it always
// returns media.ErrNoPresign, and the API streams the file from Open.
func (s *MediaStore) PresignGet(_ context.Context, tenantID, key string, ttl time.Duration) (string, error) {
	if _, _, err := s.path(tenantID, key); err != nil {
		return "", err
	}
	if err := media.ValidateTTL(ttl); err != nil {
		return "", fmt.Errorf("localdisk: presign %s/%s: %w", tenantID, key, err)
	}
	return "", fmt.Errorf("localdisk: presign %s/%s: %w", tenantID, key, media.ErrNoPresign)
}

// DeleteOlder implements media.Store: it walks every tenant's directory.
func (s *MediaStore) DeleteOlder(ctx context.Context, keyPrefix string, before time.Time) (int, error) {
	if err := media.ValidateKey(keyPrefix); err != nil {
		return 0, fmt.Errorf("localdisk: delete older: %w", err)
	}
	tenants, err := os.ReadDir(s.root)
	if err != nil {
		return 0, fmt.Errorf("localdisk: delete older: %w", err)
	}
	n := 0
	for _, t := range tenants {
		if !t.IsDir() || media.ValidateKey(t.Name()) != nil {
			continue
		}
		dir := filepath.Join(s.root, t.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return n, fmt.Errorf("localdisk: delete older: %w", err)
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return n, fmt.Errorf("localdisk: delete older: %w", err)
			}
			if !f.Type().IsRegular() || !strings.HasPrefix(f.Name(), keyPrefix) || media.ValidateKey(f.Name()) != nil {
				continue
			}
			info, err := f.Info()
			if err != nil || !info.ModTime().Before(before) {
				continue // gone meanwhile, or not old enough
			}
			if err := os.Remove(filepath.Join(dir, f.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return n, fmt.Errorf("localdisk: delete older %s/%s: %w", t.Name(), f.Name(), err)
			}
			n++
		}
	}
	return n, nil
}
