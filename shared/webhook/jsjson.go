package webhook

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays Canonical accepts. Node's own limit is its call stack
// (JSON.stringify throws a RangeError beyond about 4,000 levels, depending on the version); no event body comes
// near either.
const MaxDepth = 1000

// Canonical returns exactly the bytes Node's JSON.stringify(JSON.parse(raw)) returns, so a receiver that checks
// X-Waqtor-Signature over JSON.stringify(req.body) (the seed's Node receiver does) computes it over the bytes that
// were signed. Deliveries store Canonical(body) as their body.
//
// The output is compact; object keys come in JavaScript's order (integer-like keys "0" to "4294967294" in ascending
// numeric order first, then the others in first-insertion order; a repeated key keeps its first position and its
// last value); numbers are IEEE doubles written as Number.prototype.toString writes them (so -0 is 0, 1e21 is
// 1e+21, integers above 2^53 lose precision and numbers too large for a double are null); strings escape only ",
// \ and U+0000 to U+001F (with the short forms \b \f \n \r \t), and lone surrogates as \udxxx.
//
// raw must be UTF-8 JSON text (RFC 8259) nested at most MaxDepth deep; anything else is an error, including
// invalid UTF-8 that Node would replace with U+FFFD.
func Canonical(raw []byte) ([]byte, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("canonical json: invalid UTF-8")
	}
	p := jsParser{src: raw}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	p.space()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("canonical json: %w", p.fail("unexpected data after the value"))
	}
	out := make([]byte, 0, len(raw))
	return v.append(out), nil
}

// jsValue is a parsed JSON value with JavaScript semantics. Strings are WTF-8: UTF-8 that may also hold lone
// surrogates (3-byte sequences ED A0..BF xx), so that a key written with escapes and the same key written
// literally are equal.
type jsValue struct {
	kind   byte // 'n' null, 't' true, 'f' false, '0' number, 's' string, 'a' array, 'o' object
	num    float64
	str    string
	items  []jsValue
	object *jsObject
}

// jsObject holds members in JavaScript's property order.
type jsObject struct {
	index   []jsMember // integer-like keys, ascending
	named   []jsMember // other keys, first-insertion order
	byName  map[string]int
	byIndex map[uint32]int
}

type jsMember struct {
	key string
	n   uint32
	val jsValue
}

func (o *jsObject) set(key string, v jsValue) {
	if n, ok := arrayIndex(key); ok {
		if i, seen := o.byIndex[n]; seen {
			o.index[i].val = v
			return
		}
		if o.byIndex == nil {
			o.byIndex = map[uint32]int{}
		}
		o.byIndex[n] = len(o.index)
		o.index = append(o.index, jsMember{key: key, n: n, val: v})
		return
	}
	if i, seen := o.byName[key]; seen {
		o.named[i].val = v
		return
	}
	if o.byName == nil {
		o.byName = map[string]int{}
	}
	o.byName[key] = len(o.named)
	o.named = append(o.named, jsMember{key: key, val: v})
}

// arrayIndex reports whether key is a canonical array index ("0", or digits without a leading zero, at most
// 2^32-2): the keys JavaScript lists first, in numeric order.
func arrayIndex(key string) (uint32, bool) {
	if key == "" || len(key) > 10 || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxUint32-1 {
		return 0, false
	}
	return uint32(n), true
}

type jsParser struct {
	src []byte
	pos int
}

func (p *jsParser) fail(format string, args ...any) error {
	return fmt.Errorf("%s at offset %d", fmt.Sprintf(format, args...), p.pos)
}

// space skips JSON whitespace: space, tab, line feed and carriage return, nothing else.
func (p *jsParser) space() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsParser) value(depth int) (jsValue, error) {
	if p.pos >= len(p.src) {
		return jsValue{}, p.fail("unexpected end of input")
	}
	switch c := p.src[p.pos]; {
	case (c == '{' || c == '[') && depth >= MaxDepth:
		return jsValue{}, p.fail("more than %d nested objects and arrays", MaxDepth)
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.string()
		return jsValue{kind: 's', str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("null"):
		return jsValue{kind: 'n'}, nil
	case p.literal("true"):
		return jsValue{kind: 't'}, nil
	case p.literal("false"):
		return jsValue{kind: 'f'}, nil
	}
	return jsValue{}, p.fail("unexpected character %q", p.src[p.pos])
}

func (p *jsParser) literal(word string) bool {
	if strings.HasPrefix(string(p.src[p.pos:min(len(p.src), p.pos+len(word))]), word) {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *jsParser) object(depth int) (jsValue, error) {
	p.pos++ // {
	obj := &jsObject{}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		return jsValue{kind: 'o', object: obj}, nil
	}
	for {
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != '"' {
			return jsValue{}, p.fail("expected a string key")
		}
		key, err := p.string()
		if err != nil {
			return jsValue{}, err
		}
		p.space()
		if p.pos >= len(p.src) || p.src[p.pos] != ':' {
			return jsValue{}, p.fail("expected ':'")
		}
		p.pos++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return jsValue{}, err
		}
		obj.set(key, v)
		p.space()
		if p.pos >= len(p.src) {
			return jsValue{}, p.fail("unexpected end of input in an object")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return jsValue{kind: 'o', object: obj}, nil
		default:
			return jsValue{}, p.fail("expected ',' or '}'")
		}
	}
}

