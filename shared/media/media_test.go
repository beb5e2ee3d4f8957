package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"3EB0C431C26A1916F5B2.jpg", true},
		{"voice_2026-11-25.ogg", true},
		{"a..b", true},
		{strings.Repeat("k", media.MaxKeyLen), true},
		{"", false},
		{strings.Repeat("k", media.MaxKeyLen+1), false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"../other-tenant", false},
		{"a/b", false},
		{"a\\b", false},
		{"/etc/passwd", false},
		{"a b", false},
		{"a\x00b", false},
		{"ä.jpg", false},
		{"a%2Fb", false},
		{"a:b", false},
		{"a\nb", false},
	}
	for _, tc := range tests {
		err := media.ValidateKey(tc.key)
		if tc.ok && err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", tc.key, err)
		}
		if !tc.ok && (!errors.Is(err, media.ErrInvalidKey) || apperr.CodeOf(err) != apperr.Validation) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey (validation)", tc.key, err)
		}
	}
}

func TestValidateScope(t *testing.T) {
	if err := media.ValidateScope("ten_01", "file.jpg"); err != nil {
		t.Fatalf("valid scope: %v", err)
	}
	for _, tc := range [][2]string{{"", "file.jpg"}, {"..", "file.jpg"}, {"ten/x", "f"}, {"ten_01", ""}, {"ten_01", "../f"}} {
		if err := media.ValidateScope(tc[0], tc[1]); !errors.Is(err, media.ErrInvalidKey) {
			t.Errorf("ValidateScope(%q, %q) = %v, want ErrInvalidKey", tc[0], tc[1], err)
		}
	}
}

func TestNormalizeMime(t *testing.T) {
	tests := []struct {
		in, want string // want "" means invalid
	}{
		{"", media.DefaultMime},
		{"  ", media.DefaultMime},
		{"image/jpeg", "image/jpeg"},
		{"Image/JPEG", "image/jpeg"},
		{"audio/ogg; codecs=opus", "audio/ogg; codecs=opus"},
		{"text/plain;charset=UTF-8", "text/plain; charset=UTF-8"},
		{"jpeg", ""},
		{"image/", ""},
		{"image/jpeg\r\nX-Evil: 1", ""},
		{"image/jpeg; =x", ""},
		{"application/" + strings.Repeat("x", media.MaxMimeLen), ""},
	}
	for _, tc := range tests {
		got, err := media.NormalizeMime(tc.in)
		if tc.want == "" {
			if !errors.Is(err, media.ErrInvalidMime) {
				t.Errorf("NormalizeMime(%q) = %q, %v; want ErrInvalidMime", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeMime(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestValidateTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl time.Duration
		ok  bool
	}{
		{time.Second, true}, {15 * time.Minute, true}, {7 * 24 * time.Hour, true},
		{0, false}, {-time.Minute, false}, {999 * time.Millisecond, false}, {7*24*time.Hour + time.Second, false},
	} {
		err := media.ValidateTTL(tc.ttl)
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, media.ErrInvalidTTL)) {
			t.Errorf("ValidateTTL(%s) = %v, want ok=%v", tc.ttl, err, tc.ok)
		}
	}
}

func TestExactReader(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000) // 10 000 bytes
	tests := []struct {
		name     string
		r        func() io.Reader
		size     int64
		mismatch bool
	}{
		{"exact", func() io.Reader { return bytes.NewReader(data) }, 10000, false},
		{"exact one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }, 10000, false},
		{"exact with data and EOF together", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }, 10000, false},
		{"empty", func() io.Reader { return strings.NewReader("") }, 0, false},
		{"short", func() io.Reader { return bytes.NewReader(data) }, 10001, true},
		{"long", func() io.Reader { return bytes.NewReader(data) }, 9999, true},
		{"long by a lot", func() io.Reader { return bytes.NewReader(data) }, 10, true},
		{"empty but declared", func() io.Reader { return strings.NewReader("") }, 1, true},
		{"declared empty but not", func() io.Reader { return strings.NewReader("x") }, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := io.ReadAll(media.ExactReader(t.Context(), tc.r(), tc.size))
			if tc.mismatch {
				if !errors.Is(err, media.ErrSizeMismatch) {
					t.Fatalf("ReadAll = %d bytes, %v; want ErrSizeMismatch", len(got), err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data[:tc.size]) {
				t.Fatalf("ReadAll = %d bytes, %v; want the %d bytes", len(got), err, tc.size)
			}
		})
	}

	t.Run("a consumer that stops at size never gets the whole body", func(t *testing.T) {
		r := media.ExactReader(t.Context(), bytes.NewReader(data), 100)
		got, err := io.ReadAll(io.LimitReader(r, 100))
		if len(got) >= 100 || !errors.Is(err, media.ErrSizeMismatch) {
			t.Fatalf("ReadAll(LimitReader(100)) = %d bytes, %v; want fewer than 100 and ErrSizeMismatch", len(got), err)
		}
	})
	t.Run("negative size", func(t *testing.T) {
		if _, err := io.ReadAll(media.ExactReader(t.Context(), strings.NewReader(""), -1)); !errors.Is(err, media.ErrSizeMismatch) {
			t.Fatalf("ReadAll = %v, want ErrSizeMismatch", err)
		}
	})
	t.Run("a canceled context stops the stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		r := media.ExactReader(ctx, bytes.NewReader(data), int64(len(data)))
		if n, err := r.Read(make([]byte, 10)); n != 10 || err != nil {
			t.Fatalf("Read = %d, %v; want 10, nil", n, err)
		}
		cancel()
		if n, err := r.Read(make([]byte, 10)); n != 0 || !errors.Is(err, context.Canceled) {
			t.Fatalf("Read after cancel = %d, %v; want 0, context.Canceled", n, err)
		}
	})
	t.Run("reader errors pass through", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := io.ReadAll(media.ExactReader(t.Context(), iotest.ErrReader(boom), 10))
		if !errors.Is(err, boom) {
			t.Fatalf("ReadAll = %v, want boom", err)
		}
	})
}
