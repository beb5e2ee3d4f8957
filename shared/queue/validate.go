package queue

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits shared by every adapter. They are the SQS limits, so a message that the SQLite queue accepts is one that
// SQS accepts too.
const (
	// MaxBatch is the most messages one Send or Receive call handles.
	MaxBatch = 10
	// MaxMessageSize bounds one message: body plus attribute names, types and values, in bytes.
	MaxMessageSize = 256 * 1024
	// MaxDelay is the longest per-message delay.
	MaxDelay = 15 * time.Minute
	// MaxVisibility is the longest visibility timeout.
	MaxVisibility = 12 * time.Hour
	// MaxWait is the longest long poll.
	MaxWait = 20 * time.Second
	// MaxAttributes is the most attributes on one message.
	MaxAttributes = 10
	// MinRetention and MaxRetention bound Spec.Retention.
	MinRetention = time.Minute
	MaxRetention = 14 * 24 * time.Hour
	// DedupWindow is how long a FIFO queue remembers a DedupID.
	DedupWindow = 5 * time.Minute
	// FIFOSuffix ends the name of every FIFO queue.
	FIFOSuffix = ".fifo"

	maxNameLen  = 80
	maxGroupLen = 128
	// attributeType is the SQS data type that every attribute travels as; it counts towards MaxMessageSize.
	attributeType = "String"
)

// ValidateSpecs reports every problem of a set of queue declarations at once: names (SQS rules, ".fifo" exactly
// on FIFO queues, unique), durations in range, and dead-letter queues that are declared, of the same kind, paired
// with MaxReceives and free of cycles. Adapters call it in their constructors.
func ValidateSpecs(specs []Spec) error {
	var errs []error
	byName := make(map[string]Spec, len(specs))
	for _, s := range specs {
		if _, dup := byName[s.Name]; dup {
			errs = append(errs, fmt.Errorf("queue %q declared twice", s.Name))
		}
		byName[s.Name] = s
	}
	for _, s := range specs {
		errs = append(errs, s.validate(byName)...)
		seen := map[string]bool{s.Name: true}
		for d := byName[s.DeadLetter]; d.Name != ""; d = byName[d.DeadLetter] {
			if seen[d.Name] {
				errs = append(errs, fmt.Errorf("queue %q: its dead-letter queues form a cycle", s.Name))
				break
			}
			seen[d.Name] = true
		}
	}
	return errors.Join(errs...)
}

func (s Spec) validate(byName map[string]Spec) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("queue %q: "+format, append([]any{s.Name}, args...)...))
	}
	base, isFIFOName := strings.CutSuffix(s.Name, FIFOSuffix)
	switch {
	case s.Name == "" || len(s.Name) > maxNameLen:
		bad("name must be 1 to %d characters", maxNameLen)
	case strings.IndexFunc(base, func(r rune) bool { return !isNameRune(r) }) >= 0 || base == "":
		bad("name may hold only letters, digits, '-' and '_' (and end in %q on FIFO queues)", FIFOSuffix)
	}
	if s.FIFO != isFIFOName {
		bad("FIFO queues, and only they, have names ending in %q", FIFOSuffix)
	}
	d := s.WithDefaults()
	if d.VisibilityTimeout < 0 || d.VisibilityTimeout > MaxVisibility {
		bad("visibility timeout %s is outside 0..%s", s.VisibilityTimeout, MaxVisibility)
	}
	if d.Retention < MinRetention || d.Retention > MaxRetention {
		bad("retention %s is outside %s..%s", s.Retention, MinRetention, MaxRetention)
	}
	if s.MaxReceives < 0 || s.MaxReceives > 1000 {
		bad("max receives %d is outside 0..1000", s.MaxReceives)
	}
	if (s.MaxReceives > 0) != (s.DeadLetter != "") {
		bad("MaxReceives and DeadLetter go together")
	}
	if s.DeadLetter != "" {
		dlq, ok := byName[s.DeadLetter]
		switch {
		case !ok:
			bad("dead-letter queue %q is not declared", s.DeadLetter)
		case dlq.Name == s.Name:
			bad("a queue cannot be its own dead-letter queue")
		case dlq.FIFO != s.FIFO:
			bad("dead-letter queue %q must be FIFO exactly when the queue is", s.DeadLetter)
		}
	}
	return errs
}

func isNameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// ValidateSend checks one Send call against the spec of its queue, as SQS would: 1 to MaxBatch messages, a
// non-empty body of characters SQS accepts, MaxMessageSize per message (body and attributes), a delay within
// 0..MaxDelay and none on FIFO queues (SQS has no per-message delay there), at most MaxAttributes attributes
// with SQS-valid names and non-empty values, and on FIFO queues a GroupID (ErrGroupRequired) and IDs of at most
// 128 printable ASCII characters. GroupID and DedupID are ignored on standard queues.
func ValidateSend(spec Spec, msgs []Outgoing) error {
	if len(msgs) == 0 || len(msgs) > MaxBatch {
		return fmt.Errorf("%w: %d messages in one send, want 1 to %d", ErrInvalidMessage, len(msgs), MaxBatch)
	}
	for i, m := range msgs {
		if err := validateOutgoing(spec, m); err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
	}
	return nil
}

