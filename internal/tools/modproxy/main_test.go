package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testRepo writes a repository's files under dir: a root module, a nested
// module (with a deeper package), vendored files, a file hg archive would
// add, a symbolic link and an untracked file. It returns the tracked names.
func testRepo(t *testing.T, dir, modPath string) []string {
	t.Helper()
	files := map[string]string{
		"go.mod":                    "module " + modPath + " // the root\n\ngo 1.25.0\n",
		"a.go":                      "package m\n",
		"LICENSE":                   "the license\n",
		"sub/go.mod":                "module " + modPath + "/sub\n\ngo 1.25.0\n",
		"sub/s.go":                  "package sub\n",
		"sub/deep/x.go":             "package deep\n",
		"vendor/modules.txt":        "# vendored\n",
		"vendor/example.com/v/v.go": "package v\n",
		"pkg/vendor/vendor.go":      "package vendor\n", // a package named vendor: kept since Go 1.24
		".hg_archival.txt":          "repo: x\n",
		"untracked.go":              "package m\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.go", filepath.Join(dir, "link.go")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	return []string{".hg_archival.txt", "LICENSE", "a.go", "go.mod", "link.go", "pkg/vendor/vendor.go",
		"sub/deep/x.go", "sub/go.mod", "sub/s.go", "vendor/example.com/v/v.go", "vendor/modules.txt"}
}

func TestModuleFiles(t *testing.T) {
	dir := t.TempDir()
	tracked := testRepo(t, dir, "example.com/m")
	names := func(m *module) []string {
		var out []string
		for _, f := range m.Files {
			out = append(out, f.Name)
		}
		return out
	}

	root, err := moduleFiles(dir, tracked, ".")
	if err != nil {
		t.Fatal(err)
	}
	if root.Path != "example.com/m" {
		t.Errorf("root module path = %q, want example.com/m", root.Path)
	}
	// Not the nested module's files, the vendored ones, .hg_archival.txt, the
	// link or the untracked file.
	if diff := cmp.Diff([]string{"LICENSE", "a.go", "go.mod", "pkg/vendor/vendor.go"}, names(root)); diff != "" {
		t.Errorf("root module files (-want +got):\n%s", diff)
	}

	sub, err := moduleFiles(dir, tracked, "sub")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Path != "example.com/m/sub" {
		t.Errorf("nested module path = %q, want example.com/m/sub", sub.Path)
	}
	// The nested module has no LICENSE: it gets the repository's.
	if diff := cmp.Diff([]string{"deep/x.go", "go.mod", "s.go", "LICENSE"}, names(sub)); diff != "" {
		t.Errorf("nested module files (-want +got):\n%s", diff)
	}
	if got := sub.Files[3].Disk; got != filepath.Join(dir, "LICENSE") {
		t.Errorf("nested module's LICENSE read from %s, want the top-level one", got)
	}

	if _, err := moduleFiles(dir, tracked, "pkg"); err == nil {
		t.Error("moduleFiles of a directory without a go.mod: no error")
	}
}

func TestVendoredPackageBefore124(t *testing.T) {
	vendored := vendoredPackage([2]int{1, 23})
	for name, want := range map[string]bool{
		"vendor/modules.txt":          false, // kept before Go 1.24
		"vendor/example.com/v/v.go":   true,
		"pkg/vendor/vendor.go":        true, // golang.org/issue/37397, kept for old modules' hashes
		"pkg/vendor/example.com/x.go": true,
	} {
		if got := vendored(name); got != want {
			t.Errorf("vendored(%q) at go 1.23 = %v, want %v", name, got, want)
		}
	}
}

func TestWriteModule(t *testing.T) {
	dir := t.TempDir()
	tracked := testRepo(t, dir, "example.com/M")
	m, err := moduleFiles(dir, tracked, "sub")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	for _, v := range []string{"v1.0.0-RC", "v1.0.0-RC", "v1.0.1"} {
		if err := writeModule(out, v, mustTime(t, "2026-01-02T03:04:05Z"), m); err != nil {
			t.Fatal(err)
		}
	}
	at := filepath.Join(out, "example.com", "!m", "sub", "@v")

	list, err := os.ReadFile(filepath.Join(at, "list"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("v1.0.0-RC\nv1.0.1\n", string(list)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	var info struct{ Version, Time string }
	data, err := os.ReadFile(filepath.Join(at, "v1.0.0-!r!c.info"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(struct{ Version, Time string }{"v1.0.0-RC", "2026-01-02T03:04:05Z"}, info); diff != "" {
		t.Errorf(".info (-want +got):\n%s", diff)
	}
	mod, err := os.ReadFile(filepath.Join(at, "v1.0.1.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("module example.com/M/sub\n\ngo 1.25.0\n", string(mod)); diff != "" {
		t.Errorf(".mod (-want +got):\n%s", diff)
	}
	zr, err := zip.OpenReader(filepath.Join(at, "v1.0.1.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var entries []string
	for _, f := range zr.File {
		entries = append(entries, f.Name)
	}
	want := []string{"example.com/M/sub@v1.0.1/deep/x.go", "example.com/M/sub@v1.0.1/go.mod",
		"example.com/M/sub@v1.0.1/s.go", "example.com/M/sub@v1.0.1/LICENSE"}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("zip entries (-want +got):\n%s", diff)
	}
}

func TestEscape(t *testing.T) {
	if got, err := escape("github.com/Azure/x"); err != nil || got != "github.com/!azure/x" {
		t.Errorf(`escape("github.com/Azure/x") = %q, %v; want "github.com/!azure/x"`, got, err)
	}
	if _, err := escape("example.com/!x"); err == nil {
		t.Error(`escape("example.com/!x"): no error`)
	}
}

// TestSameHashesAsGoCommand builds a proxy for a tagged git repository and
// checks that the go command computes the same go.sum hashes from it as from
// the repository itself (GOPROXY=direct, which builds zips as the public
// proxy does): what modproxy serves is what users will download.
func TestSameHashesAsGoCommand(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	const modPath = "github.com/elementsgo/modproxytest"
	repo := t.TempDir()
	testRepo(t, repo, modPath)
	gitEnv := []string{"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	run := func(dir string, env []string, name string, args ...string) []byte {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), gitEnv...), env...)
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr)
		}
		return out
	}
	run(repo, nil, "git", "init", "-q")
	run(repo, nil, "git", "add", ".hg_archival.txt", "LICENSE", "a.go", "go.mod", "link.go", "pkg", "sub", "vendor")
	run(repo, nil, "git", "commit", "-q", "-m", "test")
	run(repo, nil, "git", "tag", "v1.0.0")
	run(repo, nil, "git", "tag", "sub/v1.0.0")

	proxy := t.TempDir()
	t.Chdir(repo)
	if err := writeProxy(proxy, "v1.0.0", "", []string{".", "sub"}); err != nil {
		t.Fatal(err)
	}

	type download struct{ Path, Sum, GoModSum string }
	fetch := func(env ...string) []download {
		env = append(env, "GOMODCACHE="+t.TempDir(), "GOFLAGS=-modcacherw", "GOWORK=off", "GOTOOLCHAIN=local",
			"GONOSUMDB="+modPath, "GONOPROXY=", "GOPRIVATE=")
		var got []download
		for _, p := range []string{modPath + "@v1.0.0", modPath + "/sub@v1.0.0"} {
			var d download
			if err := json.Unmarshal(run(t.TempDir(), env, goCmd, "mod", "download", "-json", p), &d); err != nil {
				t.Fatal(err)
			}
			got = append(got, d)
		}
		return got
	}
	fromProxy := fetch("GOPROXY=file://" + filepath.ToSlash(proxy))
	fromGit := fetch("GOPROXY=direct", "GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=url."+repo+".insteadOf", "GIT_CONFIG_VALUE_0=https://"+modPath)
	if diff := cmp.Diff(fromGit, fromProxy); diff != "" {
		t.Errorf("hashes from the repository (-) and from modproxy's proxy (+):\n%s", diff)
	}
	if fromProxy[0].Sum == "" || fromProxy[0].Sum == fromProxy[1].Sum {
		t.Errorf("hashes %+v: want two different zip hashes", fromProxy)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
