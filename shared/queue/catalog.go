package queue

import (
	"fmt"
	"time"
)

// Catalog lists every queue of WaQtor. Infra creates exactly these; standalone declares exactly these.
// Route target queues are named after their route target (see routing.Table).
var Catalog = []Spec{
	{Name: "audit", VisibilityTimeout: 30 * time.Second, MaxReceives: 5, DeadLetter: "audit-dlq", Retention: 4 * 24 * time.Hour},
	{Name: "audit-dlq", VisibilityTimeout: 30 * time.Second, Retention: 14 * 24 * time.Hour},
}

// Lookup returns the spec with the given name.
func Lookup(name string) (Spec, error) {
	for _, s := range Catalog {
		if s.Name == name {
			return s, nil
		}
	}
	return Spec{}, fmt.Errorf("%w: %q", ErrUnknownQueue, name)
}

// WithDefaults fills unset durations with the SQS defaults.
func (s Spec) WithDefaults() Spec {
	if s.VisibilityTimeout == 0 {
		s.VisibilityTimeout = 30 * time.Second
	}
	if s.Retention == 0 {
		s.Retention = 4 * 24 * time.Hour
	}
	return s
}
