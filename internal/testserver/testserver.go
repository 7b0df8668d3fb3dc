// Package testserver starts throwaway PostgreSQL and Redis servers from the
// machine's binaries, for the tests of the pgdedup and redisdedup modules:
// each in a temporary folder, on a free loopback port, stopped (and its
// folder removed) by Stop.
//
// Where a binary is missing, Start fails with an error wrapping ErrNoBinary
// that says how to install it; [Once.Get] turns it into a skip, or a failure
// when ELEMENTS_REQUIRE_SERVERS=1 (as in CI).
package testserver

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNoBinary is wrapped by the errors of a Start whose server binary is
// not installed.
var ErrNoBinary = errors.New("server binary not found")

// RequireEnv names the environment variable that turns a missing binary
// from a skip into a failure.
const RequireEnv = "ELEMENTS_REQUIRE_SERVERS"

// startTimeout bounds how long a server may take to say it is ready.
const startTimeout = 60 * time.Second

// Server is a running server.
type Server struct {
	Addr string // host:port on 127.0.0.1
	Dir  string // its temporary folder

	cmd  *exec.Cmd
	exit chan struct{} // closed when the process has exited
	mu   sync.Mutex
	log  []string // the last lines it printed
}

// Once starts a server on first use and shares it, like a sync.Once:
// a package's tests share one server; its TestMain calls Stop after m.Run.
type Once struct {
	Start func() (*Server, error)

	once sync.Once
	srv  *Server
	err  error
}

// Get returns the server, starting it on the first call. Without the
// binary it skips tb, or fails it when ELEMENTS_REQUIRE_SERVERS=1; any
// other start error fails tb.
func (o *Once) Get(tb testing.TB) *Server {
	tb.Helper()
	o.once.Do(func() { o.srv, o.err = o.Start() })
	switch {
	case errors.Is(o.err, ErrNoBinary) && os.Getenv(RequireEnv) != "1":
		tb.Skipf("%v (%s=1 makes this a failure)", o.err, RequireEnv)
	case o.err != nil:
		tb.Fatal(o.err)
	}
	return o.srv
}

// Stop stops the server if Get started one.
func (o *Once) Stop() {
	o.once.Do(func() {}) // no start after Stop
	if o.srv != nil {
		o.srv.Stop()
	}
}

// Stop ends the server (an interrupt, then a kill after 10 s) and removes
// its folder.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt) // PostgreSQL: fast shutdown
	select {
	case <-s.exit:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exit
	}
	_ = os.RemoveAll(s.Dir)
}

// lookPath finds a server binary on PATH, or else in the first existing of
// the glob patterns (the highest match).
func lookPath(name, install string, globs ...string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, g := range globs {
		if m, _ := filepath.Glob(g); len(m) > 0 {
			return slices.MaxFunc(m, comparePaths), nil // the newest version
		}
	}
	return "", fmt.Errorf("%s: %w on PATH; install it: %s", name, ErrNoBinary, install)
}

// comparePaths orders paths folder by folder, numbers by value: a/16
// after a/9.6.
func comparePaths(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := range min(len(as), len(bs)) {
		c := cmp.Compare(as[i], bs[i])
		if x, err := strconv.ParseFloat(as[i], 64); err == nil {
			if y, err := strconv.ParseFloat(bs[i], 64); err == nil {
				c = cmp.Compare(x, y)
			}
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(len(as), len(bs))
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the command that cmdFor makes for a free port until it prints
// a line containing ready. A server that exits first because its port was
// taken meanwhile is tried again on another port.
func start(dir, ready string, cmdFor func(port int) *exec.Cmd) (*Server, error) {
	var err error
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Dir: dir, cmd: cmdFor(port), exit: make(chan struct{})}
		if err = s.run(ready); err == nil {
			return s, nil
		}
		if !strings.Contains(strings.ToLower(err.Error()), "address already in use") {
			break
		}
	}
	return nil, err
}

func (s *Server) run(ready string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = w, w
	setProcAttr(s.cmd)
	err = s.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return fmt.Errorf("start %s: %w", s.cmd.Path, err)
	}
	isReady := make(chan struct{})
	go func() { // reads the output to the end, so the server never blocks on it
		defer r.Close()
		seen := false
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			s.mu.Lock()
			s.log = append(s.log, sc.Text())
			if len(s.log) > 40 {
				s.log = s.log[1:]
			}
			s.mu.Unlock()
			if !seen && strings.Contains(sc.Text(), ready) {
				seen = true
				close(isReady)
			}
		}
	}()
	go func() { _ = s.cmd.Wait(); close(s.exit) }()
	select {
	case <-isReady:
		return nil
	case <-s.exit:
		return fmt.Errorf("%s exited before it was ready:\n%s", s.cmd.Path, s.output())
	case <-time.After(startTimeout):
		s.Stop()
		return fmt.Errorf("%s not ready after %v:\n%s", s.cmd.Path, startTimeout, s.output())
	}
}

// output returns the last lines the server printed.
func (s *Server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}
