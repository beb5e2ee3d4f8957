package media_test

import (
	"errors"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/session"
)

func TestCheck(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		kind session.MediaKind
		mime string
		size int64
		code apperr.Code // "" means accepted
		msg  string      // the exact message, when code is set
	}{
		{session.Image, "image/jpeg", 5 * mb, "", ""},
		{session.Image, "image/png", 1, "", ""},
		{session.Image, "IMAGE/WEBP", 100, "", ""},
		{session.Image, "image/jpeg", 5*mb + 1, apperr.TooLarge, "an image may be at most 5 MB (5242880 bytes); this one is 5242881 bytes"},
		{session.Image, "image/gif", 10, apperr.Validation, "an image must be image/jpeg, image/png or image/webp, not image/gif"},
		{session.Image, "image/jpeg", 0, apperr.Validation, "an image must not be empty"},
		{session.Video, "video/mp4", 16 * mb, "", ""},
		{session.Video, "video/3gpp", 10, "", ""},
		{session.Video, "video/mp4", 16*mb + 1, apperr.TooLarge, "a video may be at most 16 MB (16777216 bytes); this one is 16777217 bytes"},
		{session.Video, "video/webm", 10, apperr.Validation, "a video must be video/3gpp or video/mp4, not video/webm"},
		{session.Audio, "audio/ogg; codecs=opus", 16 * mb, "", ""},
		{session.Audio, "audio/mpeg", 10, "", ""},
		{session.Audio, "audio/mp4", 10, "", ""},
		{session.Audio, "audio/aac", 10, "", ""},
		{session.Audio, "audio/amr", 10, "", ""},
		{session.Audio, "audio/wav", 10, apperr.Validation, "an audio file must be audio/aac, audio/amr, audio/mp4, audio/mpeg or audio/ogg, not audio/wav"},
		{session.Audio, "audio/ogg", 16*mb + 1, apperr.TooLarge, "an audio file may be at most 16 MB (16777216 bytes); this one is 16777217 bytes"},
		{session.Voice, "audio/ogg; codecs=opus", 100, "", ""},
		{session.Voice, "audio/ogg", 16*mb + 1, apperr.TooLarge, "a voice note may be at most 16 MB (16777216 bytes); this one is 16777217 bytes"},
		{session.Voice, "video/mp4", 10, apperr.Validation, "a voice note must be audio/aac, audio/amr, audio/mp4, audio/mpeg or audio/ogg, not video/mp4"},
		{session.Sticker, "image/webp", 500 << 10, "", ""},
		{session.Sticker, "image/webp", 500<<10 + 1, apperr.TooLarge, "a sticker may be at most 500 KB (512000 bytes); this one is 512001 bytes"},
		{session.Sticker, "image/png", 10, apperr.Validation, "a sticker must be image/webp, not image/png"},
		{session.Document, "application/pdf", 100 * mb, "", ""},
		{session.Document, "application/x-anything", 1, "", ""},
		{session.Document, "application/pdf", 100*mb + 1, apperr.TooLarge, "a document may be at most 100 MB (104857600 bytes); this one is 104857601 bytes"},
		{session.Document, "", 10, apperr.Validation, `media type "" of a document is not a valid MIME type`},
		{session.Document, "pdf", 10, apperr.Validation, `media type "pdf" of a document is not a valid MIME type`},
		{"gif", "image/gif", 10, apperr.Validation, `unknown media kind "gif": want one of image, video, audio, voice, document, sticker`},
		{"", "image/jpeg", 10, apperr.Validation, `unknown media kind "": want one of image, video, audio, voice, document, sticker`},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" "+tc.mime, func(t *testing.T) {
			err := media.Check(tc.kind, tc.mime, tc.size)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Check(%s, %s, %d) = %v, want nil", tc.kind, tc.mime, tc.size, err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != tc.code || ae.Message != tc.msg {
				t.Fatalf("Check(%s, %s, %d) = %v\nwant %s: %s", tc.kind, tc.mime, tc.size, err, tc.code, tc.msg)
			}
			if tc.code == apperr.TooLarge {
				want := map[string]any{"limit": media.MaxSize(tc.kind), "size": tc.size}
				if d, ok := ae.Details.(map[string]any); !ok || d["limit"] != want["limit"] || d["size"] != want["size"] {
					t.Fatalf("details = %v, want %v", ae.Details, want)
				}
			}
		})
	}
}

func TestMaxSize(t *testing.T) {
	for kind, want := range map[session.MediaKind]int64{
		session.Image: 5 << 20, session.Video: 16 << 20, session.Audio: 16 << 20, session.Voice: 16 << 20,
		session.Sticker: 500 << 10, session.Document: 100 << 20, "other": 0,
	} {
		if got := media.MaxSize(kind); got != want {
			t.Errorf("MaxSize(%q) = %d, want %d", kind, got, want)
		}
	}
}
