package eventpattern

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Match reports whether the event (a JSON object, e.g. an event.BusEvent) matches the pattern. It errors only on
// an event that is not a JSON object. To match one event against many patterns, Decode it once and use MatchMap.
func (p *Pattern) Match(event []byte) (bool, error) {
	m, err := Decode(event)
	if err != nil {
		return false, err
	}
	return p.root.eval(m), nil
}

// MatchMap reports whether an already decoded event matches. Numbers may be json.Number (as Decode gives),
// float64 (as json.Unmarshal gives) or Go integers. The map is only read.
func (p *Pattern) MatchMap(event map[string]any) bool {
	return p.root.eval(event)
}

// Decode decodes an event for MatchMap, keeping numbers as json.Number so that large integers compare exactly.
func Decode(event []byte) (map[string]any, error) {
	v, err := decodeJSON(event)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidEvent, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalidEvent)
	}
	return m, nil
}

// eval matches the object m (nil when the event has no object at this path).
func (o *object) eval(m map[string]any) bool {
	for i := range o.leaves {
		l := &o.leaves[i]
		v, ok := m[l.name]
		if !l.eval(v, ok) {
			return false
		}
	}
	for _, c := range o.children {
		if !c.node.evalValue(m[c.name]) {
			return false
		}
	}
	if len(o.or) == 0 {
		return true
	}
	for _, b := range o.or {
		if b.eval(m) {
			return true
		}
	}
	return false
}

// evalValue matches the event value found where the pattern has an object. An array must hold one object element
// that matches as a whole (fields of different elements are never combined); anything else is an absent object.
func (o *object) evalValue(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return o.eval(x)
	case []any:
		found, ok := o.evalArray(x)
		if ok {
			return true
		}
		return !found && o.eval(nil)
	default:
		return o.eval(nil)
	}
}

func (o *object) evalArray(arr []any) (found, matched bool) {
	for _, e := range arr {
		switch x := e.(type) {
		case map[string]any:
			found = true
			if o.eval(x) {
				return true, true
			}
		case []any:
			f, ok := o.evalArray(x)
			found = found || f
			if ok {
				return true, true
			}
		}
	}
	return found, false
}

// eval matches the event value of a leaf field; present is false when the field is missing.
func (l *leaf) eval(v any, present bool) bool {
	if !present {
		return l.existsFalse
	}
	switch x := v.(type) {
	case map[string]any:
		// An object is not a leaf value: the leaf does not exist.
		return l.existsFalse
	case []any:
		found, ok := l.evalArray(x)
		if ok {
			return true
		}
		return !found && l.existsFalse
	default:
		return l.evalScalar(x)
	}
}

func (l *leaf) evalArray(arr []any) (found, matched bool) {
	for _, e := range arr {
		switch x := e.(type) {
		case map[string]any:
		case []any:
			f, ok := l.evalArray(x)
			found = found || f
			if ok {
				return true, true
			}
		default:
			found = true
			if l.evalScalar(x) {
				return true, true
			}
		}
	}
	return found, false
}

func (l *leaf) evalScalar(x any) bool {
	if l.existsTrue {
		return true
	}
	v := toValue(x)
	for _, m := range l.matchers {
		if m.match(v) {
			return true
		}
	}
	return false
}

type kind uint8

const (
	kindOther kind = iota
	kindString
	kindNumber
	kindBool
	kindNull
)

// value is one event leaf value, converted once for all the matchers of a leaf.
type value struct {
	kind kind
	s    string  // the string, or the literal of a number
	f    float64 // a number
	fok  bool    // f is a finite float
	b    bool
}

func toValue(x any) value {
	switch v := x.(type) {
	case string:
		return value{kind: kindString, s: v}
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return value{kind: kindNumber, s: string(v), f: f, fok: err == nil && !math.IsInf(f, 0)}
	case float64:
		return value{kind: kindNumber, f: v, fok: !math.IsInf(v, 0) && !math.IsNaN(v)}
	case float32:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case int:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case int64:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case int32:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case uint:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case uint64:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case uint32:
		return value{kind: kindNumber, f: float64(v), fok: true}
	case bool:
		return value{kind: kindBool, b: v}
	case nil:
		return value{kind: kindNull}
	default:
		return value{kind: kindOther}
	}
}

// matcher is one alternative of a leaf.
type matcher interface {
	match(v value) bool
}

type exactString string

func (m exactString) match(v value) bool { return v.kind == kindString && v.s == string(m) }

type exactNumber struct {
	f    float64
	fok  bool
	text string
}

func newExactNumber(n json.Number) exactNumber {
	f, err := exactFloat(n)
	return exactNumber{f: f, fok: err == nil, text: n.String()}
}

