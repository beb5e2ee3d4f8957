package awstest

import "syscall"

// childProcAttr makes a child process die with the test binary, even when t.Cleanup never runs (a test killed by
// its -timeout), so no emulator outlives its test.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
