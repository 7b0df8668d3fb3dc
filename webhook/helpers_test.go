package webhook_test

import (
	"net/url"
	"strings"
	"testing"
)

// Secrets the external tests print handlers with; assertNoSecret looks for
// each in a text.
const (
	testSigningKey = "sIgNiNgKeY-5d1e"
	testOrgSecret  = "oRgSeCrEt-2b8e4d"
)

// assertNoSecret fails t if text holds a test secret, plain or
// query-escaped.
func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range []string{testSigningKey, testOrgSecret} {
		if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
			t.Errorf("%s leaks secret %q: %s", where, s, text)
		}
	}
}