func (m exactNumber) match(v value) bool {
	if v.kind != kindNumber {
		return false
	}
	if m.fok && v.fok {
		return m.f == v.f
	}
	return v.s != "" && v.s == m.text
}

type exactBool bool

func (m exactBool) match(v value) bool { return v.kind == kindBool && v.b == bool(m) }

type exactNull struct{}

func (exactNull) match(v value) bool { return v.kind == kindNull }

type prefix string

func (m prefix) match(v value) bool { return v.kind == kindString && strings.HasPrefix(v.s, string(m)) }

type suffix string

func (m suffix) match(v value) bool { return v.kind == kindString && strings.HasSuffix(v.s, string(m)) }

type prefixFold string

func (m prefixFold) match(v value) bool { return v.kind == kindString && hasPrefixFold(v.s, string(m)) }

type suffixFold string

func (m suffixFold) match(v value) bool { return v.kind == kindString && hasSuffixFold(v.s, string(m)) }

type equalsFold string

func (m equalsFold) match(v value) bool {
	return v.kind == kindString && strings.EqualFold(v.s, string(m))
}

type cidr netip.Prefix

func (m cidr) match(v value) bool {
	if v.kind != kindString {
		return false
	}
	a, err := netip.ParseAddr(v.s)
	if err != nil {
		return false
	}
	p := netip.Prefix(m)
	if p.Addr().Is4() {
		a = a.Unmap()
	}
	return p.Contains(a)
}

type numericRange struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func (m numericRange) match(v value) bool {
	if v.kind != kindNumber || !v.fok {
		return false
	}
	f := v.f
	if f < m.lo || (m.loOpen && f == m.lo) {
		return false
	}
	if f > m.hi || (m.hiOpen && f == m.hi) {
		return false
	}
	return true
}

// anythingBut excludes exact strings or numbers; a value of another type matches.
type anythingBut struct {
	strs []string
	nums []float64
}

func (m anythingBut) match(v value) bool {
	switch {
	case len(m.strs) > 0 && v.kind == kindString:
		for _, s := range m.strs {
			if v.s == s {
				return false
			}
		}
	case len(m.nums) > 0 && v.kind == kindNumber:
		for _, f := range m.nums {
			if v.fok && v.f == f {
				return false
			}
		}
	}
	return true
}

type anythingButPrefix []string

func (m anythingButPrefix) match(v value) bool {
	if v.kind != kindString {
		return true
	}
	for _, p := range m {
		if strings.HasPrefix(v.s, p) {
			return false
		}
	}
	return true
}

type anythingButSuffix []string

func (m anythingButSuffix) match(v value) bool {
	if v.kind != kindString {
		return true
	}
	for _, s := range m {
		if strings.HasSuffix(v.s, s) {
			return false
		}
	}
	return true
}

type anythingButFold []string

func (m anythingButFold) match(v value) bool {
	if v.kind != kindString {
		return true
	}
	for _, s := range m {
		if strings.EqualFold(v.s, s) {
			return false
		}
	}
	return true
}

type anythingButWildcard []wildcard

func (m anythingButWildcard) match(v value) bool {
	if v.kind != kindString {
		return true
	}
	for _, w := range m {
		if w.matchString(v.s) {
			return false
		}
	}
	return true
}

// wildcard is a pattern split at its '*'s: segs[0] is a prefix, the last a suffix, and the others must appear in
// order between them.
type wildcard struct {
	segs []string
}

func parseWildcard(s string) (wildcard, error) {
	var segs []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return wildcard{}, fmt.Errorf("consecutive wildcard characters at position %d in %q", i, s)
			}
			segs = append(segs, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return wildcard{}, fmt.Errorf("invalid escape character at position %d in %q (only \\* and \\\\ are allowed)", i, s)
		default:
			cur.WriteByte(s[i])
		}
	}
	return wildcard{segs: append(segs, cur.String())}, nil
}

func (w wildcard) match(v value) bool { return v.kind == kindString && w.matchString(v.s) }

func (w wildcard) matchString(s string) bool {
	n := len(w.segs)
	if n == 1 {
		return s == w.segs[0]
	}
	first, last := w.segs[0], w.segs[n-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range w.segs[1 : n-1] {
		i := strings.Index(mid, seg)
		if i < 0 {
			return false
		}
		mid = mid[i+len(seg):]
	}
	return true
}

func hasPrefixFold(s, p string) bool {
	for p != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(p)
		if !equalFoldRune(r1, r2) {
			return false
		}
		s, p = s[n1:], p[n2:]
	}
	return true
}

func hasSuffixFold(s, p string) bool {
	for p != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeLastRuneInString(s)
		r2, n2 := utf8.DecodeLastRuneInString(p)
		if !equalFoldRune(r1, r2) {
			return false
		}
		s, p = s[:len(s)-n1], p[:len(p)-n2]
	}
	return true
}

func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}
