package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// module is one module of the repository: its path, its go.mod, and the
// files its zip holds.
type module struct {
	Path  string
	GoMod []byte
	Files []file
}

// file is one file of a module zip: Name is its path inside the module (the
// zip entry is module@version/Name), Disk where its contents are read from.
type file struct {
	Name string
	Disk string
}

// moduleFiles returns the module whose go.mod is in dir (relative to the
// repository's top level root; "." for the root module), given the files git
// tracks there (tracked, relative to root, slash-separated). It picks files
// as the go command does when it builds a zip from a git repository
// (cmd/go/internal/modfetch/coderepo.go, golang.org/x/mod/zip):
//
//   - only files under dir, and none in a directory below it that has a
//     go.mod of its own (a nested module: it has its own zip);
//   - none in vendored packages, and no .hg_archival.txt;
//   - no symbolic links or other irregular files (a git submodule is a
//     directory on disk, so it is left out too);
//   - for a module in a subdirectory with no LICENSE of its own, the
//     repository's top-level LICENSE, if it has one.
//
// The go command also disables export-ignore and export-subst attributes and
// reads blobs from the commit; modproxy reads the working tree, so the two
// agree for a clean checkout (the release check compares their hashes).
func moduleFiles(root string, tracked []string, dir string) (*module, error) {
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	var names []string
	nested := map[string]bool{} // directories, with a trailing slash, of modules below dir
	for _, name := range tracked {
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		names = append(names, rel)
		if d, base := path.Split(rel); d != "" && strings.EqualFold(base, "go.mod") && isRegular(filepath.Join(root, name)) {
			nested[d] = true
		}
	}

	goMod, err := os.ReadFile(filepath.Join(root, prefix+"go.mod"))
	if err != nil {
		return nil, fmt.Errorf("no go.mod: %w", err)
	}
	modPath, err := modulePath(goMod)
	if err != nil {
		return nil, err
	}
	m := &module{Path: modPath, GoMod: goMod}
	vendor := vendoredPackage(goVersion(goMod))
	haveLICENSE := false
	for _, rel := range names {
		if inNested(rel, nested) || vendor(rel) || rel == ".hg_archival.txt" {
			continue
		}
		disk := filepath.Join(root, filepath.FromSlash(prefix+rel))
		if !isRegular(disk) {
			continue
		}
		m.Files = append(m.Files, file{Name: rel, Disk: disk})
		if rel == "LICENSE" {
			haveLICENSE = true
		}
	}
	if !haveLICENSE && prefix != "" {
		license := filepath.Join(root, "LICENSE")
		for _, name := range tracked {
			if name == "LICENSE" && isRegular(license) {
				m.Files = append(m.Files, file{Name: "LICENSE", Disk: license})
			}
		}
	}
	return m, nil
}

// inNested reports whether rel lies in one of the nested module directories.
func inNested(rel string, nested map[string]bool) bool {
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		if nested[d+"/"] {
			return true
		}
	}
	return false
}

func isRegular(name string) bool {
	info, err := os.Lstat(name)
	return err == nil && info.Mode().IsRegular()
}

// vendoredPackage returns golang.org/x/mod/zip's test for a file in a
// vendored package, which changed with Go 1.24 (the go line of the module's
// go.mod decides which one applies): a file in a directory below a "vendor"
// directory, but not vendor/modules.txt itself before Go 1.24.
func vendoredPackage(goLine [2]int) func(name string) bool {
	go124 := goLine[0] > 1 || goLine[0] == 1 && goLine[1] >= 24
	return func(name string) bool {
		if go124 && name == "vendor/modules.txt" {
			return true
		}
		var i int
		if strings.HasPrefix(name, "vendor/") {
			i = len("vendor/")
		} else if j := strings.Index(name, "/vendor/"); j >= 0 {
			if go124 {
				i = j + len("/vendor/")
			} else {
				i = len("/vendor/")
			}
		} else {
			return false
		}
		return strings.Contains(name[i:], "/")
	}
}

// modulePath returns the path in a go.mod's module directive.
func modulePath(goMod []byte) (string, error) {
	for _, f := range directives(goMod) {
		if f[0] == "module" && len(f) == 2 {
			if p, err := strconv.Unquote(f[1]); err == nil {
				return p, nil
			}
			return f[1], nil
		}
	}
	return "", errors.New("go.mod has no module directive")
}

// goVersion returns the major and minor numbers of a go.mod's go directive,
// or zeros without one.
func goVersion(goMod []byte) [2]int {
	for _, f := range directives(goMod) {
		if f[0] == "go" && len(f) == 2 {
			parts := strings.SplitN(f[1], ".", 3)
			var v [2]int
			for i := 0; i < len(parts) && i < 2; i++ {
				v[i], _ = strconv.Atoi(parts[i])
			}
			return v
		}
	}
	return [2]int{}
}

// directives returns the fields of each one-line directive of a go.mod,
// comments removed; modproxy needs only "module" and "go".
func directives(goMod []byte) [][]string {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(goMod))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "//")
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out
}
