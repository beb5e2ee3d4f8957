//go:build !unix

package httpapi_test

import "time"

// cpuTime is not measured here: the benchmark reports 0 CPU per request.
func cpuTime() time.Duration { return 0 }
