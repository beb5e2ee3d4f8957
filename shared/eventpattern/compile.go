package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Pattern is a compiled event pattern. It is immutable and safe for concurrent use.
type Pattern struct {
	root *object
	src  string
}

// object is a pattern object: every leaf and child must match, and one of or (when present).
type object struct {
	leaves   []leaf
	children []child
	or       []*object
}

type child struct {
	name string
	node *object
}

// leaf is one field whose pattern is an array of alternatives.
type leaf struct {
	name        string
	matchers    []matcher
	existsTrue  bool
	existsFalse bool
}

// reservedInOr are the field names event-ruler refuses inside a "$or" branch (operator names).
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true, "anything-but": true,
	"exists": true, "wildcard": true, "numeric": true, "cidr": true, "=": true, "<": true, "<=": true, ">": true,
	">=": true,
}

// Compile validates and compiles an EventBridge event pattern given as JSON ([]byte, json.RawMessage or string) or
// as a decoded map (routing.Route.Pattern; any JSON-marshalable values). An invalid pattern gives a *PatternError
// (errors.Is ErrInvalidPattern) naming the offending path, with the same rules EventBridge's PutRule applies.
func Compile(pattern any) (*Pattern, error) {
	var raw []byte
	switch p := pattern.(type) {
	case []byte:
		raw = p
	case json.RawMessage:
		raw = p
	case string:
		raw = []byte(p)
	case map[string]any:
		b, err := json.Marshal(p)
		if err != nil {
			return nil, &PatternError{Reason: "not JSON: " + err.Error()}
		}
		raw = b
	default:
		return nil, &PatternError{Reason: fmt.Sprintf("unsupported pattern type %T (want JSON bytes or map[string]any)", pattern)}
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return nil, &PatternError{Reason: "malformed JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &PatternError{Reason: "pattern must be a JSON object"}
	}
	root, err := compileObject(obj, "", false)
	if err != nil {
		return nil, err
	}
	var src bytes.Buffer
	enc := json.NewEncoder(&src)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, &PatternError{Reason: "not JSON: " + err.Error()}
	}
	return &Pattern{root: root, src: strings.TrimSuffix(src.String(), "\n")}, nil
}

// MustCompile is Compile for patterns fixed in code; it panics on an invalid pattern.
func MustCompile(pattern any) *Pattern {
	p, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as compact JSON with sorted keys.
func (p *Pattern) String() string { return p.src }

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func compileObject(obj map[string]any, path string, inOr bool) (*object, error) {
	if len(obj) == 0 {
		return nil, &PatternError{Path: path, Reason: "empty objects are not allowed"}
	}
	o := &object{}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := join(path, k)
		if k == "$or" {
			branches, err := compileOr(obj[k], p)
			if err != nil {
				return nil, err
			}
			o.or = branches
			continue
		}
		if inOr && reservedInOr[k] {
			return nil, &PatternError{Path: p, Reason: fmt.Sprintf("%q is a reserved field name inside $or", k)}
		}
		switch v := obj[k].(type) {
		case map[string]any:
			node, err := compileObject(v, p, inOr)
			if err != nil {
				return nil, err
			}
			o.children = append(o.children, child{name: k, node: node})
		case []any:
			l, err := compileLeaf(k, v, p)
			if err != nil {
				return nil, err
			}
			o.leaves = append(o.leaves, l)
		default:
			return nil, &PatternError{Path: p, Reason: fmt.Sprintf("%q must be an object or an array, got %s", k, describe(v))}
		}
	}
	return o, nil
}

func compileOr(v any, path string) ([]*object, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, &PatternError{Path: path, Reason: "$or must be an array of objects, got " + describe(v)}
	}
	if len(arr) < 2 {
		return nil, &PatternError{Path: path, Reason: fmt.Sprintf("$or needs at least 2 objects, got %d", len(arr))}
	}
	branches := make([]*object, 0, len(arr))
	for i, e := range arr {
		p := fmt.Sprintf("%s[%d]", path, i)
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, &PatternError{Path: p, Reason: "only objects are allowed in $or, got " + describe(e)}
		}
		b, err := compileObject(obj, p, true)
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
	}
	return branches, nil
}

