package testserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// StartPostgres initialises a PostgreSQL cluster in a temporary folder and
// starts it on 127.0.0.1 with trust authentication for the user postgres
// (no Unix socket, fsync off: a throwaway server). Its URL is
// "postgres://postgres@ADDR/postgres?sslmode=disable".
//
// PostgreSQL refuses to run as root: as root, it runs as the system user
// postgres (which the Debian package creates), owner of the folder.
func StartPostgres() (*Server, error) {
	const install = "apt-get install -y postgresql (Debian), or put initdb and postgres on PATH"
	initdb, err := lookPath("initdb", install, "/usr/lib/postgresql/*/bin/initdb")
	if err != nil {
		return nil, err
	}
	postgres := filepath.Join(filepath.Dir(initdb), "postgres")
	dir, err := os.MkdirTemp("", "elements-pg-")
	if err != nil {
		return nil, err
	}
	as, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	as(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	s, err := start(dir, "database system is ready to accept connections", func(port int) *exec.Cmd {
		cmd := exec.Command(postgres, "-D", data, "-h", "127.0.0.1", "-p", fmt.Sprint(port),
			"-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "full_page_writes=off")
		as(cmd)
		return cmd
	})
	if err != nil {
		os.RemoveAll(dir)
	}
	return s, err
}

// PostgresURL is the connection URL of a server StartPostgres started.
func (s *Server) PostgresURL() string {
	return "postgres://postgres@" + s.Addr + "/postgres?sslmode=disable"
}
