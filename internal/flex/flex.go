// Package flex holds the small scalar JSON types behind the SDK's wire
// structs, for fields that real platform and Acuity payloads send in more
// than one shape: Int64 for ids (numbers or strings), String for text that
// may come as a number, Time for dates (RFC 3339 or epoch milliseconds) and
// Tags for tag lists (strings or {id, name} objects). They appear only in
// unexported wire structs, never in exported API types.
package flex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/elementsgo/elements/internal/redact"
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
		var s String
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		if s == "" {
			*n = 0
			return nil
		}
		v, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return fmt.Errorf("flex: %s is not an integer", redact.Quote(s))
		}
		*n = Int64(v)
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("flex: %s is not an integer", jsonText(b))
	}
	*n = Int64(v)
	return nil
}

// String decodes a JSON string, a JSON number (kept as its literal text), a
// boolean (as "true"/"false"), or null (which leaves it empty).
type String string

// UnmarshalJSON implements json.Unmarshaler. The common cases, a string
// without escapes and an integer, are read without a nested decode: ids
// come in every event of a notification.
func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && plain(b[1:len(b)-1]):
		*s = String(b[1 : len(b)-1])
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	case isInteger(b):
		*s = String(b)
		return nil
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		*s = String(b)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("flex: want a string or number, got %s", jsonText(b))
	}
	*s = String(num)
	return nil
}

// isInteger reports whether b is a JSON integer literal: an optional '-',
// then 0 or digits without a leading zero.
func isInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
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

// Time decodes the platform's dates: an RFC 3339 string (with or without a
// colon in the offset, any fraction, or without an offset, read as UTC), epoch
// milliseconds, or null or "" (which leave it zero); a date outside the years
// 0 to 9999 in UTC is refused. It encodes as RFC 3339
// (time.Time's own encoding, an error for a year outside 0 to 9999); with the
// omitzero option a zero Time is left out.
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"}

// UnmarshalJSON implements json.Unmarshaler. A strict RFC 3339 string, the
// documented form, is read by time.Time's own parser, without allocating.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("flex: %s is neither a date string nor epoch milliseconds", jsonText(b))
		}
		v := time.UnixMilli(ms).UTC()
		if v.Year() < 1 || v.Year() > 9999 {
			return fmt.Errorf("flex: epoch milliseconds %d out of range", ms)
		}
		t.Time = v
		return nil
	}
	// Strict RFC 3339 ends in "Z" or an offset with a colon ("+02:00"):
	// try it only then, as its failure costs an error value.
	if n := len(b); n > 4 && (b[n-2] == 'Z' || b[n-4] == ':') {
		var v time.Time
		if v.UnmarshalJSON(b) == nil {
			return t.set(v, b[1:n-1])
		}
	}
	var s String
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if s == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, string(s)); err == nil {
			return t.set(v, []byte(s))
		}
	}
	return fmt.Errorf(`flex: %s is not a date (RFC 3339, like "2015-09-22T19:52:16Z", or epoch milliseconds)`, redact.Quote(s))
}

// set sets t to v, read from s, unless v in UTC falls outside the years 0
// to 9999, which RFC 3339 (and so MarshalJSON) cannot write.
func (t *Time) set(v time.Time, s []byte) error {
	if y := v.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("flex: %s is outside the years 0 to 9999 in UTC", redact.Quote(s))
	}
	t.Time = v
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return t.Time.MarshalJSON()
}

// Tags decodes a list of tags sent as strings or as {"id", "name"} objects
// (older answers), keeping the names; null leaves it nil. A number or a
// boolean is kept as its JSON text, a null element as "".
type Tags []string

// UnmarshalJSON implements json.Unmarshaler. A list of strings, the
// documented shape, decodes straight into []string; any other list is
// decoded once into JSON values, its elements not decoded again.
func (t *Tags) UnmarshalJSON(b []byte) error {
	if bytes.IndexByte(b, '{') < 0 && json.Unmarshal(b, (*[]string)(t)) == nil {
		return nil
	}
	var list []any
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("tags: want a list")
	}
	if list == nil {
		*t = nil
		return nil
	}
	out := make(Tags, len(list))
	for i, v := range list {
		if obj, ok := v.(map[string]any); ok {
			v = obj["name"]
		}
		s, ok := Text(v)
		if !ok {
			return fmt.Errorf("tags[%d]: want a string or an {id, name} object", i)
		}
		out[i] = s
	}
	*t = out
	return nil
}

// Text renders a decoded JSON scalar (as encoding/json decodes into any)
// as text: a string as it is, a number or boolean in its JSON form, null as
// "". It reports false for an object or a list.
func Text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		b, err := json.Marshal(x)
		return string(b), err == nil
	}
	return "", false
}

// jsonText names the JSON value b (not a string) for an error message by
// the SDK's one rule (redact.Quote): an object or a list by its kind, a
// short plain literal (a number, a boolean) by its text, anything else as
// redact.Quote shows it.
func jsonText(b []byte) string {
	switch {
	case len(b) > 0 && b[0] == '{':
		return "a JSON object"
	case len(b) > 0 && b[0] == '[':
		return "a JSON list"
	}
	if len(b) > redact.MaxQuoted {
		return redact.Quote(b)
	}
	for _, c := range b {
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return redact.Quote(b)
		}
	}
	return string(b)
}
