package httpapi

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
)

// A send-media JSON body can carry a 100 MB file as one base64 string. readMediaJSON reads such a body as a stream:
// the "media" string is unescaped, base64-decoded and written to a spool file as it arrives, and the other fields
// (small) are collected into a JSON object of their own that decode then reads as usual. Memory stays at a few
// buffers whatever the body's size.

// maxJSONFields bounds the fields other than media (their JSON text).
const maxJSONFields = 1 << 20

// jsonScanner reads JSON text from a stream and counts the bytes consumed (for error offsets).
type jsonScanner struct {
	r   *bufio.Reader
	off int64
}

func newJSONScanner(r io.Reader) *jsonScanner {
	return &jsonScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

func (s *jsonScanner) next() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, s.eof(err)
	}
	s.off++
	return c, nil
}

func (s *jsonScanner) peek() (byte, error) {
	b, err := s.r.Peek(1)
	if err != nil {
		return 0, s.eof(err)
	}
	return b[0], nil
}

// eof turns the end of the body in the middle of a value into the malformed-JSON error; other read errors (an
// over-long body, a client gone) pass through.
func (s *jsonScanner) eof(err error) error {
	if err == io.EOF {
		return errJSONEnd
	}
	return err
}

// errJSONEnd is the body ending inside a JSON value (or, to skipSpace, anywhere).
var errJSONEnd = &apperr.Error{Code: apperr.BadRequest, Message: "malformed JSON: unexpected end of body"}

func (s *jsonScanner) syntax(msg string) error {
	return apperr.New(apperr.BadRequest, "malformed JSON at byte %d: %s", s.off, msg).
		WithDetails(map[string]any{"offset": s.off})
}

func (s *jsonScanner) skipSpace() error {
	for {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil
		}
		s.r.ReadByte()
		s.off++
	}
}

func (s *jsonScanner) expect(want byte, what string) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c != want {
		return s.syntax("expected " + what)
	}
	return nil
}

// capture copies one JSON value's text to dst, failing once dst would pass limit bytes. It checks only what it
// needs to find the value's end; json.Unmarshal of the result checks the rest.
func (s *jsonScanner) capture(dst *bytes.Buffer, limit int) error {
	put := func(c byte) error {
		if dst.Len() >= limit {
			return apperr.New(apperr.TooLarge, "the fields other than media are over %d bytes", limit)
		}
		return dst.WriteByte(c)
	}
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch c {
	case '"', '{', '[':
		depth, inString := 0, false
		for {
			c, err := s.next()
			if err != nil {
				return err
			}
			if err := put(c); err != nil {
				return err
			}
			switch {
			case inString && c == '\\':
				e, err := s.next()
				if err != nil {
					return err
				}
				if err := put(e); err != nil {
					return err
				}
				continue
			case c == '"':
				inString = !inString
			case inString:
			case c == '{' || c == '[':
				depth++
			case c == '}' || c == ']':
				depth--
			}
			if depth == 0 && !inString {
				return nil
			}
		}
	case ',', '}', ']', ':':
		return s.syntax("expected a value")
	}
	for { // a number, true, false or null
		c, err := s.peek()
		if err != nil && !isEOF(err) {
			return err
		}
		if err != nil || strings.IndexByte(",}] \t\r\n", c) >= 0 {
			return nil
		}
		s.r.ReadByte()
		s.off++
		if err := put(c); err != nil {
			return err
		}
	}
}

func isEOF(err error) bool { return err == errJSONEnd }

// stringReader reads the unescaped content of a JSON string whose opening quote was consumed, up to its closing
// quote, which it consumes too.
type stringReader struct {
	s       *jsonScanner
	done    bool
	pending []byte
}

func (sr *stringReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(sr.pending) > 0 {
			c := copy(p[n:], sr.pending)
			sr.pending, n = sr.pending[c:], n+c
			continue
		}
		if sr.done {
			break
		}
		// Fast path: copy the run of plain bytes already buffered.
		if b := sr.s.r.Buffered(); b > 0 {
			chunk, _ := sr.s.r.Peek(min(b, len(p)-n))
			i := 0
			for i < len(chunk) && chunk[i] != '"' && chunk[i] != '\\' && chunk[i] >= 0x20 {
				i++
			}
			if i > 0 {
				copy(p[n:], chunk[:i])
				sr.s.r.Discard(i)
				sr.s.off += int64(i)
				n += i
				continue
			}
		}
		c, err := sr.s.next()
		if err != nil {
			return n, err
		}
		switch {
		case c == '"':
			sr.done = true
		case c == '\\':
			if sr.pending, err = sr.escape(); err != nil {
				return n, err
			}
		case c < 0x20:
			return n, sr.s.syntax("control character in a string")
		default:
			p[n] = c
			n++
		}
	}
	if n == 0 && sr.done {
		return 0, io.EOF
	}
	return n, nil
}

// escape decodes the escape sequence after a backslash.
func (sr *stringReader) escape() ([]byte, error) {
	c, err := sr.s.next()
	if err != nil {
		return nil, err
	}
	switch c {
	case '"', '\\', '/':
		return []byte{c}, nil
	case 'b':
		return []byte{'\b'}, nil
	case 'f':
		return []byte{'\f'}, nil
	case 'n':
		return []byte{'\n'}, nil
	case 'r':
		return []byte{'\r'}, nil
	case 't':
		return []byte{'\t'}, nil
	case 'u':
		r, err := sr.hex4()
		if err != nil {
			return nil, err
		}
		if utf16.IsSurrogate(r) {
			// A pair is \uD8xx\uDCxx; a lone surrogate is U+FFFD, as encoding/json decodes it.
			if b, err := sr.s.r.Peek(2); err == nil && b[0] == '\\' && b[1] == 'u' {
				sr.s.r.Discard(2)
				sr.s.off += 2
				r2, err := sr.hex4()
				if err != nil {
					return nil, err
				}
				r = utf16.DecodeRune(r, r2)
			} else {
				r = utf8.RuneError
			}
		}
		return utf8.AppendRune(nil, r), nil
	}
	return nil, sr.s.syntax("invalid escape in a string")
}

