package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
)

// writeModule writes m at version into the proxy directory out: the zip, the
// go.mod, the .info and the version added to the list (`go help goproxy`).
func writeModule(out, version string, when time.Time, m *module) error {
	escPath, err := escape(m.Path)
	if err != nil {
		return err
	}
	escVersion, err := escape(version)
	if err != nil {
		return err
	}
	dir := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, escVersion)
	if err := writeZip(base+".zip", m.Path+"@"+version+"/", m.Files); err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", m.GoMod, 0o644); err != nil {
		return err
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, when})
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".info", append(info, '\n'), 0o644); err != nil {
		return err
	}
	return addToList(filepath.Join(dir, "list"), version)
}

// writeZip writes files into a zip at name, each entry named prefix+Name.
func writeZip(name, prefix string, files []file) (err error) {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	zw := zip.NewWriter(f)
	for _, fl := range files {
		w, err := zw.Create(prefix + fl.Name)
		if err != nil {
			return err
		}
		r, err := os.Open(fl.Disk)
		if err != nil {
			return err
		}
		_, err = io.Copy(w, r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", fl.Name, err)
		}
	}
	return zw.Close()
}

// addToList adds version to the proxy's list file of a module, once.
func addToList(name, version string) error {
	data, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	versions := strings.Fields(string(data))
	if !slices.Contains(versions, version) {
		versions = append(versions, version)
	}
	return os.WriteFile(name, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}

// escape returns the case-encoded form of a module path or version that the
// proxy protocol uses in file names: each upper-case letter becomes "!" and
// its lower case (golang.org/x/mod/module.EscapePath).
func escape(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '!' || r >= unicode.MaxASCII:
			return "", fmt.Errorf("%q: cannot be written to a proxy", s)
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), nil
}
