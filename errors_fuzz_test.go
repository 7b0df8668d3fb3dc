package elements

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzAPIErrorBody feeds arbitrary error bodies to the *APIError builder:
// it never panics, always yields a message, Error() is one line with each
// field bounded, and a non-JSON body (an HTML page, text) becomes one short
// printable line. Seeds: testdata/fuzz/FuzzAPIErrorBody.
func FuzzAPIErrorBody(f *testing.F) {
	f.Add(502, []byte("<html><head><title>502 Bad Gateway</title></head></html>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			status = 500
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Elements-Request-Id": {"hdr"}}, Body: io.NopCloser(bytes.NewReader(body))}
		e := newAPIError("GET", "/instances/1", resp, redactor{"s3cr3t-value"})
		if e.Message == "" {
			t.Fatal("empty message")
		}
		if e.RequestID == "" {
			t.Fatal("request id lost: the header is the fallback")
		}
		if strings.Contains(e.Error(), "s3cr3t-value") {
			t.Fatalf("secret in %q", e.Error())
		}
		if strings.ContainsAny(e.Error(), "\n\r") {
			t.Fatalf("Error() is not one line: %q", e.Error())
		}
		for _, field := range []string{e.Message, e.ProviderMessage, e.RequestID} {
			if len(field) > maxErrorField+len(`\U0010ffff…`) {
				t.Fatalf("a field of %d bytes: %.100q", len(field), field)
			}
		}
		if looksJSON(body) {
			return
		}
		if n := utf8.RuneCountInString(e.Message); n > maxMessage+1 {
			t.Fatalf("message of %d runes from a non-JSON body", n)
		}
		for _, r := range e.Message {
			if !unicode.IsPrint(r) || r == utf8.RuneError {
				t.Fatalf("unprintable %U in %q", r, e.Message)
			}
		}
	})
}

// looksJSON reports whether newAPIError took body as the JSON error shape.
func looksJSON(body []byte) bool {
	var v struct{}
	return json.Unmarshal(body, &v) == nil
}
