package elements

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
)

// EchoEncodings are the ways servers, proxies and their error pages may
// echo text they received (a secret, or a whole header, query or body), by
// name. The tests echo secrets in each and look for each form (see
// SecretForms) in what the SDK says.
var EchoEncodings = map[string]func(string) string{
	"raw":                  func(s string) string { return s },
	"query-escaped":        url.QueryEscape,
	"query-escaped, lower": func(s string) string { return lowerHex(url.QueryEscape(s)) },
	"path-escaped":         url.PathEscape,
	"path-escaped, lower":  func(s string) string { return lowerHex(url.PathEscape(s)) },
	"every byte, lower": func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			fmt.Fprintf(&b, "%%%02x", s[i])
		}
		return b.String()
	},
	"escaped twice":        func(s string) string { return url.QueryEscape(url.QueryEscape(s)) },
	"escaped twice, lower": func(s string) string { return lowerHex(url.QueryEscape(lowerHex(url.QueryEscape(s)))) },
	`JSON with \/`:         func(s string) string { return strings.ReplaceAll(jsonEscaped(s), "/", `\/`) },
	`JSON, Gson's \u003d`: func(s string) string {
		return strings.NewReplacer("=", `\u003d`, "'", `\u0027`).Replace(jsonEscaped(s))
	},
	`JSON, \u002B`: func(s string) string {
		return strings.NewReplacer("+", `\u002B`, "/", `\u002F`, "=", `\u003D`).Replace(jsonEscaped(s))
	},
	`JSON, all \uXXXX`: func(s string) string {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			fmt.Fprintf(&b, `\u%04X`, u)
		}
		return b.String()
	},
	"HTML-escaped":           html.EscapeString,
	"HTML, decimal":          func(s string) string { return eachRune(s, "&#%d;") },
	"HTML, hex":              func(s string) string { return eachRune(s, "&#x%x;") },
	"base64 without padding": unpad,
	"base64url":              b64url,
	"base64url, unpadded":    func(s string) string { return unpad(b64url(s)) },
}

func lowerHex(s string) string {
	return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
}

func jsonEscaped(s string) string {
	js, _ := json.Marshal(s)
	return string(js[1 : len(js)-1])
}

func eachRune(s, format string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, format, r)
	}
	return b.String()
}

// unpad drops base64 padding: '=' at the end of a word.
func unpad(s string) string {
	return regexp.MustCompile(`=+([^A-Za-z0-9+/=]|$)`).ReplaceAllString(s, "$1")
}

func b64url(s string) string { return strings.NewReplacer("+", "-", "/", "_").Replace(s) }

// SecretForms returns secret in each of the EchoEncodings, by name.
func SecretForms(secret string) map[string]string {
	forms := make(map[string]string, len(EchoEncodings))
	for name, enc := range EchoEncodings {
		forms[name] = enc(secret)
	}
	return forms
}

// The redactor finds a secret in every form a server or proxy plausibly
// echoes it in, inside other text, and leaves the rest of the text alone.
func TestRedactorEncodings(t *testing.T) {
	t.Parallel()
	secrets := []string{
		"ABC/Dxe2Ci7ozl4+ySs3XIjq4mtl8zhIlohvj9NhCUrc=", // base64, as the platform issues them
		"Zm9vYmFy/+a==",
		"leak-org=Secret&02",
		"signing key/03 <é>",
		`q"uote\back`,
	}
	red := redactor(secrets)
	for _, secret := range secrets {
		for name, form := range SecretForms(secret) {
			text := "before " + form + " after"
			got := red.redact(text)
			if got != "before [REDACTED] after" && !(strings.HasPrefix(got, "before [REDACTED]") && strings.HasSuffix(got, " after")) {
				t.Errorf("%s, %s: %q redacted to %q", secret, name, text, got)
			}
			for otherName, other := range SecretForms(secret) {
				if len(other) >= minSecretLen && strings.Contains(got, other) {
					t.Errorf("%s, %s: %q still holds the %s form after redaction: %q", secret, name, text, otherName, got)
				}
			}
		}
	}
	for _, text := range []string{
		"", "plain text", "ABC/Dxe2 only a part", "100% sure & 50%2 off \\u00 &#; &#x; &amp &unknown; %zz %2", "\\", "%", "&#99999999;",
		strings.Repeat("%25", 1000), strings.Repeat(`\u0041`, 1000),
	} {
		if got := red.redact(text); got != text {
			t.Errorf("redact(%.60q) = %.60q, want it unchanged", text, got)
		}
	}
}

// Headers are redacted in every form too, into a copy.
func TestRedactorHeaderEncodings(t *testing.T) {
	t.Parallel()
	const secret = "Zm9vYmFy/+a=="
	h := make(map[string][]string)
	for name, form := range SecretForms(secret) {
		h["X-"+strings.NewReplacer(" ", "-", ",", "", `\`, "", "/", "").Replace(name)] = []string{"v=" + form}
	}
	got := redactor{secret}.header(h)
	for k, vs := range got {
		if vs[0] != "v=[REDACTED]" {
			t.Errorf("%s: %q", k, vs[0])
		}
		if h[k][0] == vs[0] {
			t.Errorf("%s: the original header was changed", k)
		}
	}
}
