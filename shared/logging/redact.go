package logging

import (
	"context"
	"encoding"
	"fmt"
	"log/slog"
	"strings"
)

// Redact masks the phone numbers in s, keeping the last 4 digits of each ("***4567"), so a line can still be matched
// with the number a user reports. A phone number is
//   - a run of 8 to 15 digits that no letter touches ("/contacts/966501234567/messages", "966501234567@s.whatsapp.net",
//     "966501234567:12@s.whatsapp.net", "100000000000001@lid"; also after a URL-encoded plus, "%2B966501234567");
//   - a run of 7 digits that starts with "+" or ends at "@" (the shortest numbers, as JIDs or written out);
//   - "+" followed by 7 to 15 digits in groups separated by single spaces, dashes, dots or parentheses
//     ("+966 50 123 4567", "+1 (555) 000-0199").
//
// Runs of more than 15 digits (nanosecond timestamps) and digits inside words or hex IDs ("3EB0123456789ABC") are
// left alone. Strings with fewer than 7 digits are returned as they are, without allocating.
func Redact(s string) string {
	start, end := nextPhone(s, 0)
	if end < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	from := 0
	for end >= 0 {
		b.WriteString(s[from:start])
		b.WriteString("***")
		b.WriteString(lastDigits(s[start:end], 4))
		from = end
		start, end = nextPhone(s, end)
	}
	b.WriteString(s[from:])
	return b.String()
}

// hasPhone reports whether Redact would change s.
func hasPhone(s string) bool {
	_, end := nextPhone(s, 0)
	return end >= 0
}

// nextPhone returns the bounds of the first phone number in s[i:], or end -1.
func nextPhone(s string, i int) (start, end int) {
	if !mayHoldPhone(s[i:]) {
		return 0, -1
	}
	for ; i < len(s); i++ {
		if c := s[i]; c != '+' && (!isDigit(c) || i > 0 && isDigit(s[i-1])) {
			continue
		}
		if start, end := phoneAt(s, i); end >= 0 {
			return start, end
		}
	}
	return 0, -1
}

// mayHoldPhone is the cheap first look: does s have 7 digits in a row, counting the separators "+966 50 123 4567"
// may have between them?
func mayHoldPhone(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if run++; run >= 7 {
				return true
			}
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			run = 0
		}
	}
	return false
}

// phoneAt reports whether a phone number starts at s[i] (a "+" or the first digit of a run): its bounds, or end -1.
func phoneAt(s string, i int) (start, end int) {
	if s[i] == '+' {
		j, n := i+1, 0
		for j < len(s) {
			c := s[j]
			if isDigit(c) {
				n++
				j++
				continue
			}
			// One separator between digit groups ("(" may follow a space: "+1 (555)").
			if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && j+1 < len(s) &&
				(isDigit(s[j+1]) || s[j+1] == '(' || c == ')' && s[j+1] == ' ') {
				j++
				continue
			}
			break
		}
		for j > i && !isDigit(s[j-1]) {
			j--
		}
		if n >= 7 && n <= 15 && (j == len(s) || !isWord(s[j])) {
			return i, j
		}
		return 0, -1
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	n := j - i
	if n > 15 || n < 7 || j < len(s) && isLetter(s[j]) {
		return 0, -1
	}
	if i > 0 && isLetter(s[i-1]) && !(i >= 3 && strings.EqualFold(s[i-3:i], "%2B")) {
		return 0, -1
	}
	if n == 7 && !(j < len(s) && s[j] == '@' || i > 0 && s[i-1] == '+') {
		return 0, -1
	}
	return i, j
}

func lastDigits(s string, n int) string {
	var out [4]byte
	k := len(out)
	for j := len(s) - 1; j >= 0 && k > len(out)-n; j-- {
		if isDigit(s[j]) {
			k--
			out[k] = s[j]
		}
	}
	return string(out[k:])
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWord(c byte) bool   { return isDigit(c) || isLetter(c) }

// redactHandler masks phone numbers (Redact) in the message and every attribute of each record, at every level,
// before the handler it wraps formats them: string values, errors, values that format themselves as text
// (fmt.Stringer, encoding.TextMarshaler: whatsmeow's JIDs), byte slices, and the maps and slices decoded from
// zerolog's JSON; groups and LogValuers are walked.
type redactHandler struct{ next slog.Handler }

// NewRedactHandler wraps h so that no phone number reaches it.
func NewRedactHandler(h slog.Handler) slog.Handler { return redactHandler{h} }

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	msg := Redact(r.Message)
	clean := len(msg) == len(r.Message) && msg == r.Message
	if clean {
		r.Attrs(func(a slog.Attr) bool {
			clean = !mayNeedRedact(a.Value)
			return clean
		})
	}
	if clean { // the common case: pass the record on as it is, no copy
		return h.next.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactHandler{h.next.WithAttrs(red)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.next.WithGroup(name)}
}

// mayNeedRedact is false for values Redact would not change: numbers, times, strings without a phone number.
func mayNeedRedact(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindString:
		return hasPhone(v.String())
	case slog.KindGroup:
		for _, a := range v.Group() {
			if mayNeedRedact(a.Value) {
				return true
			}
		}
		return false
	case slog.KindAny, slog.KindLogValuer:
		return true
	}
	return false
}

func redactAttr(a slog.Attr) slog.Attr {
	a.Value = redactValue(a.Value)
	return a
}

func redactValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if r := Redact(s); r != s {
			return slog.StringValue(r)
		}
		return v
	case slog.KindGroup:
		as := v.Group()
		out := make([]slog.Attr, len(as))
		for i, a := range as {
			out[i] = redactAttr(a)
		}
		return slog.GroupValue(out...)
	case slog.KindLogValuer:
		return redactValue(v.Resolve())
	case slog.KindAny:
		return slog.AnyValue(redactAny(v.Any()))
	}
	return v
}

func redactAny(x any) any {
	switch t := x.(type) {
	case error:
		return Redact(t.Error())
	case encoding.TextMarshaler:
		b, err := t.MarshalText()
		if err != nil {
			return x
		}
		return Redact(string(b))
	case fmt.Stringer:
		return Redact(t.String())
	case []byte:
		return Redact(string(t))
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[Redact(k)] = redactAny(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redactAny(e)
		}
		return out
	case []string:
		out := make([]string, len(t))
		for i, e := range t {
			out[i] = Redact(e)
		}
		return out
	case string:
		return Redact(t)
	}
	return x
}