func (p *jsParser) array(depth int) (jsValue, error) {
	p.pos++ // [
	arr := jsValue{kind: 'a'}
	p.space()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		return arr, nil
	}
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return jsValue{}, err
		}
		arr.items = append(arr.items, v)
		p.space()
		if p.pos >= len(p.src) {
			return jsValue{}, p.fail("unexpected end of input in an array")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return arr, nil
		default:
			return jsValue{}, p.fail("expected ',' or ']'")
		}
	}
}

// number parses the JSON number grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and rounds it to the
// nearest double as JSON.parse does (overflow gives ±Infinity, underflow ±0).
func (p *jsParser) number() (jsValue, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.src[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.src) && p.src[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return jsValue{}, p.fail("expected a digit")
	}
	if p.pos < len(p.src) && p.src[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return jsValue{}, p.fail("expected a digit after '.'")
		}
	}
	if p.pos < len(p.src) && (p.src[p.pos] == 'e' || p.src[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.src) && (p.src[p.pos] == '+' || p.src[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return jsValue{}, p.fail("expected a digit in the exponent")
		}
	}
	f, err := strconv.ParseFloat(string(p.src[start:p.pos]), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return jsValue{}, p.fail("bad number: %v", err)
	}
	return jsValue{kind: '0', num: f}, nil
}

// string parses a JSON string into WTF-8, pairing escaped surrogates as JSON.parse does.
func (p *jsParser) string() (string, error) {
	p.pos++ // "
	var b []byte
	start := p.pos
	for {
		if p.pos >= len(p.src) {
			return "", p.fail("unterminated string")
		}
		c := p.src[p.pos]
		switch {
		case c == '"':
			b = append(b, p.src[start:p.pos]...)
			p.pos++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character %#02x in a string", c)
		case c != '\\':
			p.pos++
			continue
		}
		b = append(b, p.src[start:p.pos]...)
		p.pos++ // backslash
		if p.pos >= len(p.src) {
			return "", p.fail("unterminated escape")
		}
		e := p.src[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) && r < 0xdc00 && p.pos+6 <= len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				lo, err := p.hex4()
				if err == nil && lo >= 0xdc00 && lo <= 0xdfff {
					b = utf8.AppendRune(b, utf16.DecodeRune(r, lo))
					break
				}
				p.pos = save
			}
			b = appendWTF8(b, r)
		default:
			p.pos--
			return "", p.fail("bad escape \\%c", e)
		}
		start = p.pos
	}
}

func (p *jsParser) hex4() (rune, error) {
	if p.pos+4 > len(p.src) {
		return 0, p.fail("short \\u escape")
	}
	var r rune
	for _, c := range p.src[p.pos : p.pos+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, p.fail("bad \\u escape")
		}
	}
	p.pos += 4
	return r, nil
}

// appendWTF8 appends r as UTF-8, writing a surrogate code point as its 3-byte generalized form.
func appendWTF8(b []byte, r rune) []byte {
	if utf16.IsSurrogate(r) {
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return utf8.AppendRune(b, r)
}

func (v jsValue) append(b []byte) []byte {
	switch v.kind {
	case 'n':
		return append(b, "null"...)
	case 't':
		return append(b, "true"...)
	case 'f':
		return append(b, "false"...)
	case '0':
		return appendJSNumber(b, v.num)
	case 's':
		return appendJSString(b, v.str)
	case 'a':
		b = append(b, '[')
		for i, it := range v.items {
			if i > 0 {
				b = append(b, ',')
			}
			b = it.append(b)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	slices.SortFunc(v.object.index, func(x, y jsMember) int { return cmp.Compare(x.n, y.n) })
	first := true
	for _, members := range [][]jsMember{v.object.index, v.object.named} {
		for _, m := range members {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSString(b, m.key)
			b = append(b, ':')
			b = m.val.append(b)
		}
	}
	return append(b, '}')
}

// appendJSNumber writes f as JSON.stringify does: NaN and ±Infinity as null, else Number::toString(f).
func appendJSNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0') // also -0
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest round-trip digits d1.d2…dk and exponent e: f = 0.d1…dk × 10^n with n = e+1 (ECMA-262 6.1.6.1.20).
	e := strconv.AppendFloat(nil, f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(string(e), "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1
	switch {
	case k <= n && n <= 21:
		b = append(b, digits...)
		return append(b, strings.Repeat("0", n-k)...)
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		return append(b, digits[n:]...)
	case -6 < n && n <= 0:
		b = append(b, "0."...)
		b = append(b, strings.Repeat("0", -n)...)
		return append(b, digits...)
	}
	b = append(b, digits[0])
	if k > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if n-1 >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(n-1), 10)
}

// appendJSString writes a WTF-8 string quoted as JSON.stringify does.
func appendJSString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			i++
			start = i
		case c < 0x20:
			b = append(b, s[start:i]...)
			switch c {
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
		case c == 0xed && i+2 < len(s) && s[i+1] >= 0xa0:
			// A lone surrogate (WTF-8); valid UTF-8 never has ED A0..BF.
			r := rune(c&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			i += 3
			start = i
		default:
			i++
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
