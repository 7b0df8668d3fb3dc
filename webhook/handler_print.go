package webhook

import (
	"fmt"
	"io"
	"log/slog"
)

// String describes h without its signing keys, e.g.
// "webhook.Handler{SigningKeys:[2 redacted] KeysFor:off InsecureSkipVerify:false MaxBodyBytes:1048576 Deduplicator:on Inbox:off}".
func (h *Handler) String() string {
	return fmt.Sprintf("webhook.Handler{SigningKeys:%s KeysFor:%s InsecureSkipVerify:%t MaxBodyBytes:%d Deduplicator:%s Inbox:%s}",
		h.SigningKeys, onOff(h.KeysFor != nil), h.InsecureSkipVerify, h.maxBody(), onOff(h.Deduplicator != nil), onOff(h.Inbox != nil))
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// Format implements [fmt.Formatter] so that every verb, %#v and %+v
// included, prints String and never the signing keys.
func (h *Handler) Format(f fmt.State, _ rune) {
	io.WriteString(f, h.String())
}

// LogValue implements [slog.LogValuer]: a group of the handler's settings,
// with how many signing keys it has and never the keys.
func (h *Handler) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("signingKeys", h.SigningKeys),
		slog.String("keysFor", onOff(h.KeysFor != nil)),
		slog.Bool("insecureSkipVerify", h.InsecureSkipVerify),
		slog.Int64("maxBodyBytes", h.maxBody()),
		slog.String("deduplicator", onOff(h.Deduplicator != nil)),
		slog.String("inbox", onOff(h.Inbox != nil)))
}