func validateOutgoing(spec Spec, m Outgoing) error {
	if len(m.Body) == 0 {
		return fmt.Errorf("%w: empty body", ErrInvalidMessage)
	}
	if !validText(m.Body) {
		return fmt.Errorf("%w: body is not UTF-8 text of characters SQS accepts", ErrInvalidMessage)
	}
	if size := Size(m); size > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidMessage, size, MaxMessageSize)
	}
	if m.Delay < 0 || m.Delay > MaxDelay {
		return fmt.Errorf("%w: delay %s is outside 0..%s", ErrInvalidMessage, m.Delay, MaxDelay)
	}
	if len(m.Attributes) > MaxAttributes {
		return fmt.Errorf("%w: %d attributes, more than %d", ErrInvalidMessage, len(m.Attributes), MaxAttributes)
	}
	for k, v := range m.Attributes {
		if !validAttributeName(k) {
			return fmt.Errorf("%w: attribute name %q", ErrInvalidMessage, k)
		}
		if v == "" || !validText([]byte(v)) {
			return fmt.Errorf("%w: attribute %q must have a non-empty text value", ErrInvalidMessage, k)
		}
	}
	if !spec.FIFO {
		return nil
	}
	if m.Delay != 0 {
		return fmt.Errorf("%w: FIFO queues have no per-message delay", ErrInvalidMessage)
	}
	if m.GroupID == "" {
		return ErrGroupRequired
	}
	if !validFIFOID(m.GroupID) {
		return fmt.Errorf("%w: group ID must be 1 to %d printable ASCII characters", ErrInvalidMessage, maxGroupLen)
	}
	if m.DedupID != "" && !validFIFOID(m.DedupID) {
		return fmt.Errorf("%w: dedup ID must be 1 to %d printable ASCII characters", ErrInvalidMessage, maxGroupLen)
	}
	return nil
}

// Size is the size SQS charges a message against MaxMessageSize: the body plus, for every attribute, its name,
// its data type and its value.
func Size(m Outgoing) int {
	n := len(m.Body)
	for k, v := range m.Attributes {
		n += len(k) + len(attributeType) + len(v)
	}
	return n
}

// validText reports whether b is UTF-8 made only of the characters SQS accepts in bodies and attribute values:
// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF.
func validText(b []byte) bool {
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return false
			}
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 || r >= 0xD800 && r < 0xE000 || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		b = b[n:]
	}
	return true
}

func validAttributeName(k string) bool {
	if k == "" || len(k) > 256 || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return false
	}
	lower := strings.ToLower(k)
	if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
		return false
	}
	return strings.IndexFunc(k, func(r rune) bool { return !isNameRune(r) && r != '.' }) < 0
}

func validFIFOID(id string) bool {
	if id == "" || len(id) > maxGroupLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '!' || id[i] > '~' {
			return false
		}
	}
	return true
}

// Normalize checks a receive call's options and fills the defaults: Max 0 means 1, Visibility 0 means the
// queue's timeout. Max must be 1..MaxBatch, Visibility 0..MaxVisibility and Wait 0..MaxWait (ErrInvalidMessage).
func (o ReceiveOptions) Normalize(spec Spec) (ReceiveOptions, error) {
	if o.Max == 0 {
		o.Max = 1
	}
	if o.Max < 1 || o.Max > MaxBatch {
		return o, fmt.Errorf("%w: receive of %d messages, want 1 to %d", ErrInvalidMessage, o.Max, MaxBatch)
	}
	if o.Visibility < 0 || o.Visibility > MaxVisibility {
		return o, fmt.Errorf("%w: visibility %s is outside 0..%s", ErrInvalidMessage, o.Visibility, MaxVisibility)
	}
	if o.Visibility == 0 {
		o.Visibility = spec.WithDefaults().VisibilityTimeout
	}
	if o.Wait < 0 || o.Wait > MaxWait {
		return o, fmt.Errorf("%w: wait %s is outside 0..%s", ErrInvalidMessage, o.Wait, MaxWait)
	}
	return o, nil
}

// ValidateVisibility checks the timeout of a ChangeVisibility call: 0..MaxVisibility.
func ValidateVisibility(d time.Duration) error {
	if d < 0 || d > MaxVisibility {
		return fmt.Errorf("%w: visibility %s is outside 0..%s", ErrInvalidMessage, d, MaxVisibility)
	}
	return nil
}

// Specs indexes specs by name, for adapters that look a queue up on every call.
func Specs(specs []Spec) map[string]Spec {
	m := make(map[string]Spec, len(specs))
	for _, s := range specs {
		m[s.Name] = s.WithDefaults()
	}
	return m
}