func compileLeaf(name string, arr []any, path string) (leaf, error) {
	l := leaf{name: name}
	if len(arr) == 0 {
		return l, &PatternError{Path: path, Reason: "empty arrays are not allowed"}
	}
	for i, e := range arr {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch v := e.(type) {
		case string:
			l.matchers = append(l.matchers, exactString(v))
		case json.Number:
			l.matchers = append(l.matchers, newExactNumber(v))
		case bool:
			l.matchers = append(l.matchers, exactBool(v))
		case nil:
			l.matchers = append(l.matchers, exactNull{})
		case map[string]any:
			if err := compileExpression(&l, v, p); err != nil {
				return l, err
			}
		default:
			return l, &PatternError{Path: p, Reason: "match value must be a string, number, true, false, null or a match expression object, got " + describe(v)}
		}
	}
	return l, nil
}

func compileExpression(l *leaf, e map[string]any, path string) error {
	if len(e) == 0 {
		return &PatternError{Path: path, Reason: "empty match expression"}
	}
	if len(e) > 1 {
		return &PatternError{Path: path, Reason: "only one key allowed in match expression, got " + strings.Join(sortedKeys(e), ", ")}
	}
	var op string
	var arg any
	for k, v := range e {
		op, arg = k, v
	}
	p := join(path, op)
	switch op {
	case "prefix", "suffix":
		s, fold, err := stringOrIgnoreCase(arg, op, p)
		if err != nil {
			return err
		}
		switch {
		case op == "prefix" && fold:
			l.matchers = append(l.matchers, prefixFold(s))
		case op == "prefix":
			l.matchers = append(l.matchers, prefix(s))
		case fold:
			l.matchers = append(l.matchers, suffixFold(s))
		default:
			l.matchers = append(l.matchers, suffix(s))
		}
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return &PatternError{Path: p, Reason: "equals-ignore-case match pattern must be a string, got " + describe(arg)}
		}
		l.matchers = append(l.matchers, equalsFold(s))
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return &PatternError{Path: p, Reason: "wildcard match pattern must be a string, got " + describe(arg)}
		}
		w, err := parseWildcard(s)
		if err != nil {
			return &PatternError{Path: p, Reason: err.Error()}
		}
		l.matchers = append(l.matchers, w)
	case "anything-but":
		m, err := compileAnythingBut(arg, p)
		if err != nil {
			return err
		}
		l.matchers = append(l.matchers, m)
	case "numeric":
		m, err := compileNumeric(arg, p)
		if err != nil {
			return err
		}
		l.matchers = append(l.matchers, m)
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return &PatternError{Path: p, Reason: "exists match pattern must be either true or false, got " + describe(arg)}
		}
		if b {
			l.existsTrue = true
		} else {
			l.existsFalse = true
		}
	case "cidr":
		s, ok := arg.(string)
		if !ok {
			return &PatternError{Path: p, Reason: "cidr match pattern must be a string, got " + describe(arg)}
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return &PatternError{Path: p, Reason: fmt.Sprintf("invalid CIDR %q", s)}
		}
		l.matchers = append(l.matchers, cidr(pfx.Masked()))
	default:
		return &PatternError{Path: path, Reason: fmt.Sprintf("unrecognized match type %q (want prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists or cidr)", op)}
	}
	return nil
}

