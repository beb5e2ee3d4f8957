package media

import (
	"fmt"
	"slices"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/session"
)

// limit is what WhatsApp accepts for one kind of media.
type limit struct {
	maxBytes int64
	// types are the accepted base MIME types; nil accepts any.
	types map[string]bool
	// noun names the kind in messages ("an image").
	noun string
}

func set(types ...string) map[string]bool {
	m := make(map[string]bool, len(types))
	for _, t := range types {
		m[t] = true
	}
	return m
}

const (
	kb = 1 << 10
	mb = 1 << 20
)

// limits are WhatsApp's limits per kind of media.
var limits = map[session.MediaKind]limit{
	session.Image:    {5 * mb, set("image/jpeg", "image/png", "image/webp"), "an image"},
	session.Video:    {16 * mb, set("video/mp4", "video/3gpp"), "a video"},
	session.Audio:    {16 * mb, set("audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"), "an audio file"},
	session.Voice:    {16 * mb, set("audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"), "a voice note"},
	session.Sticker:  {500 * kb, set("image/webp"), "a sticker"},
	session.Document: {100 * mb, nil, "a document"},
}

// MaxSize is the largest file WhatsApp accepts for kind (0 for an unknown kind).
func MaxSize(kind session.MediaKind) int64 { return limits[kind].maxBytes }

// Check tells whether WhatsApp accepts a file of this kind, type and size: image 5 MB (JPEG, PNG, WebP), video
// 16 MB (MP4, 3GPP), audio and voice 16 MB (Ogg, MPEG, MP4, AAC, AMR), sticker 500 KB (WebP), document 100 MB
// (any type). MIME parameters ("; codecs=opus") are ignored. An unknown kind, a type the kind does not take or an
// empty file is apperr.Validation (422); a file over the limit is apperr.TooLarge (413), with details
// {"limit", "size"} in bytes.
func Check(kind session.MediaKind, mimeType string, size int64) error {
	l, ok := limits[kind]
	if !ok {
		return apperr.New(apperr.Validation, "unknown media kind %q: want one of image, video, audio, voice, document, sticker", kind)
	}
	base := baseType(mimeType)
	if base == "" {
		return apperr.New(apperr.Validation, "media type %q of %s is not a valid MIME type", mimeType, l.noun)
	}
	if l.types != nil && !l.types[base] {
		return apperr.New(apperr.Validation, "%s must be %s, not %s", l.noun, typeList(l.types), base)
	}
	if size <= 0 {
		return apperr.New(apperr.Validation, "%s must not be empty", l.noun)
	}
	if size > l.maxBytes {
		return apperr.New(apperr.TooLarge, "%s may be at most %s (%d bytes); this one is %d bytes",
			l.noun, human(l.maxBytes), l.maxBytes, size).WithDetails(map[string]any{"limit": l.maxBytes, "size": size})
	}
	return nil
}

func typeList(types map[string]bool) string {
	l := make([]string, 0, len(types))
	for t := range types {
		l = append(l, t)
	}
	slices.Sort(l)
	if len(l) == 1 {
		return l[0]
	}
	return strings.Join(l[:len(l)-1], ", ") + " or " + l[len(l)-1]
}

func human(n int64) string {
	if n%mb == 0 {
		return fmt.Sprintf("%d MB", n/mb)
	}
	return fmt.Sprintf("%d KB", n/kb)
}
