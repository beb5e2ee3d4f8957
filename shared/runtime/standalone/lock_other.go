//go:build !unix

package standalone

// LockFile is the file in the data directory that one standalone process at a time holds locked (on Unix).
const LockFile = "waqtor.lock"

// lockDataDir does nothing where flock does not exist: there, keeping to one process per data directory is the
// operator's job.
func lockDataDir(string) (unlock func(), err error) { return func() {}, nil }
