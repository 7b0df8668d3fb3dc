package testserver

import (
	"slices"
	"testing"
)

func TestNewestPathWins(t *testing.T) {
	t.Parallel()
	paths := []string{"/usr/lib/postgresql/9.6/bin/initdb", "/usr/lib/postgresql/16/bin/initdb", "/usr/lib/postgresql/15/bin/initdb"}
	if got := slices.MaxFunc(paths, comparePaths); got != "/usr/lib/postgresql/16/bin/initdb" {
		t.Errorf("newest of %q: %s", paths, got)
	}
}
