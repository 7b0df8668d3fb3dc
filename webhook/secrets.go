package webhook

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/elementsgo/elements/internal/redact"
)

// Secrets is a list of secret values, such as [Handler.SigningKeys],
// that never prints its contents: fmt (every verb) shows only how many
// there are, e.g. "[2 redacted]", slog logs the group {redacted: 2}, and
// encoding/json writes the string "[2 redacted]" (so a struct holding it
// is safe in a JSON log too). It is a plain []string otherwise: assign,
// append, range and pass it with ... as usual.
type Secrets []string

// String returns how many secrets s holds, e.g. "[2 redacted]", never the
// secrets; "[]" when empty.
func (s Secrets) String() string {
	if len(s) == 0 {
		return "[]"
	}
	return "[" + strconv.Itoa(len(s)) + " redacted]"
}

// GoString is like String, so %#v does not print the secrets either.
func (s Secrets) GoString() string { return "webhook.Secrets" + s.String() }

// Format implements [fmt.Formatter] so that every verb prints the redacted
// form (GoString for %#v, String otherwise).
func (s Secrets) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements [slog.LogValuer]: a group holding only how many
// values there are.
func (s Secrets) LogValue() slog.Value { return slog.GroupValue(slog.Int("redacted", len(s))) }

// MarshalJSON implements [json.Marshaler]: the redacted form as a JSON
// string, never the secrets.
func (s Secrets) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
