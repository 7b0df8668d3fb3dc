// Command modproxy writes modules of this repository, at one version, into a
// directory laid out as a Go module proxy, so that the go command can fetch
// them with GOPROXY=file://DIR before the version is tagged or pushed. The
// release script (.ci/release) uses it to compute the go.sum lines of the
// nested modules, and the release check (.ci/release-check) to prove that a
// user can `go get` every module at a release tag.
//
// Usage, from anywhere inside the repository:
//
//	go run ./internal/tools/modproxy -o DIR -version v1.2.3 . pgdedup redisdedup
//
// Each argument is a module's directory, relative to the repository's top
// level ("." is the root module). For each one, modproxy writes the four files
// a proxy serves (see `go help goproxy`) under DIR/<escaped module path>/@v/:
// <version>.zip, <version>.mod, <version>.info and list (the version added to
// it). The zip holds the files of the working tree that git tracks, chosen
// as the go command chooses them when it builds a module zip from a
// repository (see files.go). modproxy computes no hashes: the go command
// checks each zip and computes its go.sum hash when it downloads it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "", "the proxy directory to write into (created if missing)")
	version := flag.String("version", "", "the version to write, such as v1.2.3")
	at := flag.String("time", "", "the version's time in the .info file (RFC 3339; default now)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: modproxy -o DIR -version vX.Y.Z [-time T] MODDIR...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || *version == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := writeProxy(*out, *version, *at, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "modproxy:", err)
		os.Exit(1)
	}
}

// writeProxy writes the modules in dirs at version into the proxy directory out.
func writeProxy(out, version, at string, dirs []string) error {
	if !strings.HasPrefix(version, "v") || strings.ContainsAny(version, "/@ ") {
		return fmt.Errorf("version %q: want a semantic version such as v1.2.3", version)
	}
	when := time.Now().UTC().Truncate(time.Second)
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("-time: %w", err)
		}
		when = t.UTC()
	}
	top, err := git("", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	root := strings.TrimSpace(string(top))
	list, err := git(root, "ls-files", "-z")
	if err != nil {
		return err
	}
	var tracked []string
	for _, name := range strings.Split(string(list), "\x00") {
		if name != "" {
			tracked = append(tracked, name)
		}
	}
	for _, dir := range dirs {
		dir = filepath.ToSlash(filepath.Clean(dir))
		if dir == ".." || strings.HasPrefix(dir, "../") || filepath.IsAbs(dir) {
			return fmt.Errorf("module directory %q is not inside the repository", dir)
		}
		files, err := moduleFiles(root, tracked, dir)
		if err != nil {
			return fmt.Errorf("module in %q: %w", dir, err)
		}
		if err := writeModule(out, version, when, files); err != nil {
			return fmt.Errorf("module in %q: %w", dir, err)
		}
	}
	return nil
}

// git runs git in dir (the current directory if empty) and returns its
// standard output.
func git(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return outb, nil
}
