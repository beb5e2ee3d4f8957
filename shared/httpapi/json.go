package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/waqtor/waqtor/shared/apperr"
	"github.com/waqtor/waqtor/shared/event"
)

// writeJSON writes v compactly, without HTML escaping (receivers compare bytes with JSON.stringify).
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := event.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"encode response","details":{}}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decode reads the (already size-limited) JSON body into dst: invalid UTF-8, unknown fields, wrong types and
// trailing data are refused with an error naming the problem. Field errors name the JSON path of the value
// ("options.mentionedIds[1]"), never a Go type.
func decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return apperr.New(apperr.UnsupportedMedia, "Content-Type must be application/json, got %q", ct)
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return apperr.New(apperr.BadRequest, "could not read the request body")
	}
	return decodeJSON(body, dst)
}

// decodeJSON is decode on the body's bytes.
func decodeJSON(body []byte, dst any) error {
	// encoding/json would silently turn invalid UTF-8 into U+FFFD: refuse it instead.
	if at := invalidUTF8(body); at >= 0 {
		return apperr.New(apperr.BadRequest, "the body is not valid UTF-8 at byte %d", at).
			WithDetails(map[string]any{"offset": at})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.BadRequest, "request body is empty; send a JSON object")
	case errors.As(err, &syn):
		return apperr.New(apperr.BadRequest, "malformed JSON at byte %d: %s", syn.Offset, syn.Error()).
			WithDetails(map[string]any{"offset": syn.Offset})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.BadRequest, "malformed JSON: unexpected end of body")
	case errors.As(err, &typ):
		field := pathAt(body, typ.Offset)
		if field == "" {
			return apperr.New(apperr.BadRequest, "request body must be a JSON object, got %s", typ.Value)
		}
		return fieldErr(field, fmt.Sprintf("must be %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			return apperr.New(apperr.BadRequest, "invalid JSON: %s", err.Error())
		}
		// encoding/json names only the first unknown key, and not where it is: name every one by its path.
		var fe apperr.Fields
		paths := unknownPaths(body, reflect.TypeOf(dst))
		if len(paths) == 0 || paths[0][len(paths[0])-1] != name {
			paths = []jsonPath{{name}}
		}
		for _, p := range paths {
			fe.Add(p.String(), "is not a known field")
		}
		return fe.Err()
	default:
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return ae
		}
		return apperr.New(apperr.BadRequest, "invalid JSON: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.BadRequest, "request body must hold exactly one JSON value")
	}
	return nil
}

// invalidUTF8 is the offset of the first byte of b that is not valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// jsonPath is the path of a value inside a JSON document: object keys and array indexes.
type jsonPath []any

// String writes the path as API clients write it: "options.mentionedIds[2]"; a key that is not a plain name
// (empty, or holding anything but letters, digits, '_' and '-') is quoted in brackets, `headers["a.b"]`, so every
// path reads one way only.
func (p jsonPath) String() string {
	var sb strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case int:
			fmt.Fprintf(&sb, "[%d]", e)
		case string:
			if !plainKey(e) {
				b, _ := json.Marshal(e)
				fmt.Fprintf(&sb, "[%s]", b)
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(e)
		}
	}
	return sb.String()
}

func plainKey(k string) bool {
	if k == "" || k[0] == '-' || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// walkJSON calls visit for every value and every object key of the document in order, with its path (for a key:
// the path of its value) and the offset just after the token; visit returns false to stop. It stops at the first
// syntax error.
func walkJSON(body []byte, visit func(path jsonPath, key *string, end int64) bool) {
	type frame struct {
		object, wantKey bool
		next            int // arrays: the index of the next element
	}
	var stack []frame
	var path jsonPath
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			path = path[:len(stack)]
			continue
		}
		depth := len(stack)
		if depth > 0 {
			top := &stack[depth-1]
			switch {
			case top.object && top.wantKey:
				k, _ := tok.(string)
				path = append(path[:depth-1], k)
				top.wantKey = false
				if !visit(path, &k, end) {
					return
				}
				continue
			case top.object:
				top.wantKey = true
			default:
				path = append(path[:depth-1], top.next)
				top.next++
			}
		}
		if !visit(path, nil, end) {
			return
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{'})
		}
	}
}

// pathAt is the JSON path of the value that ends at offset (an UnmarshalTypeError's Offset: the error comes after
// reading that many bytes), "" for the top-level value.
func pathAt(body []byte, offset int64) string {
	// The top-level value has the empty path, which String writes as "".
	found := ""
	walkJSON(body, func(path jsonPath, key *string, end int64) bool {
		if key != nil {
			return true
		}
		if end >= offset {
			found = path.String()
			return false
		}
		return true
	})
	return found
}

// unknownPaths are the JSON paths of the object keys in body that dst's type (as encoding/json reads it) has no
// field for, in document order (nothing below an unknown key is visited).
func unknownPaths(body []byte, dst reflect.Type) []jsonPath {
	var found []jsonPath
	walkJSON(body, func(path jsonPath, key *string, _ int64) bool {
		if key == nil {
			return true
		}
		t := dst
		for i, e := range path {
			t = deref(t)
			switch e := e.(type) {
			case int:
				if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
					return true
				}
				t = t.Elem()
			case string:
				if t.Kind() != reflect.Struct {
					return true // a map or any: every key is known
				}
				f, ok := jsonField(t, e)
				if !ok {
					if i == len(path)-1 && !slices.ContainsFunc(found, func(p jsonPath) bool { return slices.Equal(p, path) }) {
						found = append(found, slices.Clone(path))
					}
					return true // a key under an unknown key was counted with it
				}
				t = f
			}
		}
		return true
	})
	return found
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonField is the type of the field encoding/json fills from key in struct t: an exact name first, then one
// that differs in case only; promoted fields of embedded structs count.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	var fold reflect.Type
	var visit func(t reflect.Type) (reflect.Type, bool)
	visit = func(t reflect.Type) (reflect.Type, bool) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && deref(f.Type).Kind() == reflect.Struct {
				if ft, ok := visit(deref(f.Type)); ok {
					return ft, true
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if name == key {
				return f.Type, true
			}
			if fold == nil && strings.EqualFold(name, key) {
				fold = f.Type
			}
		}
		return nil, false
	}
	if ft, ok := visit(t); ok {
		return ft, true
	}
	return fold, fold != nil
}

func fieldErr(field, msg string) error { return apperr.Field(field, msg) }

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of another type"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float") {
		return "a number"
	}
	return goKind
}
