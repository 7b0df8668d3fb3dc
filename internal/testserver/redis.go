package testserver

import (
	"fmt"
	"os"
	"os/exec"
)

// StartRedis starts redis-server in a temporary folder on 127.0.0.1,
// without persistence, with the extra arguments given (for example
// "--cluster-enabled", "yes").
func StartRedis(args ...string) (*Server, error) {
	bin, err := lookPath("redis-server", "apt-get install -y redis-server (Debian)")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "elements-redis-")
	if err != nil {
		return nil, err
	}
	s, err := start(dir, "Ready to accept connections", func(port int) *exec.Cmd {
		return exec.Command(bin, append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1",
			"--dir", dir, "--save", "", "--appendonly", "no"}, args...)...)
	})
	if err != nil {
		os.RemoveAll(dir)
	}
	return s, err
}
