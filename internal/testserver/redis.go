package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
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

// StartRedisCluster starts a one-node Redis cluster that holds every slot,
// so that both a plain client and a cluster client (which sees CROSSSLOT
// errors) can be tested on it.
func StartRedisCluster() (*Server, error) {
	s, err := StartRedis("--cluster-enabled", "yes", "--cluster-announce-ip", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if err := assignSlots(s.Addr); err != nil {
		s.Stop()
		return nil, fmt.Errorf("redis cluster: %w", err)
	}
	return s, nil
}

// assignSlots gives the node at addr every slot and waits until the
// cluster is ok, speaking RESP itself: the root module does not depend on
// a Redis client.
func assignSlots(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	command := func(args ...string) (string, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			return "", err
		}
		if _, err := io.WriteString(conn, b.String()); err != nil {
			return "", err
		}
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "$") {
			return line, err // +OK, or -ERR ...
		}
		n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return "", err
		}
		bulk := make([]byte, n+2)
		_, err = io.ReadFull(r, bulk)
		return string(bulk), err
	}
	if reply, err := command("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil || !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("CLUSTER ADDSLOTSRANGE: %q, %v", reply, err)
	}
	for range 500 {
		info, err := command("CLUSTER", "INFO")
		if err != nil {
			return err
		}
		if strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("the one-node cluster did not reach cluster_state:ok")
}
