//go:build !unix

package standalone_test

import "time"

// cpuTime is not measured here: the benchmark reports 0 CPU per delivery.
func cpuTime() time.Duration { return 0 }
