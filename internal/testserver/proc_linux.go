package testserver

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the server die with the test binary, should that be
// killed before it can call Stop.
func setProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
