//go:build waqtor_dashboard

package dashboard

import (
	"embed"
	"io/fs"
)

// dist is the dashboard's build, copied here from dashboard/dist by `make release` (the folder is not committed):
// without it a build with the tag waqtor_dashboard fails, so a release binary always carries a dashboard.
//
//go:embed all:dist
var dist embed.FS

// Embedded is the dashboard built into this binary (`make release`).
func Embedded() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a valid path: fs.Sub cannot fail
	}
	return sub
}
