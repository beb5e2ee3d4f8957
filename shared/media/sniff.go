package media

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/session"
)

// SniffLen is how many leading bytes Sniff looks at; passing more is fine, passing fewer may miss a type.
const SniffLen = 4096

// Sniff detects the MIME type of a file from its first bytes (at least the first 512, better SniffLen) and the
// kind of message it can be sent as. It knows what net/http.DetectContentType knows plus the types WhatsApp media
// use that it lacks or gets wrong: Ogg (Opus), MP4/M4A/3GPP/QuickTime/HEIC by their ftyp brand, AMR, AAC (ADTS)
// and MP3 frames without an ID3 tag.
//
// The bytes win over declared, the client's claim, except where the bytes cannot tell: plain text (declared
// text/csv stays text/csv), zip containers (declared .docx/.xlsx/… types stay; undeclared Office files are told
// apart by their part names) and unknown binary data. An unparsable declared type is a Validation error, as is
// empty data.
//
// kind is Image (JPEG, PNG, WebP), Video (MP4, 3GPP), Audio (Ogg, MPEG, MP4 audio, AAC, AMR) or else Document,
// so it always passes Check's type rule. Voice and Sticker are the caller's choices: Sniff never returns them.
func Sniff(data []byte, declared string) (string, session.MediaKind, error) {
	if len(data) == 0 {
		return "", "", apperr.New(apperr.Validation, "the file is empty")
	}
	declaredBase := ""
	if strings.TrimSpace(declared) != "" {
		norm, err := NormalizeMime(declared)
		if err != nil {
			return "", "", &apperr.Error{Code: apperr.Validation,
				Message: fmt.Sprintf("declared media type %q is not a valid MIME type", declared), Err: err}
		}
		declared = norm
		declaredBase = baseType(norm)
	}
	detected := detect(data)
	m := detected
	switch base := baseType(detected); {
	case base == "application/octet-stream" && declaredBase != "":
		m = declared
	case base == "text/plain" && strings.HasPrefix(declaredBase, "text/"):
		m = declared
	case base == "application/zip":
		if declaredBase != "" && zipBased[declaredBase] {
			m = declared
		} else if office := officeType(data); office != "" {
			m = office
		}
	}
	return m, kindOf(m), nil
}

// detect returns the MIME type of data.
func detect(data []byte) string {
	if m := sniffContainer(data); m != "" {
		return m
	}
	m := http.DetectContentType(data)
	if m == "application/octet-stream" {
		if f := sniffFrames(data); f != "" {
			return f
		}
	}
	return m
}

// sniffContainer recognizes the signatures DetectContentType lacks or reports too coarsely.
func sniffContainer(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("OggS")):
		if bytes.Contains(data[:min(len(data), SniffLen)], []byte("OpusHead")) {
			return "audio/ogg; codecs=opus"
		}
		return "audio/ogg"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return ftypBrand(string(data[8:12]))
	case bytes.HasPrefix(data, []byte("#!AMR-WB\n")):
		return "audio/amr-wb"
	case bytes.HasPrefix(data, []byte("#!AMR\n")):
		return "audio/amr"
	}
	return ""
}

// sniffFrames recognizes raw audio streams by their first frame header. Their sync bits are weak signatures, so
// this runs only on what DetectContentType found to be unknown binary data.
func sniffFrames(data []byte) string {
	switch {
	case len(data) >= 2 && data[0] == 0xFF && data[1]&0xF0 == 0xF0 && data[1]&0x06 == 0:
		// ADTS frame: sync word 0xFFF, layer 00.
		return "audio/aac"
	case len(data) >= 3 && data[0] == 0xFF && data[1]&0xE0 == 0xE0 && data[1]&0x06 != 0 && data[1]&0x18 != 0x08 &&
		data[2]&0xF0 != 0xF0:
		// MPEG audio frame: sync 11 bits, a valid version and layer, a valid bitrate index.
		return "audio/mpeg"
	}
	return ""
}

// ftypBrand maps the major brand of an ISO base media file to its type.
func ftypBrand(brand string) string {
	switch {
	case brand == "M4A " || brand == "M4B " || brand == "M4P ":
		return "audio/mp4"
	case strings.HasPrefix(brand, "3g2"):
		return "video/3gpp2"
	case strings.HasPrefix(brand, "3g"):
		return "video/3gpp"
	case brand == "qt  ":
		return "video/quicktime"
	case brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" || brand == "hevc" || brand == "hevx":
		return "image/heic"
	case brand == "mif1" || brand == "msf1":
		return "image/heif"
	case brand == "avif" || brand == "avis":
		return "image/avif"
	}
	return "video/mp4"
}

// zipBased are declared types whose files are zip containers.
var zipBased = map[string]bool{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/vnd.oasis.opendocument.presentation":                           true,
	"application/epub+zip":                    true,
	"application/vnd.android.package-archive": true,
	"application/java-archive":                true,
	"application/x-zip-compressed":            true,
	"application/zip":                         true,
}

// officeType tells Office Open XML files apart by the part names in the zip's local headers (near the start).
func officeType(data []byte) string {
	head := data[:min(len(data), SniffLen)]
	if !bytes.Contains(head, []byte("[Content_Types].xml")) {
		return ""
	}
	switch {
	case bytes.Contains(head, []byte("word/")):
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case bytes.Contains(head, []byte("xl/")):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case bytes.Contains(head, []byte("ppt/")):
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	}
	return ""
}

// kindOf is the kind a file of type m is sent as.
func kindOf(m string) session.MediaKind {
	base := baseType(m)
	for _, k := range []session.MediaKind{session.Image, session.Video, session.Audio} {
		if limits[k].types[base] {
			return k
		}
	}
	return session.Document
}

// baseType is the lower-case type/subtype of m without parameters ("" when m is not type/subtype).
func baseType(m string) string {
	t, _, err := mime.ParseMediaType(m)
	if err != nil || !strings.Contains(t, "/") {
		return ""
	}
	return t
}
