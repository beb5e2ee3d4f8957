//go:build !linux

package awstest

import "syscall"

// childProcAttr is the default elsewhere: only t.Cleanup stops the child.
func childProcAttr() *syscall.SysProcAttr { return nil }

// childProcAttrAs is childProcAttr: elsewhere children run as the test's user (the Postgres binaries are for
// Linux only anyway).
func childProcAttrAs(uid, gid uint32) *syscall.SysProcAttr { return nil }
