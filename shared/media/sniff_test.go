package media_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/media"
	"github.com/waqtor/waqtor/shared/session"
)

// ftyp builds the start of an ISO base media file with a major brand and compatible brands.
func ftyp(major string, compatible ...string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(16+4*len(compatible)))
	b.WriteString("ftyp" + major + "\x00\x00\x02\x00")
	for _, c := range compatible {
		b.WriteString(c)
	}
	b.WriteString("\x00\x00\x00\x08free")
	return b.Bytes()
}

// zipWith builds a zip whose first entries have these names.
func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("<xml/>"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func oggPage(codec string) []byte {
	page := []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x13")
	return append(page, []byte(codec+"\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00")...)
}

const (
	docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

func TestSniff(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	webp := []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00")
	tests := []struct {
		name, declared string
		data           []byte
		mime           string
		kind           session.MediaKind
	}{
		{"jpeg", "", jpeg, "image/jpeg", session.Image},
		{"png", "", png, "image/png", session.Image},
		{"webp", "", webp, "image/webp", session.Image},
		{"gif is a document", "", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), "image/gif", session.Document},
		{"bytes win over a wrong claim", "image/png", jpeg, "image/jpeg", session.Image},
		{"ogg opus", "", oggPage("OpusHead"), "audio/ogg; codecs=opus", session.Audio},
		{"ogg vorbis", "", oggPage("\x01vorbis"), "audio/ogg", session.Audio},
		{"mp4 isom", "", ftyp("isom", "isom", "iso2", "avc1", "mp41"), "video/mp4", session.Video},
		{"mp4 mp42", "", ftyp("mp42", "mp42", "isom"), "video/mp4", session.Video},
		{"m4a despite mp42 brand", "", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4", session.Audio},
		{"3gpp", "", ftyp("3gp4", "3gp4", "isom"), "video/3gpp", session.Video},
		{"3gpp2 is a document", "", ftyp("3g2a", "3g2a"), "video/3gpp2", session.Document},
		{"quicktime is a document", "", ftyp("qt  ", "qt  "), "video/quicktime", session.Document},
		{"heic is a document", "", ftyp("heic", "mif1", "heic"), "image/heic", session.Document},
		{"webm is a document", "", []byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"), "video/webm", session.Document},
		{"amr", "", []byte("#!AMR\n\x3c\x91\x17\x16"), "audio/amr", session.Audio},
		{"amr-wb is a document", "", []byte("#!AMR-WB\n\x04\x10\x20"), "audio/amr-wb", session.Document},
		{"aac adts", "", []byte("\xff\xf1\x50\x80\x02\x1f\xfc\x21\x00\x49"), "audio/aac", session.Audio},
		{"mp3 with id3", "", []byte("ID3\x04\x00\x00\x00\x00\x00\x23TSSE"), "audio/mpeg", session.Audio},
		{"mp3 frame without id3", "", []byte("\xff\xfb\x90\x64\x00\x0f\xf0\x00\x00\x69\x00\x00"), "audio/mpeg", session.Audio},
		{"wav is a document", "", []byte("RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00"), "audio/wave", session.Document},
		{"pdf", "", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf", session.Document},
		{"pdf claimed image", "image/jpeg", []byte("%PDF-1.4\n"), "application/pdf", session.Document},
		{"docx declared", docx, zipWith(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), docx, session.Document},
		{"docx undeclared", "", zipWith(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), docx, session.Document},
		{"xlsx undeclared", "", zipWith(t, "[Content_Types].xml", "xl/workbook.xml"), xlsx, session.Document},
		{"pptx undeclared", "", zipWith(t, "[Content_Types].xml", "ppt/presentation.xml"), pptx, session.Document},
		{"zip claimed docx keeps docx", docx, zipWith(t, "a.txt"), docx, session.Document},
		{"plain zip", "", zipWith(t, "a.txt"), "application/zip", session.Document},
		{"zip claimed image stays zip", "image/jpeg", zipWith(t, "a.txt"), "application/zip", session.Document},
		{"text", "", []byte("hello, world\n"), "text/plain; charset=utf-8", session.Document},
		{"csv declared", "text/csv", []byte("a,b\n1,2\n"), "text/csv", session.Document},
		{"text claimed image stays text", "image/png", []byte("a,b\n1,2\n"), "text/plain; charset=utf-8", session.Document},
		{"unknown binary declared", "application/x-custom", []byte("\x00\x01\x02\x03\x04"), "application/x-custom", session.Document},
		{"unknown binary undeclared", "", []byte("\x00\x01\x02\x03\x04"), "application/octet-stream", session.Document},
		{"utf-16 text is not mp3", "", []byte("\xff\xfeh\x00i\x00"), "text/plain; charset=utf-16le", session.Document},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, kind, err := media.Sniff(tc.data, tc.declared)
			if err != nil || m != tc.mime || kind != tc.kind {
				t.Fatalf("Sniff = %q, %q, %v; want %q, %q", m, kind, err, tc.mime, tc.kind)
			}
			// What Sniff returns always passes Check's type rule for its kind.
			if err := media.Check(kind, m, 1); err != nil {
				t.Fatalf("Check(%s, %s, 1) = %v", kind, m, err)
			}
		})
	}
}

func TestSniffRejects(t *testing.T) {
	for _, tc := range []struct {
		name, declared string
		data           []byte
	}{
		{"empty", "image/jpeg", nil},
		{"bad declared", "not a type", []byte("hello")},
		{"header injection in declared", "text/plain\r\nX: y", []byte("hello")},
	} {
		_, _, err := media.Sniff(tc.data, tc.declared)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Validation {
			t.Errorf("%s: Sniff = %v, want a validation error", tc.name, err)
		}
	}
}