// stringOrIgnoreCase reads the argument of prefix/suffix: a string or {"equals-ignore-case": string}.
func stringOrIgnoreCase(arg any, op, path string) (string, bool, error) {
	switch v := arg.(type) {
	case string:
		return v, false, nil
	case map[string]any:
		if len(v) != 1 {
			return "", false, &PatternError{Path: path, Reason: fmt.Sprintf("%s expression takes exactly one key (equals-ignore-case), got %d", op, len(v))}
		}
		s, ok := v["equals-ignore-case"]
		if !ok {
			return "", false, &PatternError{Path: path, Reason: fmt.Sprintf("unsupported %s pattern %q (only equals-ignore-case)", op, sortedKeys(v)[0])}
		}
		str, ok := s.(string)
		if !ok {
			return "", false, &PatternError{Path: join(path, "equals-ignore-case"), Reason: "equals-ignore-case match pattern must be a string, got " + describe(s)}
		}
		return str, true, nil
	default:
		return "", false, &PatternError{Path: path, Reason: fmt.Sprintf("%s match pattern must be a string, got %s", op, describe(arg))}
	}
}

func compileAnythingBut(arg any, path string) (matcher, error) {
	switch v := arg.(type) {
	case string:
		return anythingBut{strs: []string{v}}, nil
	case json.Number:
		f, err := exactFloat(v)
		if err != nil {
			return nil, &PatternError{Path: path, Reason: err.Error()}
		}
		return anythingBut{nums: []float64{f}}, nil
	case []any:
		if len(v) == 0 {
			return nil, &PatternError{Path: path, Reason: "anything-but list must not be empty"}
		}
		var m anythingBut
		for i, e := range v {
			switch x := e.(type) {
			case string:
				m.strs = append(m.strs, x)
			case json.Number:
				f, err := exactFloat(x)
				if err != nil {
					return nil, &PatternError{Path: fmt.Sprintf("%s[%d]", path, i), Reason: err.Error()}
				}
				m.nums = append(m.nums, f)
			default:
				return nil, &PatternError{Path: fmt.Sprintf("%s[%d]", path, i), Reason: "inside an anything-but list only strings or numbers are allowed, got " + describe(e)}
			}
		}
		if len(m.strs) > 0 && len(m.nums) > 0 {
			return nil, &PatternError{Path: path, Reason: "inside an anything-but list, either all values are numbers or all are strings; mixed types are not supported"}
		}
		return m, nil
	case map[string]any:
		if len(v) != 1 {
			return nil, &PatternError{Path: path, Reason: "only one key allowed in anything-but expression, got " + strings.Join(sortedKeys(v), ", ")}
		}
		var op string
		var val any
		for k, x := range v {
			op, val = k, x
		}
		p := join(path, op)
		switch op {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
		default:
			return nil, &PatternError{Path: path, Reason: fmt.Sprintf("unsupported anything-but pattern %q (want prefix, suffix, equals-ignore-case or wildcard)", op)}
		}
		var strs []string
		switch x := val.(type) {
		case string:
			strs = []string{x}
		case []any:
			if len(x) == 0 {
				return nil, &PatternError{Path: p, Reason: "anything-but " + op + " list must not be empty"}
			}
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, &PatternError{Path: fmt.Sprintf("%s[%d]", p, i), Reason: "anything-but " + op + " values must be strings, got " + describe(e)}
				}
				strs = append(strs, s)
			}
		default:
			return nil, &PatternError{Path: p, Reason: "anything-but " + op + " value must be a string or a list of strings, got " + describe(val)}
		}
		switch op {
		case "prefix", "suffix":
			if slices.Contains(strs, "") {
				return nil, &PatternError{Path: p, Reason: "empty prefix/suffix not allowed in anything-but"}
			}
			if op == "prefix" {
				return anythingButPrefix(strs), nil
			}
			return anythingButSuffix(strs), nil
		case "equals-ignore-case":
			return anythingButFold(strs), nil
		default:
			ws := make(anythingButWildcard, 0, len(strs))
			for _, s := range strs {
				w, err := parseWildcard(s)
				if err != nil {
					return nil, &PatternError{Path: p, Reason: err.Error()}
				}
				ws = append(ws, w)
			}
			return ws, nil
		}
	default:
		return nil, &PatternError{Path: path, Reason: "value of anything-but must be a string, a number, a list of them, or a prefix/suffix/equals-ignore-case/wildcard object, got " + describe(arg)}
	}
}