func (sr *stringReader) hex4() (rune, error) {
	var r rune
	for range 4 {
		c, err := sr.s.next()
		if err != nil {
			return 0, err
		}
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, sr.s.syntax(`invalid \u escape`)
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}

// readMediaJSON reads a JSON object from body: the top-level "media" string goes to media (which reads it to its
// end, or fails), every other field is returned as a JSON object for decode. A media value that is not a string is
// left among the fields, so decode names its wrong type.
func readMediaJSON(body io.Reader, media func(content io.Reader) error) (fields []byte, err error) {
	s := newJSONScanner(body)
	if err := s.skipSpace(); err != nil {
		if isEOF(err) {
			return nil, apperr.New(apperr.BadRequest, "request body is empty; send a JSON object")
		}
		return nil, err
	}
	if c, _ := s.peek(); c != '{' {
		return nil, apperr.New(apperr.BadRequest, "request body must be a JSON object")
	}
	s.next()
	var rest bytes.Buffer
	rest.WriteByte('{')
	seenMedia := false
	for first := true; ; first = false {
		if err := s.skipSpace(); err != nil {
			return nil, err
		}
		if c, _ := s.peek(); c == '}' && first {
			s.next()
			break
		}
		var rawKey bytes.Buffer
		if c, _ := s.peek(); c != '"' {
			return nil, s.syntax("expected a field name")
		}
		if err := s.capture(&rawKey, 1024); err != nil {
			return nil, err
		}
		var key string
		if err := json.Unmarshal(rawKey.Bytes(), &key); err != nil {
			return nil, s.syntax("invalid field name")
		}
		if err := s.skipSpace(); err != nil {
			return nil, err
		}
		if err := s.expect(':', "':' after a field name"); err != nil {
			return nil, err
		}
		if err := s.skipSpace(); err != nil {
			return nil, err
		}
		if c, _ := s.peek(); key == "media" && c == '"' && !seenMedia {
			seenMedia = true
			s.next()
			sr := &stringReader{s: s}
			if err := media(sr); err != nil {
				return nil, err
			}
			if !sr.done {
				if _, err := io.Copy(io.Discard, sr); err != nil {
					return nil, err
				}
			}
		} else {
			if rest.Len() > 1 {
				rest.WriteByte(',')
			}
			rest.Write(rawKey.Bytes())
			rest.WriteByte(':')
			if err := s.capture(&rest, maxJSONFields); err != nil {
				return nil, err
			}
		}
		if err := s.skipSpace(); err != nil {
			return nil, err
		}
		c, err := s.next()
		if err != nil {
			return nil, err
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, s.syntax("expected ',' or '}' after a field")
		}
	}
	rest.WriteByte('}')
	if err := s.skipSpace(); err == nil {
		return nil, apperr.New(apperr.BadRequest, "request body must hold exactly one JSON value")
	} else if !isEOF(err) {
		return nil, err
	}
	return rest.Bytes(), nil
}

// base64Reader feeds a base64 decoder: it drops line breaks and spaces, and pads the end with '=' when the text
// has none (raw base64), so padded and unpadded base64 both decode. The error of the reader below is kept, to be
// told apart from the decoder's.
type base64Reader struct {
	r       io.Reader
	n       int // base64 characters seen
	lastEq  bool
	err     error
	padding []byte
}

func (b *base64Reader) Read(p []byte) (int, error) {
	if b.err != nil {
		if len(b.padding) > 0 {
			n := copy(p, b.padding)
			b.padding = b.padding[n:]
			return n, nil
		}
		return 0, b.err
	}
	n, err := b.r.Read(p)
	out := 0
	for _, c := range p[:n] {
		if c == '\n' || c == '\r' || c == ' ' {
			continue
		}
		p[out] = c
		out++
		b.n++
		b.lastEq = c == '='
	}
	if err != nil {
		b.err = err
		if err == io.EOF && b.n%4 != 0 && !b.lastEq {
			b.padding = bytes.Repeat([]byte{'='}, 4-b.n%4)
		}
		if out == 0 && len(b.padding) > 0 {
			return b.Read(p)
		}
		if out == 0 {
			return 0, err
		}
	}
	return out, nil
}

// decodeBase64To decodes base64 text read from r into dst. A read error of r is returned as it is; bad base64
// is errBadBase64.
func decodeBase64To(dst io.Writer, r io.Reader) (int64, error) {
	br := &base64Reader{r: r}
	n, err := io.Copy(dst, base64.NewDecoder(base64.StdEncoding, br))
	if err == nil && br.err == nil {
		// The decoder stops at the end of the padding: anything after it is not base64.
		var one [1]byte
		if m, _ := br.Read(one[:]); m > 0 {
			return n, errBadBase64
		}
	}
	switch {
	case err == nil:
		return n, nil
	case br.err != nil && br.err != io.EOF && errors.Is(err, br.err):
		return n, err
	}
	var ce base64.CorruptInputError
	if errors.As(err, &ce) || err == io.ErrUnexpectedEOF {
		return n, errBadBase64
	}
	return n, err
}

var errBadBase64 = errors.New("invalid base64")
