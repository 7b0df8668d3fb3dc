package elements

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"github.com/elementsgo/elements/internal/redact"
)

// String describes h without its signing keys, e.g.
// "elements.WebhookHandler{SigningKeys:[2 redacted] KeysFor:off InsecureSkipVerify:false MaxBodyBytes:1048576 Deduplicator:on}".
func (h *WebhookHandler) String() string {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	return fmt.Sprintf("elements.WebhookHandler{SigningKeys:%s KeysFor:%s InsecureSkipVerify:%t MaxBodyBytes:%d Deduplicator:%s}",
		h.SigningKeys, onOff(h.KeysFor != nil), h.InsecureSkipVerify, limit, onOff(h.Deduplicator != nil))
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// Format implements [fmt.Formatter] so that every verb, %#v and %+v
// included, prints String and never the signing keys.
func (h *WebhookHandler) Format(f fmt.State, _ rune) {
	io.WriteString(f, h.String())
}

// LogValue implements [slog.LogValuer]: a group of the handler's settings,
// with how many signing keys it has and never the keys.
func (h *WebhookHandler) LogValue() slog.Value {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	return slog.GroupValue(
		slog.Any("signingKeys", h.SigningKeys),
		slog.String("keysFor", onOff(h.KeysFor != nil)),
		slog.Bool("insecureSkipVerify", h.InsecureSkipVerify),
		slog.Int64("maxBodyBytes", limit),
		slog.String("deduplicator", onOff(h.Deduplicator != nil)))
}

// Secrets is a list of secret values, such as [WebhookHandler.SigningKeys],
// that never prints its contents: fmt (every verb) shows only how many
// there are, e.g. "[2 redacted]", and slog logs the group {redacted: 2}. It is a plain []string otherwise:
// assign, append, range and pass it with ... as usual. Its JSON encoding is
// the list itself, so do not hand a struct holding it to a JSON logger.
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
func (s Secrets) GoString() string { return "elements.Secrets" + s.String() }

// Format implements [fmt.Formatter] so that every verb prints the redacted
// form (GoString for %#v, String otherwise).
func (s Secrets) Format(f fmt.State, verb rune) { redact.Format(f, verb, s) }

// LogValue implements [slog.LogValuer]: a group holding only how many
// values there are.
func (s Secrets) LogValue() slog.Value { return slog.GroupValue(slog.Int("redacted", len(s))) }
