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

// SecretForms returns secret as servers, proxies and their error pages may
// echo it, by the name of the encoding. The tests (the leak sweep too) echo
// secrets in each form and look for each form in what the SDK says.
func SecretForms(secret string) map[string]string {
	lower := func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(s, strings.ToLower)
	}
	eachByte := func(format string) string {
		var b strings.Builder
		for i := 0; i < len(secret); i++ {
			fmt.Fprintf(&b, format, secret[i])
		}
		return b.String()
	}
	eachRune := func(format string) string {
		var b strings.Builder
		for _, r := range secret {
			fmt.Fprintf(&b, format, r)
		}
		return b.String()
	}
	js, _ := json.Marshal(secret)
	jsonText := string(js[1 : len(js)-1])
	var uAll strings.Builder
	for _, u := range utf16.Encode([]rune(secret)) {
		fmt.Fprintf(&uAll, `\u%04X`, u)
	}
	q, p := url.QueryEscape(secret), url.PathEscape(secret)
	unpadded := strings.TrimRight(secret, "=")
	return map[string]string{
		"raw":                    secret,
		"query-escaped":          q,
		"query-escaped, lower":   lower(q),
		"path-escaped":           p,
		"path-escaped, lower":    lower(p),
		"every byte, lower":      eachByte("%%%02x"),
		"escaped twice":          url.QueryEscape(q),
		"escaped twice, lower":   lower(url.QueryEscape(lower(q))),
		`JSON with \/`:           strings.ReplaceAll(jsonText, "/", `\/`),
		`JSON, Gson's \u003d`:    strings.NewReplacer("=", `\u003d`, "&", `\u0026`, "'", `\u0027`, "<", `\u003c`, ">", `\u003e`).Replace(jsonText),
		`JSON, \u002B`:           strings.NewReplacer("+", `\u002B`, "/", `\u002F`, "=", `\u003D`).Replace(jsonText),
		`JSON, all \uXXXX`:       uAll.String(),
		"HTML-escaped":           html.EscapeString(secret),
		"HTML, decimal":          eachRune("&#%d;"),
		"HTML, hex":              eachRune("&#x%x;"),
		"base64 without padding": unpadded,
		"base64url":              strings.NewReplacer("+", "-", "/", "_").Replace(secret),
		"base64url, unpadded":    strings.NewReplacer("+", "-", "/", "_").Replace(unpadded),
	}
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
