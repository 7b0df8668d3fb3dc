package riverinbox_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// replica is a running replica process (soak_replica_test.go).
type replica struct {
	name   string
	cmd    *exec.Cmd
	url    string         // its base URL
	stdin  io.WriteCloser // closed: the replica stops gracefully (it also stops when the test binary dies)
	stderr *tailBuffer
	exited chan struct{}
}

// startReplica runs the test binary again as a replica with cfg and waits
// until it serves.
func startReplica(t *testing.T, cfg replicaConfig) *replica {
	t.Helper()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), replicaEnv+"="+string(js))
	r := &replica{name: cfg.Name, cmd: cmd, stderr: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	cmd.Stderr = r.stderr
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cfg.Name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() { r.kill() })
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		s.Scan()
		line <- s.Text()
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(l, "listening ")
		if !ok {
			t.Fatalf("%s did not start: %q\n%s", cfg.Name, l, r.stderr)
		}
		r.url = "http://" + addr
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start within 60 s\n%s", cfg.Name, r.stderr)
	}
	return r
}

// riverID is the ID of the replica's River client (the replica sets it).
func (r *replica) riverID() string { return fmt.Sprintf("%s-%d", r.name, r.cmd.Process.Pid) }

// kill ends the replica at once, as SIGKILL (the default of os.Process.Kill
// on Unix) does: no shutdown, no goodbye to PostgreSQL.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// stop ends the replica gracefully and waits for it, killing it after 20 s.
func (r *replica) stop() {
	_ = r.stdin.Close()
	select {
	case <-r.exited:
	case <-time.After(20 * time.Second):
		r.kill()
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.Write(p)
	if extra := b.b.Len() - b.max; extra > 0 {
		b.b.Next(extra)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// fmtDuration prints d rounded to what the soak's figures need.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
}
