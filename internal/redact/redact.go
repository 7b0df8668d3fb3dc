// Package redact prints values that hold secrets without the secrets: the
// one implementation behind the String, GoString and Format methods of the
// SDK's types in every package.
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
