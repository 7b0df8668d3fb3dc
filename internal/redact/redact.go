// Package redact keeps secrets out of what the SDK prints. It is the one
// implementation behind the String, GoString and Format methods of the
// SDK's types in every package, and the one rule by which the SDK puts text
// it did not write (a field of an answer, a header, a query parameter, a
// webhook's form value, the text of a cause) into an error or a log record:
//
//   - it never holds part of a value that could be a secret. A cut secret
//     is something no redactor can recognise, so a value is shown whole or
//     named by its length ([Quote]), and a longer text is cut only after
//     every known secret in it was replaced whole ([Line]);
//   - it is one line: control characters, other non-printing characters and
//     invalid UTF-8 are written as Go escapes (\n, \x00, \u2028), so it
//     cannot forge log lines;
//   - it is bounded, whatever was sent.
package redact

import (
	"fmt"
	"io"
	"strconv"
)

// Text stands in for a secret that is set.
const Text = "[REDACTED]"

// Mask shows whether a secret is set without showing it: `""` for an empty
// one, [Text] otherwise.
func Mask(s string) string {
	if s == "" {
		return `""`
	}
	return Text
}

// Value is a type that prints itself without secrets.
type Value interface {
	fmt.Stringer
	fmt.GoStringer
}

// Format implements fmt.Formatter for v: GoString for %#v, String for every
// other verb, quoted for %q. It never falls back to printing v's fields.
func Format(f fmt.State, verb rune, v Value) {
	s := v.String()
	if verb == 'v' && f.Flag('#') {
		s = v.GoString()
	}
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}
