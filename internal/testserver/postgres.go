package testserver

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

// NewDatabase creates a database of one test's own on a server
// StartPostgres started, drops it (closing its connections) when the test
// ends, and returns its URL. exec runs one SQL statement at the URL it is
// given: the caller's PostgreSQL client (this module has none).
func (s *Server) NewDatabase(tb testing.TB, exec func(ctx context.Context, url, sql string) error) string {
	tb.Helper()
	ctx := context.Background()
	admin := s.PostgresURL()
	name := "t_" + strings.ToLower(rand.Text()[:12])
	if err := exec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("creating the test database: %v", err)
	}
	tb.Cleanup(func() {
		if err := exec(ctx, admin, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("dropping the test database: %v", err)
		}
	})
	return strings.Replace(admin, "/postgres?", "/"+name+"?", 1)
}
