package eventpattern

import "errors"

var (
	// ErrInvalidPattern: the pattern is not a valid EventBridge event pattern. Compile wraps it in a *PatternError
	// that names where and why.
	ErrInvalidPattern = errors.New("eventpattern: invalid event pattern")
	// ErrInvalidEvent: the event is not a JSON object.
	ErrInvalidEvent = errors.New("eventpattern: invalid event")
)

// PatternError says where a pattern is invalid (a dotted path such as "detail.state[1]") and why.
type PatternError struct {
	Path   string
	Reason string
}

func (e *PatternError) Error() string {
	if e.Path == "" {
		return ErrInvalidPattern.Error() + ": " + e.Reason
	}
	return ErrInvalidPattern.Error() + ": " + e.Path + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrInvalidPattern) true.
func (e *PatternError) Unwrap() error { return ErrInvalidPattern }
