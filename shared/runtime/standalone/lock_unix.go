//go:build unix

package standalone

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the file in the data directory that one standalone process at a time holds locked.
const LockFile = "waqtor.lock"

// lockDataDir takes an exclusive lock (flock) on the data directory's lock file and writes this process's PID into
// it, so that a second process on the same directory fails at once instead of running the same WhatsApp sessions
// and SQLite queues as the first. The kernel drops the lock when the process ends, however it ends (kill -9
// included), so a stale lock file never blocks a start. unlock releases it.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the data directory's lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, heldError(dir, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// heldError names the directory and, when the lock file says, the PID of the process holding it.
func heldError(dir, path string) error {
	who := "another WaQtor process"
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			who = fmt.Sprintf("another WaQtor process (PID %d)", pid)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return fmt.Errorf("the data directory %s is in use by %s (lock file %s): stop it first, or give this one "+
		"another WAQTOR_DATA_DIR", abs, who, path)
}
