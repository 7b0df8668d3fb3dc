// Package flex holds JSON helper types for fields that real platform and
// Acuity payloads send in more than one shape. They are used only inside
// decoding shadow structs, never in exported API types.
package flex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Int64 decodes a JSON number, a string holding a base-10 integer, or null
// (which leaves it zero).
type Int64 int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int64) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*n = 0
			return nil
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("flex: %q is not an integer", s)
		}
		*n = Int64(v)
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("flex: %s is not an integer", b)
	}
	*n = Int64(v)
	return nil
}

// String decodes a JSON string, a JSON number (kept as its literal text), a
// boolean (as "true"/"false"), or null (which leaves it empty).
type String string

// UnmarshalJSON implements json.Unmarshaler.
func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plain(b[1:len(b)-1]):
		*s = String(b[1 : len(b)-1]) // the common case, without a nested decode
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		*s = String(b)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("flex: want a string or number, got %.20s", b)
	}
	*s = String(num)
	return nil
}

// plain reports whether b, the inside of a JSON string literal, holds no
// escape, quote or control character and is valid UTF-8: then the literal
// decodes to b as it is.
func plain(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' || c == '"' {
			return false
		}
	}
	return utf8.Valid(b)
}
