//go:build !waqtor_dashboard

package dashboard

import "io/fs"

// Embedded is nil: this binary was built without the dashboard inside (`make release` builds one with it).
func Embedded() fs.FS { return nil }
