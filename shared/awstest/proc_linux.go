package awstest

import "syscall"

// childProcAttr makes a child process die with the test binary, even when t.Cleanup never runs (a test killed by
// its -timeout), so no emulator outlives its test.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// childProcAttrAs is childProcAttr for a child that runs as another user (the test runs as root).
func childProcAttrAs(uid, gid uint32) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
}
