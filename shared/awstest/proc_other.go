//go:build !linux

package awstest

import "syscall"

// childProcAttr is the default elsewhere: only t.Cleanup stops the child.
func childProcAttr() *syscall.SysProcAttr { return nil }
