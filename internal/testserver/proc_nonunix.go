//go:build !unix

package testserver

import (
	"fmt"
	"os/exec"
)

func runAs(string) (func(*exec.Cmd), error) {
	return nil, fmt.Errorf("PostgreSQL tests: %w here (Unix only)", ErrNoBinary)
}