func compileNumeric(arg any, path string) (matcher, error) {
	arr, ok := arg.([]any)
	if !ok {
		return nil, &PatternError{Path: path, Reason: "value of numeric must be an array, got " + describe(arg)}
	}
	if len(arr) == 0 {
		return nil, &PatternError{Path: path, Reason: "numeric array must not be empty"}
	}
	operand := func(i int, op string) (float64, error) {
		if i >= len(arr) {
			return 0, &PatternError{Path: path, Reason: fmt.Sprintf("value of %s is missing", op)}
		}
		n, ok := arr[i].(json.Number)
		if !ok {
			return 0, &PatternError{Path: fmt.Sprintf("%s[%d]", path, i), Reason: fmt.Sprintf("value of %s must be numeric, got %s", op, describe(arr[i]))}
		}
		f, err := exactFloat(n)
		if err != nil {
			return 0, &PatternError{Path: fmt.Sprintf("%s[%d]", path, i), Reason: err.Error()}
		}
		return f, nil
	}
	op, ok := arr[0].(string)
	if !ok {
		return nil, &PatternError{Path: path + "[0]", Reason: "numeric expression must start with an operator (=, <, <=, >, >=), got " + describe(arr[0])}
	}
	tooMany := &PatternError{Path: path, Reason: "too many elements in numeric expression"}
	r := numericRange{lo: math.Inf(-1), hi: math.Inf(1)}
	switch op {
	case "=":
		f, err := operand(1, op)
		if err != nil {
			return nil, err
		}
		if len(arr) > 2 {
			return nil, tooMany
		}
		return numericRange{lo: f, hi: f}, nil
	case "<", "<=":
		f, err := operand(1, op)
		if err != nil {
			return nil, err
		}
		if len(arr) > 2 {
			return nil, &PatternError{Path: path, Reason: "too many elements in numeric expression (a range is written lower bound first: > or >= then < or <=)"}
		}
		r.hi, r.hiOpen = f, op == "<"
		return r, nil
	case ">", ">=":
		f, err := operand(1, op)
		if err != nil {
			return nil, err
		}
		r.lo, r.loOpen = f, op == ">"
		if len(arr) == 2 {
			return r, nil
		}
		op2, ok := arr[2].(string)
		if !ok {
			return nil, &PatternError{Path: path + "[2]", Reason: "bad value in numeric range: want < or <=, got " + describe(arr[2])}
		}
		if op2 != "<" && op2 != "<=" {
			return nil, &PatternError{Path: path + "[2]", Reason: fmt.Sprintf("bad numeric range operator %q (after a lower bound only < or <= may follow)", op2)}
		}
		g, err := operand(3, op2)
		if err != nil {
			return nil, err
		}
		if len(arr) > 4 {
			return nil, &PatternError{Path: path, Reason: "too many terms in numeric range expression"}
		}
		if !(f < g) {
			return nil, &PatternError{Path: path, Reason: fmt.Sprintf("lower bound %v must be less than upper bound %v", f, g)}
		}
		r.hi, r.hiOpen = g, op2 == "<"
		return r, nil
	default:
		return nil, &PatternError{Path: path + "[0]", Reason: fmt.Sprintf("unrecognized numeric operator %q (want =, <, <=, > or >=)", op)}
	}
}

// exactFloat parses a pattern number; like EventBridge it refuses numbers a 64-bit float cannot hold exactly.
func exactFloat(n json.Number) (float64, error) {
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("cannot compare number %s", n)
	}
	want, ok := new(big.Rat).SetString(n.String())
	got, ok2 := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok || !ok2 || want.Cmp(got) != 0 {
		return 0, fmt.Errorf("cannot compare number %s: not exactly representable as a 64-bit float", n)
	}
	return f, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return "number " + x.String()
	case string:
		return strconv.Quote(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return fmt.Sprintf("%T", v)
	}
}
